package io.backstop.kit.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DedicatedThreadTest {

    /**
     * The thread is woken while it waits inside its work (here a future, as the outbox relay waits for Kafka's
     * acknowledgements): that wait takes the unpark's permit and parks again. The wake-up must still be there when
     * the thread next waits for work, or it would sleep its whole timeout with work waiting.
     */
    @Test
    void aWakeUpThatCameWhileTheThreadWaitedInsideItsWorkIsNotLost() throws Exception {
        CountDownLatch insideWork = new CountDownLatch(1);
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        BlockingQueue<Boolean> woken = new LinkedBlockingQueue<>();
        DedicatedThread worker = new DedicatedThread("test-worker", Duration.ofSeconds(5)) {
            @Override
            protected void loop() {
                insideWork.countDown();
                acknowledged.join(); // parks; an unpark meanwhile wakes it, and it parks again
                woken.add(awaitWakeUp(Duration.ofMinutes(1)));
                while (running()) {
                    awaitWakeUp(Duration.ofSeconds(1));
                }
            }
        };
        worker.start();
        try {
            assertThat(insideWork.await(10, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(50); // into the join's park
            worker.wakeUp();
            Thread.sleep(50);
            acknowledged.complete(null);
            assertThat(woken.poll(30, TimeUnit.SECONDS)).as("woken, not timed out after a minute").isTrue();
        } finally {
            worker.stop();
        }
    }

    @Test
    void withoutAWakeUpTheWaitEndsAtItsTimeoutAndAWakeUpIsTakenOnce() throws Exception {
        BlockingQueue<Boolean> results = new LinkedBlockingQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        DedicatedThread worker = new DedicatedThread("test-worker", Duration.ofSeconds(5)) {
            @Override
            protected void loop() {
                results.add(awaitWakeUp(Duration.ofMillis(20))); // nobody woke it
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                results.add(awaitWakeUp(Duration.ofMillis(20))); // woken before it waited
                results.add(awaitWakeUp(Duration.ofMillis(20))); // that wake-up was taken
                while (running()) {
                    awaitWakeUp(Duration.ofSeconds(1));
                }
            }
        };
        worker.start();
        try {
            assertThat(results.poll(30, TimeUnit.SECONDS)).isFalse();
            worker.wakeUp();
            go.countDown();
            assertThat(results.poll(30, TimeUnit.SECONDS)).isTrue();
            assertThat(results.poll(30, TimeUnit.SECONDS)).isFalse();
        } finally {
            worker.stop();
        }
    }
}
