package io.backstop.events.json;

import io.backstop.events.EventEnvelope;
import io.backstop.events.EventType;
import io.backstop.events.SampleEvents;
import io.backstop.events.kafka.EventDeserializer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The events one drained margin call makes, encoded and decoded as the services do it: {@code encode} is what an
 * outbox append pays for each event it writes, {@code decode} what a consumer's deserializer pays for each record it
 * reads (with the deserializer's default bound on string lengths,
 * {@value EventDeserializer#DEFAULT_MAX_STRING_LENGTH}). The events are {@link SampleEvents}' fully populated ones
 * of the seven types of a call's path: the call, the order, its execution, the fill, the liquidation's end, the
 * public report and the fee. Every score is one event, the mean over the seven.
 *
 * <p>Run: {@code ./backstop bench EventJsonBenchmark} (add {@code -prof gc} for the bytes allocated an event)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(2)
public class EventJsonBenchmark {

    private static final List<EventType> A_CALLS_PATH = List.of(EventType.MARGIN_CALL_ISSUED,
            EventType.LIQUIDATION_ORDER_PLACED, EventType.LIQUIDATION_ORDER_EXECUTED, EventType.POSITION_LIQUIDATED,
            EventType.LIQUIDATION_ENDED, EventType.LIQUIDATION_REPORTED, EventType.LIQUIDATION_FEE_COLLECTED);
    private static final int EVENTS = 7;

    private final EventJson json = new EventJson();
    private EventEnvelope<?>[] events;
    private byte[][] encoded;
    private EventType[] types;

    @Setup
    public void setUp() {
        events = new EventEnvelope<?>[EVENTS];
        encoded = new byte[EVENTS][];
        types = new EventType[EVENTS];
        for (int i = 0; i < EVENTS; i++) {
            types[i] = A_CALLS_PATH.get(i);
            events[i] = SampleEvents.envelope(types[i]);
            encoded[i] = json.encode(events[i]);
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void encode(Blackhole out) {
        for (EventEnvelope<?> event : events) {
            out.consume(json.encode(event));
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void decode(Blackhole out) {
        for (int i = 0; i < EVENTS; i++) {
            out.consume(json.decode(types[i].topic(), types[i].topic().baseName(), encoded[i],
                    EventDeserializer.DEFAULT_MAX_STRING_LENGTH));
        }
    }
}
