package io.backstop.events;

import io.backstop.events.insurance.AdlLegSettled;
import io.backstop.events.insurance.DeficitCovered;
import io.backstop.events.insurance.InsuranceFundUpdated;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.liquidation.LiquidationEnded;
import io.backstop.events.liquidation.LiquidationFeeCollected;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.LiquidationOrderStatusRequested;
import io.backstop.events.liquidation.LiquidationReported;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.market.ConversionRateObserved;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.trading.TradeFilled;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The catalogue of events: each type's wire name, current version, topic and record. The wire name
 * is the record's simple name. A consumer accepts versions up to the current one; a newer version is
 * a contract violation until the consumer is upgraded.
 */
public enum EventType {

    VENUE_TICK_OBSERVED(VenueTickObserved.class, Topic.MARKET_TICKS, 1),
    CONVERSION_RATE_OBSERVED(ConversionRateObserved.class, Topic.MARKET_RATES, 1),
    ORACLE_PRICE_PUBLISHED(OraclePricePublished.class, Topic.ORACLE_PRICES, 1),
    TRADE_FILLED(TradeFilled.class, Topic.TRADES_FILLS, 1),
    MARGIN_CALL_ISSUED(MarginCallIssued.class, Topic.MARGIN_CALLS, 1),
    ACCOUNT_POSITIONS_SNAPSHOTTED(AccountPositionsSnapshotted.class, Topic.ACCOUNT_POSITIONS, 1),
    LIQUIDATION_ORDER_PLACED(LiquidationOrderPlaced.class, Topic.LIQUIDATION_ORDERS, 1),
    LIQUIDATION_ORDER_STATUS_REQUESTED(LiquidationOrderStatusRequested.class, Topic.LIQUIDATION_ORDERS, 1),
    LIQUIDATION_ORDER_EXECUTED(LiquidationOrderExecuted.class, Topic.LIQUIDATION_EXECUTIONS, 1),
    POSITION_LIQUIDATED(PositionLiquidated.class, Topic.LIQUIDATION_FILLS, 1),
    LIQUIDATION_ENDED(LiquidationEnded.class, Topic.LIQUIDATION_FILLS, 1),
    LIQUIDATION_REPORTED(LiquidationReported.class, Topic.LIQUIDATION_EVENTS, 1),
    LIQUIDATION_SHORTFALL_RAISED(LiquidationShortfallRaised.class, Topic.LIQUIDATION_SHORTFALLS, 1),
    LIQUIDATION_FEE_COLLECTED(LiquidationFeeCollected.class, Topic.INSURANCE_CONTRIBUTIONS, 1),
    POSITION_TAKEN_OVER(PositionTakenOver.class, Topic.INSURANCE_TAKEOVERS, 1),
    POSITION_AUTO_DELEVERAGED(PositionAutoDeleveraged.class, Topic.ADL_EXECUTIONS, 2),
    ADL_LEG_SETTLED(AdlLegSettled.class, Topic.ADL_SETTLEMENTS, 1),
    LOSS_SOCIALIZED(LossSocialized.class, Topic.LOSS_SOCIALIZED, 1),
    DEFICIT_COVERED(DeficitCovered.class, Topic.LOSS_SOCIALIZED, 1),
    INSURANCE_FUND_UPDATED(InsuranceFundUpdated.class, Topic.INSURANCE_FUND, 1);

    private static final Map<String, EventType> BY_WIRE_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(EventType::wireName, Function.identity()));
    private static final Map<Class<?>, EventType> BY_PAYLOAD = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(EventType::payloadClass, Function.identity()));

    private final Class<? extends EventPayload> payloadClass;
    private final Topic topic;
    private final int version;

    EventType(Class<? extends EventPayload> payloadClass, Topic topic, int version) {
        this.payloadClass = payloadClass;
        this.topic = topic;
        this.version = version;
    }

    /** The {@code type} written in the envelope, for example {@code MarginCallIssued}. */
    public String wireName() {
        return payloadClass.getSimpleName();
    }

    public Class<? extends EventPayload> payloadClass() {
        return payloadClass;
    }

    public Topic topic() {
        return topic;
    }

    /** The version producers write and the newest consumers read. */
    public int version() {
        return version;
    }

    public static Optional<EventType> fromWireName(String wireName) {
        return Optional.ofNullable(BY_WIRE_NAME.get(wireName));
    }

    public static EventType of(EventPayload payload) {
        EventType type = BY_PAYLOAD.get(payload.getClass());
        if (type == null) {
            throw new IllegalArgumentException("not a catalogued event payload: " + payload.getClass().getName());
        }
        return type;
    }
}
