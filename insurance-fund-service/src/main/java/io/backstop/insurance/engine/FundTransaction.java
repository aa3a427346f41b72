package io.backstop.insurance.engine;

import io.backstop.events.EventEnvelope;
import io.backstop.insurance.fund.FundBook;
import io.backstop.insurance.fund.FundView;
import io.backstop.insurance.ledger.LedgerTransaction;
import io.backstop.insurance.waterfall.PlannedQueue;
import io.backstop.kit.outbox.Outbox;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The fund work of one PostgreSQL transaction: the books it locked (each once, in the order first used), the
 * ledger transactions they recorded and the events to emit (ADL requests among them remembered as sent), the mark
 * of each symbol it decided on (the first read, kept for the whole transaction) and the ADL queue it planned
 * against ({@link PlannedQueue}: each side read once, less what its legs asked). {@link #finish} writes it all and
 * appends one {@code InsuranceFundUpdated} per book touched; call it inside the transaction, once. Not thread-safe.
 */
final class FundTransaction {

    final Instant now;
    final PlannedQueue queue;
    private final InsuranceStore store;
    private final AdlStore requests;
    private final Outbox outbox;
    private final FundFigures figures;
    private final Map<String, FundBook> books = new TreeMap<>();
    private final Map<String, UUID> fundCause = new LinkedHashMap<>();
    private final List<LedgerTransaction> ledger = new ArrayList<>();
    private final List<Outbox.Outgoing> events = new ArrayList<>();
    private final Map<String, BigDecimal> marks = new TreeMap<>();

    FundTransaction(InsuranceStore store, AdlStore requests, Outbox outbox, FundFigures figures, Instant now,
                    int readAhead) {
        this.queue = new PlannedQueue(readAhead);
        this.store = store;
        this.requests = requests;
        this.outbox = outbox;
        this.figures = figures;
        this.now = now;
    }

    /** The group's book, locked on first use; {@code cause} is the cause of its {@code InsuranceFundUpdated}. */
    FundBook book(String group, UUID cause) {
        fundCause.put(group, cause);
        return books.computeIfAbsent(group, store::lockFund);
    }

    /**
     * The mark this transaction decides {@code symbol} at: the first one read (the price board's latest, or
     * {@code fallback} when the board has none), the same for every later shortfall and leg of the transaction, so
     * that they walk one ranking of the queue.
     */
    BigDecimal mark(String symbol, Supplier<BigDecimal> fallback) {
        return marks.computeIfAbsent(symbol, s -> fallback.get());
    }

    void record(List<LedgerTransaction> transactions) {
        ledger.addAll(transactions);
    }

    void emit(List<EventEnvelope<?>> emitted) {
        emitted.forEach(e -> events.add(outbox.outgoing(e))); // each with the trace of the event that decided it
    }

    /**
     * Records the ledger, stores the books, appends the events and each fund's new figures to the outbox, and
     * remembers the ADL requests among the events: an answer is booked only against a request the fund sent.
     */
    void finish() {
        store.record(ledger, now);
        for (FundBook book : books.values()) {
            long sequence = store.saveFund(book, now);
            FundView view = figures.view(book);
            events.add(outbox.outgoing(EventEnvelope.causedBy(fundCause.get(book.group()), "fund/" + book.group(),
                    view.updated(), now, sequence)));
            figures.publishAfterCommit(view);
        }
        requests.recordRequestsSent(events.stream().<EventEnvelope<?>>map(o -> o.event()).toList(), now);
        outbox.appendOutgoing(events);
    }
}
