package io.backstop.events.market;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * A venue's quote and last trade for a symbol. Prices are in the symbol's quote currency.
 * A crossed book (bid above ask) is a valid observation: the oracle decides whether to trust it.
 *
 * @param bid       best bid, or null when the venue publishes no book
 * @param ask       best ask, or null when the venue publishes no book
 * @param last      last trade price
 * @param venueTime when the venue says it observed this
 */
public record VenueTickObserved(String venue, String symbol, BigDecimal bid, BigDecimal ask, BigDecimal last,
                                Instant venueTime) implements EventPayload {

    public VenueTickObserved {
        Contract.text("venue", venue);
        Contract.text("symbol", symbol);
        Contract.optionalPositive("bid", bid);
        Contract.optionalPositive("ask", ask);
        Contract.positive("last", last);
        Contract.required("venueTime", venueTime);
    }

    @Override
    public String key() {
        return symbol;
    }
}
