package io.backstop.insurance.fund;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Side;
import io.backstop.events.insurance.AdlLegSettled;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import java.math.BigDecimal;
import java.util.Optional;
import java.util.UUID;

/**
 * An ADL request as the fund sent it: the leg it decided, which only it may change. margin-service's answer is
 * booked against this, never against what the answer says was asked.
 *
 * @param requestId    the request's event id, which the answer names
 * @param bankruptSide the closing trade's side for the bankrupt account (the ranked account takes the other)
 */
public record SentAdlRequest(UUID requestId, UUID shortfallId, String accountId, String bankruptAccountId,
                             String symbol, Side bankruptSide, BigDecimal quantity, BigDecimal price) {

    /** The request an outgoing event is, if it is one. */
    public static Optional<SentAdlRequest> of(EventEnvelope<?> event) {
        if (!(event.payload() instanceof PositionAutoDeleveraged r)) {
            return Optional.empty();
        }
        return Optional.of(new SentAdlRequest(event.eventId(), r.shortfallId(), r.accountId(), r.counterpartyAccountId(),
                r.symbol(), r.side().opposite(), r.quantity(), r.price()));
    }

    /** What {@code answer} says was asked that this request did not ask, empty when it answers this request as sent. */
    public Optional<String> differenceFrom(AdlLegSettled answer) {
        if (!shortfallId.equals(answer.shortfallId())) {
            return Optional.of("shortfall " + answer.shortfallId() + ", not " + shortfallId);
        }
        if (!accountId.equals(answer.accountId())) {
            return Optional.of("account " + answer.accountId() + ", not " + accountId);
        }
        if (!bankruptAccountId.equals(answer.bankruptAccountId())) {
            return Optional.of("bankrupt account " + answer.bankruptAccountId() + ", not " + bankruptAccountId);
        }
        if (!symbol.equals(answer.symbol())) {
            return Optional.of("symbol " + answer.symbol() + ", not " + symbol);
        }
        if (bankruptSide != answer.bankruptSide()) {
            return Optional.of("bankrupt side " + answer.bankruptSide() + ", not " + bankruptSide);
        }
        if (quantity.compareTo(answer.requested()) != 0) {
            return Optional.of("requested " + answer.requested().toPlainString() + ", not " + quantity.toPlainString());
        }
        if (price.compareTo(answer.price()) != 0) {
            return Optional.of("price " + answer.price().toPlainString() + ", not " + price.toPlainString());
        }
        return Optional.empty();
    }
}
