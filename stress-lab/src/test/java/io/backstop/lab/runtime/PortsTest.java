package io.backstop.lab.runtime;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PortsTest {

    @Test
    void aPortAnotherProcessListensOnIsRefusedNamingTheVariableThatMovesIt() throws Exception {
        try (ServerSocket other = new ServerSocket()) {
            other.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = other.getLocalPort();

            assertThatThrownBy(() -> Ports.requireFree("margin-service", port, "BACKSTOP_MARGIN_PORT",
                    Duration.ofMillis(300)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("port " + port + " for margin-service is taken")
                    .hasMessageContaining("BACKSTOP_MARGIN_PORT");
        }
    }

    @Test
    void aFreePortPasses() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        assertThatCode(() -> Ports.requireFree("kafka", port, "BACKSTOP_KAFKA_PORT", Duration.ZERO))
                .doesNotThrowAnyException();
    }
}
