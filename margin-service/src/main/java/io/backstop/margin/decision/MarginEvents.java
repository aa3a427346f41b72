package io.backstop.margin.decision;

import io.backstop.events.EventEnvelope;
import io.backstop.events.EventType;
import io.backstop.events.MarginMode;
import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.events.margin.CollateralValue;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.margin.PositionMark;
import io.backstop.margin.risk.MarginReview;
import io.backstop.margin.risk.AccountRisk;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Translates the margin core's decisions into events. Amounts in events are rounded to 12 decimal
 * places (half-even): they report a valuation; balances themselves are never rounded.
 */
public final class MarginEvents {

    static final int SCALE = 12;

    private MarginEvents() {
    }

    static EventEnvelope<MarginCallIssued> call(io.backstop.margin.account.Account account, MarginReview.Call call,
                                                Instant at) {
        MarginCallIssued payload = new MarginCallIssued(account.id(), round(call.equity()),
                round(call.maintenanceMargin()), round(call.initialMargin()), collateral(call.collateral()),
                positions(call.positions()), call.priceSequences(), call.priceTime());
        return new EventEnvelope<>(call.callId(), EventType.MARGIN_CALL_ISSUED, EventType.MARGIN_CALL_ISSUED.version(),
                at, null, null, payload);
    }

    /**
     * How long after the tick that took its scope below maintenance a call was issued: its {@code priceTime} (the
     * oracle's time) to its {@code occurredAt} (this service's clock), for the {@code backstop.margin.tick.to.call}
     * timer; none for a call without a price time or an event that is not a call. A price time after the call (the
     * two clocks disagree) counts as no time at all.
     */
    public static Optional<Duration> tickToCall(EventEnvelope<?> event) {
        if (!(event.payload() instanceof MarginCallIssued call) || call.priceTime() == null) {
            return Optional.empty();
        }
        Duration elapsed = Duration.between(call.priceTime(), event.occurredAt());
        return Optional.of(elapsed.isNegative() ? Duration.ZERO : elapsed);
    }

    static EventEnvelope<AccountPositionsSnapshotted> snapshot(AccountRisk risk, long version, Instant at) {
        AccountPositionsSnapshotted payload = new AccountPositionsSnapshotted(risk.accountId(),
                round(risk.walletBalance()), round(risk.equity()), round(risk.maintenanceMargin()),
                risk.marginRatio() == null ? null : round(risk.marginRatio()), positions(risk.positions()));
        return EventEnvelope.of(payload, at, null, version);
    }

    /**
     * The positions snapshot of a seeded account ({@code ./backstop seed}): the same event a round of snapshots
     * publishes, with an id derived from the account and its version, so a seed repeated (resumed, replaced at the
     * same version) appends the same ids and the fund drops the copies.
     */
    public static EventEnvelope<AccountPositionsSnapshotted> seededSnapshot(AccountRisk risk, long version,
                                                                            Instant at) {
        EventEnvelope<AccountPositionsSnapshotted> snapshot = snapshot(risk, version, at);
        java.util.UUID id = java.util.UUID.nameUUIDFromBytes(("seed/" + risk.accountId() + "/" + version)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new EventEnvelope<>(id, snapshot.type(), snapshot.version(), at, null, version, snapshot.payload());
    }

    static List<CollateralValue> collateral(List<AccountRisk.CollateralLine> lines) {
        return lines.stream().map(c -> new CollateralValue(c.asset(), c.amount(), c.price(), c.haircut(),
                round(c.value()))).toList();
    }

    static List<PositionMark> positions(List<AccountRisk.PositionLine> lines) {
        return lines.stream().map(p -> new PositionMark(p.symbol(), p.size(), round(p.entryPrice()), p.markPrice(),
                round(p.notional()), round(p.unrealizedPnl()), round(p.maintenanceMargin()),
                p.isolated() ? MarginMode.ISOLATED : MarginMode.CROSS,
                p.isolated() ? round(p.isolatedMargin()) : null, p.liquidationPrice())).toList();
    }

    static BigDecimal round(BigDecimal value) {
        return value == null ? null : value.setScale(SCALE, RoundingMode.HALF_EVEN).stripTrailingZeros();
    }
}
