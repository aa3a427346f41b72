package io.backstop.events;

import io.backstop.events.insurance.AdlLegSettled;
import io.backstop.events.insurance.InsuranceFundUpdated;
import io.backstop.events.insurance.DeficitCovered;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationFeeCollected;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.LiquidationOrderStatusRequested;
import io.backstop.events.liquidation.LiquidationReported;
import io.backstop.events.liquidation.LiquidationEnded;
import io.backstop.events.liquidation.LiquidationOutcome;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.events.liquidation.ShortfallHandedOver;
import io.backstop.events.liquidation.OrderOwner;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.events.margin.CollateralValue;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.margin.PositionMark;
import io.backstop.events.market.ConversionRateObserved;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.oracle.PriceSource;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.events.trading.TradeFilled;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** One fully populated, valid event of every type, and which payload fields each may omit. */
public final class SampleEvents {

    public static final Instant T0 = Instant.parse("2025-10-10T21:00:00.123456Z");
    private static final UUID CAUSE = UUID.fromString("00000000-0000-0000-0000-00000000c0de");

    private SampleEvents() {
    }

    static BigDecimal d(String value) {
        return new BigDecimal(value);
    }

    static PositionMark ethLong() {
        return new PositionMark("ETHUSDT", d("12.500"), d("4350.25"), d("3812.10"), d("47651.25"), d("-6726.875"),
                d("476.5125"), MarginMode.CROSS, null, d("3790.11"));
    }

    static PositionMark btcShortIsolated() {
        return new PositionMark("BTCUSDT", d("-0.75"), d("112000"), d("104500.5"), d("78375.375"), d("5624.625"),
                d("391.876875"), MarginMode.ISOLATED, d("8000"), d("114876.2"));
    }

    public static Map<EventType, EventPayload> payloads() {
        UUID liquidation = UUID.fromString("11111111-2222-3333-4444-555555555555");
        UUID order = UUID.fromString("66666666-7777-8888-9999-000000000000");
        UUID shortfall = UUID.fromString("abcdefab-cdef-abcd-efab-cdefabcdefab");
        Map<EventType, EventPayload> m = new EnumMap<>(EventType.class);
        m.put(EventType.VENUE_TICK_OBSERVED, new VenueTickObserved("binance", "USDE", d("0.9991"), d("0.9993"),
                d("0.9992"), T0));
        m.put(EventType.CONVERSION_RATE_OBSERVED, new ConversionRateObserved("WBETH", "ETH", d("1.071234567890123456"),
                "binance-staking", T0));
        m.put(EventType.ORACLE_PRICE_PUBLISHED, new OraclePricePublished("ETHUSDT", d("3812.10"), d("3813.05"),
                d("3830.7"), d("1.25"), PriceStatus.OK, null,
                List.of(new PriceSource("binance", d("3812.4"), d("0.3"), true, null),
                        new PriceSource("venue-x", d("3100"), d("0"), false, "OUTLIER")),
                T0, T0));
        m.put(EventType.TRADE_FILLED, new TradeFilled("t-991", "acct-7", "ETHUSDT", Side.BUY, d("12.5"), d("4350.25"),
                d("-0.54378125"), "USDT", MarginMode.CROSS, null));
        m.put(EventType.MARGIN_CALL_ISSUED, new MarginCallIssued("acct-7", d("-120.5"), d("868.389375"),
                d("9000.1"), List.of(new CollateralValue("USDE", d("10000"), d("0.9992"), d("0.02"), d("9792.16"))),
                List.of(ethLong(), btcShortIsolated()), Map.of("ETHUSDT", 42L, "USDE", 7L),
                Instant.parse("2025-10-10T21:00:00.250Z")));
        m.put(EventType.ACCOUNT_POSITIONS_SNAPSHOTTED, new AccountPositionsSnapshotted("acct-7", d("9792.16"),
                d("3065.285"), d("868.389375"), d("0.2833"), List.of(ethLong())));
        m.put(EventType.LIQUIDATION_ORDER_PLACED, new LiquidationOrderPlaced(order, liquidation, OrderOwner.ACCOUNT,
                "acct-7", "ETHUSDT", Side.SELL, d("2.5"), d("3790.11"), CAUSE, 1));
        m.put(EventType.LIQUIDATION_ORDER_STATUS_REQUESTED, new LiquidationOrderStatusRequested(order, liquidation,
                OrderOwner.ACCOUNT, "ETHUSDT", Side.SELL, d("2.5"), 1));
        m.put(EventType.LIQUIDATION_ORDER_EXECUTED, new LiquidationOrderExecuted(order, liquidation, "ETHUSDT",
                Side.SELL, List.of(new ExecutionFill("x-1", d("3801"), d("1.5")),
                        new ExecutionFill("x-2", d("3799.5"), d("0.5"))), d("0.5")));
        m.put(EventType.POSITION_LIQUIDATED, new PositionLiquidated(liquidation, order, "x-1", "acct-7", "ETHUSDT",
                Side.SELL, d("1.5"), d("3801"), d("-823.875"), d("11.403"), d("3790.11")));
        m.put(EventType.LIQUIDATION_ENDED, new LiquidationEnded(liquidation, CAUSE, "acct-7", "CROSS",
                LiquidationOutcome.SHORTFALL, List.of("x-1", "x-2"),
                List.of(new ShortfallHandedOver(shortfall, "ETHUSDT", d("0.5"), d("0")))));
        m.put(EventType.LIQUIDATION_REPORTED, new LiquidationReported(liquidation, "x-1", "ETHUSDT", Side.SELL,
                d("1.5"), d("3801"), d("5701.5"), T0));
        m.put(EventType.LIQUIDATION_SHORTFALL_RAISED, new LiquidationShortfallRaised(shortfall, liquidation, CAUSE,
                "acct-7", "ETHUSDT", PositionSide.LONG, d("0.5"), d("3790.11"), d("3770"), d("0")));
        m.put(EventType.LIQUIDATION_FEE_COLLECTED, new LiquidationFeeCollected(liquidation, "x-1", "acct-7",
                "ETHUSDT", d("11.403"), "USDT"));
        m.put(EventType.POSITION_TAKEN_OVER, new PositionTakenOver(shortfall, "majors", "acct-7", "ETHUSDT",
                PositionSide.LONG, d("0.5"), d("3790.11")));
        m.put(EventType.POSITION_AUTO_DELEVERAGED, new PositionAutoDeleveraged(shortfall, "acct-99",
                "acct-7", "ETHUSDT", Side.BUY, d("0.5"), d("3790.11"), 1));
        m.put(EventType.ADL_LEG_SETTLED, new AdlLegSettled(shortfall, UUID.fromString("7d0c2a4e-5b1f-4c8e-9a63-2f1e0b9d4c71"),
                "acct-7", "acct-99", "ETHUSDT", Side.SELL, d("0.5"), d("0.3"), d("3790.11"), 1));
        m.put(EventType.LOSS_SOCIALIZED, new LossSocialized(shortfall, "acct-99", "ETHUSDT", d("0.000001"), "USDT",
                "PRO_RATA_PROFITABLE_ON_SYMBOL"));
        m.put(EventType.DEFICIT_COVERED, new DeficitCovered(shortfall, "acct-7", "ETHUSDT", d("120.5"), "USDT",
                d("100"), d("20.5")));
        m.put(EventType.INSURANCE_FUND_UPDATED, new InsuranceFundUpdated("majors", "USDT", d("2000000000"),
                d("1895.055"), d("1999998104.945"), d("4000000000"), d("0.5")));
        return m;
    }

