package io.backstop.lab.runtime;

import java.util.Arrays;
import java.util.Optional;

/** Backstop's four services as the local runtime starts them. */
public enum Service {
    ORACLE("oracle-service", "BACKSTOP_ORACLE_PORT", "BACKSTOP_ORACLE_URL", 8081, "oracle"),
    MARGIN("margin-service", "BACKSTOP_MARGIN_PORT", "BACKSTOP_MARGIN_URL", 8082, "margin"),
    LIQUIDATION("liquidation-service", "BACKSTOP_LIQUIDATION_PORT", "BACKSTOP_LIQUIDATION_URL", 8083, "liquidation"),
    INSURANCE_FUND("insurance-fund-service", "BACKSTOP_INSURANCE_FUND_PORT", "BACKSTOP_INSURANCE_FUND_URL",
            8084, "insurance");

    private final String id;
    private final String portVariable;
    private final String urlVariable;
    private final int defaultPort;
    private final String schema;

    Service(String id, String portVariable, String urlVariable, int defaultPort, String schema) {
        this.id = id;
        this.portVariable = portVariable;
        this.urlVariable = urlVariable;
        this.defaultPort = defaultPort;
        this.schema = schema;
    }

    /** The module and process name, for example {@code margin-service}. */
    public String id() {
        return id;
    }

    public String portVariable() {
        return portVariable;
    }

    /** Where a platform deployed elsewhere serves it, for example {@code BACKSTOP_MARGIN_URL=http://margin-service:8082}. */
    public String urlVariable() {
        return urlVariable;
    }

    /** More JVM options of this service only, for example {@code BACKSTOP_MARGIN_JAVA_OPTS}. */
    public String javaOptsVariable() {
        return portVariable.replace("_PORT", "_JAVA_OPTS");
    }

    public int defaultPort() {
        return defaultPort;
    }

    /** Its PostgreSQL schema, its application.yml's {@code backstop.db.schema} (checked by ServiceTest). */
    public String schema() {
        return schema;
    }

    /**
     * The PostgreSQL role it connects as on the embedded database: named after its schema, which it owns, as the
     * Kubernetes cluster's roles are (k8s/base/postgres/cluster.yaml), so a grant missing there is missing here too.
     */
    public String databaseRole() {
        return schema;
    }

    /** Its key among the status page's peers ({@code backstop.status.peers.<key>}): oracle, margin, liquidation, fund. */
    public String statusKey() {
        return this == INSURANCE_FUND ? "fund" : name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Accepts {@code margin-service}, {@code margin} or {@code MARGIN}; for the fund also {@code insurance},
     * {@code insurance-fund} and {@code fund}.
     */
    public static Optional<Service> named(String name) {
        String wanted = name.toLowerCase(java.util.Locale.ROOT);
        return Arrays.stream(values())
                .filter(s -> s.id.equals(wanted) || s.id.equals(wanted + "-service") || s.name().equalsIgnoreCase(name)
                        || s.id.startsWith(wanted + "-") || s.statusKey().equals(wanted))
                .findFirst();
    }
}
