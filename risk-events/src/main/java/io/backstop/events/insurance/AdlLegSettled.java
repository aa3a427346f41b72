package io.backstop.events.insurance;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import io.backstop.events.InvalidField;
import io.backstop.events.Side;
import java.math.BigDecimal;
import java.util.UUID;

/**
 * margin-service's answer to one {@link PositionAutoDeleveraged} request: it closed {@code applied} of the ranked
 * account's position at the bankruptcy price (at most what was asked and what the position still held; zero when
 * the position had gone or turned). Keyed by the bankrupt account: margin closes the bankrupt side by
 * {@code applied} when it consumes this; the fund books the ADL and re-plans {@code requested - applied} against
 * the rest of the queue (or takes it over when the queue is exhausted).
 *
 * @param requestId     the eventId of the request this answers
 * @param bankruptSide  the closing trade's side for the bankrupt account ({@code SELL} for a bankrupt long)
 * @param requested     base units the fund asked to close
 * @param applied       base units margin closed on the ranked account, {@code 0 <= applied <= requested}
 * @param rank          the ranked account's place in the queue when the fund planned the leg
 */
public record AdlLegSettled(UUID shortfallId, UUID requestId, String bankruptAccountId, String accountId,
                            String symbol, Side bankruptSide, BigDecimal requested, BigDecimal applied,
                            BigDecimal price, Integer rank) implements EventPayload {

    public AdlLegSettled {
        Contract.required("shortfallId", shortfallId);
        Contract.required("requestId", requestId);
        Contract.text("bankruptAccountId", bankruptAccountId);
        Contract.text("accountId", accountId);
        Contract.text("symbol", symbol);
        Contract.required("bankruptSide", bankruptSide);
        Contract.positive("requested", requested);
        Contract.nonNegative("applied", applied);
        Contract.positive("price", price);
        Contract.required("rank", rank);
        if (applied.compareTo(requested) > 0) {
            throw new InvalidField("applied", "cannot exceed requested " + requested.toPlainString() + ", got "
                    + applied.toPlainString());
        }
    }

    /** What margin could not close: the fund plans it again. */
    public BigDecimal refused() {
        return requested.subtract(applied);
    }

    @Override
    public String key() {
        return bankruptAccountId;
    }
}
