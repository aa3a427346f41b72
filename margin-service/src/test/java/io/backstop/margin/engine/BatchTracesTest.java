package io.backstop.margin.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.EventEnvelope;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.kit.outbox.Outbox;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A batch commits many accounts' events at once; each keeps the trace of the work that decided it. */
class BatchTracesTest {

    private static final String PRICE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final String FILL = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @Test
    void eachEventIsAppendedWithTheTraceOfTheWorkThatEmittedItAndNoneWhenNoTraceLedToIt() {
        Batch batch = new Batch(null);
        EventEnvelope<?> call = event("1");
        EventEnvelope<?> settled = event("2");
        EventEnvelope<?> snapshot = event("3");

        batch.events.add(call);
        batch.traced(0, PRICE);          // the re-mark at a traced price emitted the call
        int before = batch.events.size();
        batch.events.add(settled);
        batch.traced(before, FILL);      // a task submitted in another trace
        before = batch.events.size();
        batch.events.add(snapshot);
        batch.traced(before, null);      // a timer's snapshot: no trace

        assertThat(batch.outgoing()).containsExactly(new Outbox.Outgoing(call, PRICE),
                new Outbox.Outgoing(settled, FILL), new Outbox.Outgoing(snapshot, null));
    }

    @Test
    void anEventAppliedInItsOwnSpanWithinATaskKeepsThatSpansTrace() {
        Batch batch = new Batch(null);
        EventEnvelope<?> settled = event("4");
        batch.events.add(settled);
        batch.traced(0, FILL);           // the consumed event's span, inside the task
        batch.traced(0, PRICE);          // the task's submitter's, after it

        assertThat(batch.outgoing()).containsExactly(new Outbox.Outgoing(settled, FILL));
    }

    private static EventEnvelope<?> event(String last) {
        Instant at = Instant.parse("2025-10-10T21:00:00Z");
        return EventEnvelope.of(new VenueTickObserved("binance", "BTCUSDT", new BigDecimal(last),
                new BigDecimal(last), new BigDecimal(last), at), at, null, null);
    }
}
