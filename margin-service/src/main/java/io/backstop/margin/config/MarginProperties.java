package io.backstop.margin.config;

import io.backstop.margin.risk.AssetSpec;
import io.backstop.margin.risk.InstrumentSpec;
import io.backstop.markets.Market;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The margin engine's configuration, under {@code backstop.margin}: collateral assets with haircuts,
 * alert ratio, batching. {@link #assetSpecs()} validates it and names every problem. The instruments
 * and their brackets come from the shared market catalogue ({@code backstop.markets}).
 */
@ConfigurationProperties("backstop.margin")
public class MarginProperties {

    /** The asset PnL, fees and margin are settled in; worth exactly 1. */
    private String settlementAsset = "USDT";
    /** Margin ratio (maintenance / equity) from which an account is AT_RISK. */
    private BigDecimal alertRatio = new BigDecimal("0.8");
    /** At most one account.positions snapshot per account per this interval. */
    private Duration snapshotInterval = Duration.ofSeconds(1);
    /** Commands (fills, transfers, prices) the account engine applies per database transaction. */
    private int batchSize = 500;
    /**
     * How long the account engine may fail every round (PostgreSQL down, say) before liveness fails and the
     * platform restarts the service; it is not ready from the first failed round.
     */
    private Duration engineFailingLimit = Duration.ofMinutes(5);
    /**
     * Threads that query and restore (JSON) the accounts of newly assigned partitions while the account engine holds
     * them; at most the database pool's size less two, so the engine's commits always find a connection.
     */
    private int loaderThreads = Runtime.getRuntime().availableProcessors();
    /**
     * Whether a replica that stops in order leaves the account topics' consumer group, so that its partitions move at
     * once. Each replica is a static member of that group under its instance id ({@code backstop.instance-id}): one
     * that crashes and comes back under the same id within the session timeout takes its own partitions back without
     * a rebalance. Leave it {@code true} where a replica's id changes when it is replaced (a Deployment's pod names);
     * {@code false} where it does not (a StatefulSet), so that a rolling restart moves nothing either.
     */
    private boolean leaveGroupOnShutdown = true;
    private Map<String, Asset> assets = new LinkedHashMap<>();

    public String getSettlementAsset() {
        return settlementAsset;
    }

    public void setSettlementAsset(String settlementAsset) {
        this.settlementAsset = settlementAsset;
    }

    public BigDecimal getAlertRatio() {
        return alertRatio;
    }

    public void setAlertRatio(BigDecimal alertRatio) {
        this.alertRatio = alertRatio;
    }

    public Duration getSnapshotInterval() {
        return snapshotInterval;
    }

    public void setSnapshotInterval(Duration snapshotInterval) {
        this.snapshotInterval = snapshotInterval;
    }

    public int getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    public Duration getEngineFailingLimit() {
        return engineFailingLimit;
    }

    public void setEngineFailingLimit(Duration engineFailingLimit) {
        this.engineFailingLimit = engineFailingLimit;
    }

    public int getLoaderThreads() {
        return loaderThreads;
    }

    public void setLoaderThreads(int loaderThreads) {
        this.loaderThreads = loaderThreads;
    }

    public boolean isLeaveGroupOnShutdown() {
        return leaveGroupOnShutdown;
    }

    public void setLeaveGroupOnShutdown(boolean leaveGroupOnShutdown) {
        this.leaveGroupOnShutdown = leaveGroupOnShutdown;
    }

    public Map<String, Asset> getAssets() {
        return assets;
    }

    public void setAssets(Map<String, Asset> assets) {
        this.assets = assets;
    }

    public static class Asset {
        /** Fraction taken off a positive balance's value, in [0, 1). */
        private BigDecimal haircut = BigDecimal.ZERO;
        /** The oracle symbol that values it (default: the asset's own name). */
        private String priceSymbol;

        public BigDecimal getHaircut() {
            return haircut;
        }

        public void setHaircut(BigDecimal haircut) {
            this.haircut = haircut;
        }

        public String getPriceSymbol() {
            return priceSymbol;
        }

        public void setPriceSymbol(String priceSymbol) {
            this.priceSymbol = priceSymbol;
        }
    }

    /** Thrown at start when the configuration is invalid; lists every problem with its property. */
    public static final class InvalidConfiguration extends IllegalStateException {
        InvalidConfiguration(List<String> problems) {
            super("Invalid margin configuration:\n  - " + String.join("\n  - ", problems));
        }
    }

    public Map<String, AssetSpec> assetSpecs() {
        List<String> problems = new ArrayList<>();
        Map<String, AssetSpec> specs = new LinkedHashMap<>();
        String settlement = settlementAsset.toUpperCase(Locale.ROOT);
        specs.put(settlement, new AssetSpec(settlement, null, BigDecimal.ZERO));
        assets.forEach((name, asset) -> {
            String id = name.toUpperCase(Locale.ROOT);
            if (id.equals(settlement)) {
                return;
            }
            if (asset.getHaircut() == null || asset.getHaircut().signum() < 0
                    || asset.getHaircut().compareTo(BigDecimal.ONE) >= 0) {
                problems.add("backstop.margin.assets." + name + ".haircut: must be in [0, 1), got " + asset.getHaircut());
            }
            String priceSymbol = asset.getPriceSymbol() == null ? id : asset.getPriceSymbol().toUpperCase(Locale.ROOT);
            specs.put(id, new AssetSpec(id, priceSymbol, asset.getHaircut()));
        });
        if (alertRatio == null || alertRatio.signum() <= 0 || alertRatio.compareTo(BigDecimal.ONE) >= 0) {
            problems.add("backstop.margin.alert-ratio: must be in (0, 1), got " + alertRatio);
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfiguration(problems);
        }
        return specs;
    }

    /** The instruments the margin engine values, from the shared market catalogue. */
    public Map<String, InstrumentSpec> instrumentSpecs(Map<String, Market> markets) {
        Map<String, InstrumentSpec> specs = new LinkedHashMap<>();
        markets.forEach((symbol, market) -> specs.put(symbol,
                new InstrumentSpec(symbol, market.priceSymbol(), market.brackets(), market.priceScale())));
        return specs;
    }
}
