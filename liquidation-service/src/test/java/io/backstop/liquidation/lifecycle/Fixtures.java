package io.backstop.liquidation.lifecycle;

import io.backstop.liquidation.plan.PositionState;
import io.backstop.liquidation.plan.ScopeState;
import io.backstop.markets.SampleMarkets;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Scopes and liquidations for the lifecycle's tests: BTCUSDT with the sample brackets (1 BTC at 60,000: MM 250). */
final class Fixtures {

    static final Instant T0 = Instant.parse("2025-10-10T21:00:00Z");
    static final UUID CALL = UUID.fromString("00000000-0000-0000-0000-00000000ca11");

    private Fixtures() {
    }

    static PositionState btc(String size, String entry, String mark) {
        return new PositionState("BTCUSDT", new BigDecimal(size), new BigDecimal(entry), new BigDecimal(mark),
                SampleMarkets.btcBrackets(), 2);
    }

    static ScopeState scope(String equity, PositionState... positions) {
        return new ScopeState(new BigDecimal(equity), List.of(positions), Map.of());
    }

    static Liquidation liquidation(LiquidationStatus status, int round, ScopeState state) {
        return liquidation(status, round, state, null);
    }

    /** @param priceTime the call's oracle time of its tick; null for a call without one */
    static Liquidation liquidation(LiquidationStatus status, int round, ScopeState state, Instant priceTime) {
        return new Liquidation(CallIntake.liquidationId(CALL), CALL, "alice", "CROSS", status, round, state, T0,
                priceTime);
    }
}
