package io.backstop.liquidation.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CallPriorityTest {

    @Test
    void aThousandQueuedCallsOfRandomHealthComeOutMostUnderwaterFirstThenLargest() {
        Random random = new Random(1010);
        PriorityQueue<CallPriority> queue = new PriorityQueue<>();
        for (int i = 0; i < 1000; i++) {
            // a tenth share their health with another, so the notional tie-break is exercised
            BigDecimal health = BigDecimal.valueOf(random.nextInt(100) - 20, 2);
            BigDecimal notional = BigDecimal.valueOf(random.nextInt(1_000_000), 2);
            queue.add(new CallPriority(health, notional, new UUID(random.nextLong(), random.nextLong())));
        }
        List<CallPriority> drained = new ArrayList<>();
        while (!queue.isEmpty()) {
            drained.add(queue.poll());
        }

        assertThat(drained).hasSize(1000);
        int ties = 0;
        for (int i = 1; i < drained.size(); i++) {
            CallPriority before = drained.get(i - 1);
            CallPriority after = drained.get(i);
            int health = before.health().compareTo(after.health());
            assertThat(health).as("health order at %d", i).isLessThanOrEqualTo(0);
            if (health == 0) {
                ties++;
                assertThat(before.notional()).as("larger notional first at %d", i)
                        .isGreaterThanOrEqualTo(after.notional());
            }
        }
        assertThat(ties).isGreaterThan(100);
    }
}
