package io.backstop.kit.web.overload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The line in front of Tomcat's executor, with threads started by hand and a clock set by hand. */
class ArrivalLineTest {

    private final AtomicLong now = new AtomicLong();
    private final Deque<Runnable> started = new ArrayDeque<>();
    private final ArrivalLine line = new ArrivalLine(started::add, 2, Duration.ofMillis(5), Duration.ofMillis(50),
            now::get);
    private final List<String> ran = new ArrayList<>();

    @Test
    void atMostTheWorkersRunAndEachTaskKnowsWhenItArrived() {
        for (int i = 0; i < 5; i++) {
            now.set(i * 1_000_000L);
            String name = "t" + i;
            line.execute(() -> ran.add(name + "@" + Arrivals.take(-1)));
        }
        assertThat(started).as("two workers for five tasks").hasSize(2);
        assertThat(line.waiting()).isEqualTo(5);
        assertThat(line.running()).isEqualTo(2);

        now.set(5_000_000L); // the oldest waited 5 ms: no queue stands yet
        started.poll().run();

        assertThat(ran).containsExactly("t0@0", "t1@1000000", "t2@2000000", "t3@3000000", "t4@4000000");
        assertThat(line.waiting()).isZero();
        started.poll().run(); // finds the line empty and ends
        assertThat(line.running()).isZero();
    }

    @Test
    void whileAQueueStandsTheNewestRunsFirst() {
        for (int i = 0; i < 3; i++) {
            now.set(i * 1_000_000L);
            String name = "t" + i;
            line.execute(() -> ran.add(name));
        }
        now.set(10_000_000L);
        started.poll().run();

        assertThat(ran).containsExactly("t2", "t1", "t0");
    }

    @Test
    void aTaskThatFailsDoesNotStopItsWorker() {
        line.execute(() -> {
            throw new IllegalStateException("boom");
        });
        line.execute(() -> ran.add("after"));
        started.poll().run();

        assertThat(ran).containsExactly("after");
    }

    @Test
    void whenTheThreadsUnderneathRefuseTheTaskIsRefusedNotLeftWaiting() {
        ArrivalLine stopped = new ArrivalLine(task -> {
            throw new RejectedExecutionException("stopping");
        }, 2, Duration.ofMillis(5), Duration.ofMillis(50), now::get);

        assertThatThrownBy(() -> stopped.execute(() -> ran.add("never"))).isInstanceOf(RejectedExecutionException.class);
        assertThat(stopped.waiting()).isZero();
        assertThat(stopped.running()).isZero();
    }

    @Test
    void refusesNoWorkers() {
        assertThatThrownBy(() -> new ArrivalLine(Runnable::run, 0, Duration.ofMillis(5), Duration.ofMillis(50),
                now::get)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workers");
    }
}
