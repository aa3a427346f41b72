package io.backstop.lab.runtime;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * One PostgreSQL role per service on the embedded database, as on Kubernetes: the role owns its service's schema
 * (so its Flyway migrates it) and has no right on any other schema, nor may it create anything outside its own.
 * A service reading another's table, or a migration needing more than its schema, fails here as it would in a
 * cluster. Applied as the superuser on every {@code up}, idempotently: a database from before the roles existed
 * (schemas and tables the superuser created) has its schemas and their tables handed to the roles.
 *
 * <p>The embedded server authenticates every local connection with {@code trust} (zonky's {@code initdb -A
 * trust}), so the roles have no password: one would protect nothing while the superuser logs in without one.
 * What the roles enforce is least privilege between the services, not authentication on this machine.
 */
final class ServiceRoles {

    private ServiceRoles() {
    }

    /** Creates the roles and hands each its schema, in the database {@code c} is connected to (as the superuser). */
    static void ensure(Connection c, String database) throws SQLException {
        try (Statement s = c.createStatement()) {
            // nobody but the roles granted CONNECT below, and no service, creates anything in public (already the
            // default of PostgreSQL 15 and later; said here so the guarantee does not depend on the version)
            s.execute("REVOKE ALL ON DATABASE " + quote(database) + " FROM PUBLIC");
            s.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
            for (Service service : Service.values()) {
                String role = quote(service.databaseRole());
                String schema = quote(service.schema());
                if (!exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", service.databaseRole())) {
                    s.execute("CREATE ROLE " + role);
                }
                s.execute("ALTER ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS");
                s.execute("GRANT CONNECT ON DATABASE " + quote(database) + " TO " + role);
                s.execute("CREATE SCHEMA IF NOT EXISTS " + schema + " AUTHORIZATION " + role);
                s.execute("ALTER SCHEMA " + schema + " OWNER TO " + role);
                s.execute("REVOKE ALL ON SCHEMA " + schema + " FROM PUBLIC");
                for (String statement : handOver(c, service)) {
                    s.execute(statement);
                }
            }
        }
    }

    /**
     * The statements giving the role what the superuser created in its schema (before the roles existed): tables
     * first, which take their indexes and their columns' sequences with them, then any sequence left.
     */
    private static List<String> handOver(Connection c, Service service) throws SQLException {
        List<String> statements = new ArrayList<>();
        String sql = """
                SELECT cl.relname, cl.relkind FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace
                WHERE n.nspname = ? AND cl.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
                  AND pg_get_userbyid(cl.relowner) <> ?
                  AND NOT (cl.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                           AND d.objid = cl.oid AND d.deptype IN ('a', 'i')))
                ORDER BY cl.relkind = 'S', cl.relname""";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, service.schema());
            ps.setString(2, service.databaseRole());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String kind = switch (rs.getString(2)) {
                        case "S" -> "SEQUENCE";
                        case "v" -> "VIEW";
                        case "m" -> "MATERIALIZED VIEW";
                        case "f" -> "FOREIGN TABLE";
                        default -> "TABLE";
                    };
                    statements.add("ALTER " + kind + " " + quote(service.schema()) + "." + quote(rs.getString(1))
                            + " OWNER TO " + quote(service.databaseRole()));
                }
            }
        }
        return statements;
    }

    private static boolean exists(Connection c, String sql, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
