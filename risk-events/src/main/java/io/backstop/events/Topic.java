package io.backstop.events;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every Kafka topic of Backstop's data flow, with its record key. The names here are the base names;
 * a deployment may put a prefix before all of them (see {@code backstop.kafka.topic-prefix}), so
 * several environments can share one cluster and tests can isolate themselves.
 */
public enum Topic {

    /** Venue price ticks (bid, ask, last, venue time). Key: symbol. */
    MARKET_TICKS("market.ticks", "symbol", false, false),
    /** Conversion rates of wrapped and synthetic assets (wBETH to ETH...). Key: asset. */
    MARKET_RATES("market.rates", "asset", false, false),
    /** Index, mark, TWAP, confidence, status and sources. Key: symbol; sequenced per symbol. */
    ORACLE_PRICES("oracle.prices", "symbol", true, false),
    /** Position changes from the exchange's matching engine. Key: accountId. */
    TRADES_FILLS("trades.fills", "accountId", false, false),
    /** An account below maintenance margin. Key: accountId. */
    MARGIN_CALLS("margin.calls", "accountId", false, false),
    /** Latest positions and PnL of an account, for the ADL queue. Key: accountId; compacted, sequenced. */
    ACCOUNT_POSITIONS("account.positions", "accountId", true, true),
    /** IOC orders to the exchange, never worse than the bankruptcy price. Key: symbol. */
    LIQUIDATION_ORDERS("liquidation.orders", "symbol", false, false),
    /**
     * What the exchange filled of a liquidation order (and its answers to status requests). Key: liquidationId, so
     * one liquidation's executions stay in order while a burst on one symbol spreads over the partitions (ADR 22).
     */
    LIQUIDATION_EXECUTIONS("liquidation.executions", "liquidationId", false, false),
    /**
     * Applied liquidation trades with realized PnL and fee, back to margin-service, and after a liquidation's last
     * one its end (the lease it releases). Key: accountId, so an account's fills and ends stay in order.
     */
    LIQUIDATION_FILLS("liquidation.fills", "accountId", false, false),
    /** The public, real-time, unthrottled liquidation feed. Key: symbol. */
    LIQUIDATION_EVENTS("liquidation.events", "symbol", false, false),
    /** A bankrupt remainder the market could not take at or better than bankruptcy. Key: symbol. */
    LIQUIDATION_SHORTFALLS("liquidation.shortfalls", "symbol", false, false),
    /** Liquidation fees paid into the insurance fund. Key: symbol. */
    INSURANCE_CONTRIBUTIONS("insurance.contributions", "symbol", false, false),
    /** The fund takes a bankrupt remainder at the bankruptcy price. Key: accountId. */
    INSURANCE_TAKEOVERS("insurance.takeovers", "accountId", false, false),
    /** The fund's requests to close ranked opposite positions against a bankrupt remainder. Key: accountId. */
    ADL_EXECUTIONS("adl.executions", "accountId", false, false),
    /** margin-service's answers to them: what it closed; it closes the bankrupt side by as much. Key: bankruptAccountId. */
    ADL_SETTLEMENTS("adl.settlements", "bankruptAccountId", false, false),
    /** Deficits settled: a bankrupt account's deficit covered, and the shares socialized. Key: accountId. */
    LOSS_SOCIALIZED("loss.socialized", "accountId", false, false),
    /** Fund balance, capacity and coverage. Key: fund group; compacted, sequenced. */
    INSURANCE_FUND("insurance.fund", "fundGroup", true, true);

    /** Appended to a topic's name to make its dead-letter topic. */
    public static final String DEAD_LETTER_SUFFIX = ".dlq";

    private final String baseName;
    private final String key;
    private final boolean sequenced;
    private final boolean compacted;

    Topic(String baseName, String key, boolean sequenced, boolean compacted) {
        this.baseName = baseName;
        this.key = key;
        this.sequenced = sequenced;
        this.compacted = compacted;
    }

    /** The topic's name without any deployment prefix, for example {@code oracle.prices}. */
    public String baseName() {
        return baseName;
    }

    /** The payload field the record key holds, for example {@code accountId} (TopicKeyTest checks every event). */
    public String key() {
        return key;
    }

    /** Whether every event on it must carry a per-key sequence (consumers drop older ones). */
    public boolean sequenced() {
        return sequenced;
    }

    /** Whether only the latest event per key matters (log compaction). */
    public boolean compacted() {
        return compacted;
    }

    /** The full name under a deployment prefix ({@code ""} for none). */
    public String name(String prefix) {
        return prefix + baseName;
    }

    public String deadLetterName(String prefix) {
        return name(prefix) + DEAD_LETTER_SUFFIX;
    }

    /** The topic a full name designates under the given prefix, if any. */
    public static Optional<Topic> fromName(String name, String prefix) {
        if (name == null || !name.startsWith(prefix)) {
            return Optional.empty();
        }
        String base = name.substring(prefix.length());
        return Arrays.stream(values()).filter(t -> t.baseName.equals(base)).findFirst();
    }
}
