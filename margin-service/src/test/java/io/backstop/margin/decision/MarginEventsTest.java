package io.backstop.margin.decision;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.margin.account.Account;
import io.backstop.margin.risk.MarginEngine;
import io.backstop.margin.risk.TestSpecs;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The tick to call time of the calls margin-service issues ({@code backstop.margin.tick.to.call}). */
class MarginEventsTest {

    private static final Instant TICK = Instant.parse("2025-10-10T21:00:00Z");

    private final MarginEngine margin = new MarginEngine(TestSpecs.calculator(), new BigDecimal("0.8"),
            UUID::randomUUID);
    private final TestSpecs.Prices prices = new TestSpecs.Prices();

    /** 10,000 USDT behind a 10 BTC long at 60,000: called at 59,000. */
    private static Account leveragedLong() {
        Account account = new Account("trader", "USDT");
        account.deposit("USDT", new BigDecimal("10000"));
        account.trade("BTCUSDT", Side.BUY, new BigDecimal("10"), new BigDecimal("60000"), MarginMode.CROSS,
                BigDecimal.ZERO, "USDT", null);
        return account;
    }

    private EventEnvelope<MarginCallIssued> callIssuedAt(Instant issued) {
        AccountReviewer reviewer = new AccountReviewer(margin, Clock.fixed(issued, ZoneOffset.UTC));
        return reviewer.review(leveragedLong(), prices).calls().get(0);
    }

    @Test
    void aCallIsTimedFromItsTicksOracleTimeToItsIssueOnTheInjectedClock() {
        prices.at("BTCUSDT", "59000", TICK);

        EventEnvelope<MarginCallIssued> call = callIssuedAt(TICK.plusMillis(35));

        assertThat(call.payload().priceTime()).isEqualTo(TICK);
        assertThat(call.occurredAt()).isEqualTo(TICK.plusMillis(35));
        assertThat(MarginEvents.tickToCall(call)).contains(Duration.ofMillis(35));
    }

    @Test
    void aCallWithoutAPriceTimeIsNotTimed() {
        prices.at("BTCUSDT", "59000", null);

        EventEnvelope<MarginCallIssued> call = callIssuedAt(TICK);

        assertThat(call.payload().priceTime()).isNull();
        assertThat(MarginEvents.tickToCall(call)).isEmpty();
    }

    @Test
    void aPriceTimeAheadOfThisServicesClockCountsAsNoTime() {
        prices.at("BTCUSDT", "59000", TICK.plusMillis(20));

        assertThat(MarginEvents.tickToCall(callIssuedAt(TICK))).contains(Duration.ZERO);
    }

    @Test
    void onlyCallsAreTimed() {
        prices.set("BTCUSDT", "60000");
        Account account = leveragedLong();
        EventEnvelope<?> snapshot = MarginEvents.snapshot(margin.calculator().assess(account, prices), 1, TICK);

        assertThat(MarginEvents.tickToCall(snapshot)).isEmpty();
    }
}
