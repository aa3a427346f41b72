package io.backstop.lab.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;

/** Whether a local port can be taken: a component is started only on a port no other process holds. */
final class Ports {

    /** A process killed a moment ago may still be closing its sockets. */
    private static final Duration GRACE = Duration.ofSeconds(5);

    private Ports() {
    }

    /**
     * Fails when another process listens on {@code port} (on the loopback address the runtime uses): a component
     * started there would fail to bind while the other process answered its readiness checks in its place.
     *
     * @param variable the environment variable that moves the port
     */
    static void requireFree(String component, int port, String variable) {
        requireFree(component, port, variable, GRACE);
    }

    static void requireFree(String component, int port, String variable, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (!free(port)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("port " + port + " for " + component + " is taken by another"
                        + " process (another Backstop platform, or one still stopping?); stop it, or start this one"
                        + " on other ports with " + variable);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for port " + port, e);
            }
        }
    }

    /** Whether {@code port} can be bound on the loopback address now (a socket closing a moment ago does not count). */
    static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException taken) {
            return false;
        }
    }
}
