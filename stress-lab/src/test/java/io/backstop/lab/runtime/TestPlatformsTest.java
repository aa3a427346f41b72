package io.backstop.lab.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TestPlatformsTest {

    @Test
    void aTestPlatformsPortsAreDistinctAndBelowTheRangeOutgoingConnectionsTakeTheirSourcePortsFrom() {
        int ephemeral = TestPlatforms.ephemeralRangeStart();
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int port = TestPlatforms.freePort();
            assertThat(port).isBetween(20_000, ephemeral - 1);
            ports.add(port);
        }

        assertThat(ports).hasSize(200);
    }
}
