package io.backstop.liquidation.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the exchange has answered lately, per symbol: when its last answer to one of this instance's orders was
 * applied, and the latest send time of an order it answered. The exchange works a symbol's orders, and the questions
 * about them, in the order they were sent: they share the symbol's partition of {@code liquidation.orders}. So, past
 * the order timeout:
 * <ul>
 *   <li>an order not answered while one sent after it was has been lost on the way: ask about it;</li>
 *   <li>an order not answered while nothing was, for the whole timeout, waits on an exchange that is down or on a
 *       broken link: ask about it;</li>
 *   <li>an order not answered while the exchange keeps answering earlier ones is in the exchange's backlog: it will
 *       be answered, and a question would only add one more message per order to that backlog (measured: two
 *       liquidation-service instances on a shared machine slowed the exchange past the timeout, and 12,000 questions
 *       about 20,000 orders followed). Not asked until one of the two cases above holds.</li>
 * </ul>
 * Each instance knows the answers it applied; executions are keyed by liquidation, so a burst on a symbol reaches
 * every instance and each sees the exchange's progress. Times come from the service's clock (simulated time drives
 * it). Thread-safe: the executions listener records, the order watch reads.
 */
public final class ExchangeAnswers {

    private final Instant since;
    private final Map<String, Instant> lastAnswer = new ConcurrentHashMap<>();
    private final Map<String, Instant> latestAnsweredSend = new ConcurrentHashMap<>();

    /** @param since when this instance started listening: silence is counted from then until a first answer */
    public ExchangeAnswers(Instant since) {
        this.since = since;
    }

    /**
     * The exchange's answer to an order on {@code symbol} was applied at {@code at}; {@code sent}: when that order
     * was sent (null when the order was already done: a copy of an answer says nothing about the exchange's progress).
     */
    public void answered(String symbol, Instant sent, Instant at) {
        lastAnswer.merge(symbol, at, ExchangeAnswers::later);
        if (sent != null) {
            latestAnsweredSend.merge(symbol, sent, ExchangeAnswers::later);
        }
    }

    /**
     * Whether an order on {@code symbol} sent, or last asked about, at {@code asked} and not answered is to be asked
     * about at {@code now}: the exchange answered an order sent after it, or answered nothing of this symbol for
     * {@code timeout}. The caller has checked that the order waited at least {@code timeout}.
     */
    public boolean overdue(String symbol, Instant asked, Instant now, Duration timeout) {
        Instant answeredSend = latestAnsweredSend.get(symbol);
        if (answeredSend != null && answeredSend.isAfter(asked)) {
            return true;
        }
        return !now.isBefore(lastAnswer.getOrDefault(symbol, since).plus(timeout));
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