    public static EventEnvelope<?> envelope(EventType type) {
        EventPayload payload = payloads().get(type);
        Long sequence = type.topic().sequenced() ? 17L : null;
        return new EventEnvelope<>(UUID.nameUUIDFromBytes(type.name().getBytes()), type, type.version(), T0, CAUSE,
                sequence, payload);
    }

    /** A valid event of {@code type} with a new random eventId. */
    public static EventEnvelope<?> fresh(EventType type) {
        EventPayload payload = payloads().get(type);
        Long sequence = type.topic().sequenced() ? 17L : null;
        return new EventEnvelope<>(UUID.randomUUID(), type, type.version(), T0, CAUSE, sequence, payload);
    }

    /** A valid event for each topic in {@code topics}: the first catalogued type of each. */
    public static List<EventEnvelope<?>> freshForTopics(Topic... topics) {
        List<EventEnvelope<?>> events = new java.util.ArrayList<>();
        for (Topic topic : topics) {
            for (EventType type : EventType.values()) {
                if (type.topic() == topic) {
                    events.add(fresh(type));
                    break;
                }
            }
        }
        return events;
    }

    /** Payload fields that may be absent (null) for each type; every other field is required. */
    public static Set<String> optionalFields(EventType type) {
        return switch (type) {
            case VENUE_TICK_OBSERVED -> Set.of("bid", "ask");
            case ORACLE_PRICE_PUBLISHED -> Set.of("marketPrice");
            case TRADE_FILLED -> Set.of("isolatedMarginDelta");
            case ACCOUNT_POSITIONS_SNAPSHOTTED -> Set.of("marginRatio");
            case INSURANCE_FUND_UPDATED -> Set.of("coverageRatio");
            case MARGIN_CALL_ISSUED -> Set.of("priceTime");
            default -> Set.of();
        };
    }
}
