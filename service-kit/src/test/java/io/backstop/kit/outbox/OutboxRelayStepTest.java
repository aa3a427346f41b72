package io.backstop.kit.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;

/**
 * The relay on simulated time: a step whose relay failed (the database or the broker down) relays when the step is
 * asked again, not a step later — a later step would change when the consumers see the events.
 */
class OutboxRelayStepTest {

    private static final Instant T0 = Instant.parse("2025-10-10T20:00:00Z");

    @Test
    void aStepWhoseRelayFailedRelaysWhenAskedAgain() {
        AtomicInteger rounds = new AtomicInteger();
        OutboxRelay relay = new OutboxRelay(mock(DataSource.class), null, "", "test", "test_outbox", 100,
                Duration.ofMillis(50), Clock.fixed(T0, ZoneOffset.UTC), new SimpleMeterRegistry()) {
            @Override
            public int relayOnce() {
                if (rounds.incrementAndGet() == 1) {
                    throw new DataAccessResourceFailureException("the database is down");
                }
                return 0; // a round that found the outbox empty
            }

            @Override
            void refreshOldestAge() {
            }
        };

        assertThatThrownBy(() -> relay.step(T0)).isInstanceOf(DataAccessResourceFailureException.class);
        relay.step(T0);

        assertThat(rounds).as("the step asked again relays").hasValue(2);
        relay.step(T0.plusSeconds(1));
        assertThat(rounds).as("once the outbox was found empty, a step with nothing appended does not look").hasValue(2);
        relay.appended();
        relay.step(T0.plusSeconds(2));
        assertThat(rounds).hasValue(3);
    }
}
