package io.backstop.lab.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The environment of a local platform for a test: the project's home, state under {@code runDir}, free ports for
 * everything, two partitions, small heaps, a long readiness timeout (a loaded CI machine) — so it never meets a
 * developer's own {@code ./backstop up}.
 */
public final class TestPlatforms {

    private TestPlatforms() {
    }

    public static Map<String, String> environment(Path runDir) {
        Map<String, String> env = new HashMap<>();
        env.put("BACKSTOP_HOME", Path.of("..").toAbsolutePath().normalize().toString());
        env.put("BACKSTOP_RUN_DIR", runDir.toAbsolutePath().toString());
        env.put("BACKSTOP_PG_PORT", Integer.toString(freePort()));
        env.put("BACKSTOP_KAFKA_PORT", Integer.toString(freePort()));
        env.put("BACKSTOP_KAFKA_CONTROLLER_PORT", Integer.toString(freePort()));
        for (Service s : Service.values()) {
            env.put(s.portVariable(), Integer.toString(freePort()));
        }
        env.put("BACKSTOP_PARTITIONS", "2");
        env.put("BACKSTOP_SERVICE_JAVA_OPTS", "-Xms128m -Xmx384m");
        env.put("BACKSTOP_READY_TIMEOUT", "240");
        return env;
    }

    /**
     * A port free now, below the kernel's ephemeral range: a port the kernel hands out itself ({@code new
     * ServerSocket(0)}) is in that range, and between this choice and the service's start an outgoing connection of the
     * platform already running (a JDBC or Kafka client) may take it as its source port. Never the same port twice in
     * this JVM.
     */
    public static synchronized int freePort() {
        int below = ephemeralRangeStart();
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = LOWEST + RANDOM.nextInt(below - LOWEST);
            if (!handedOut.contains(port) && Ports.free(port)) {
                handedOut.add(port);
                return port;
            }
        }
        throw new IllegalStateException("no free port between " + LOWEST + " and " + below);
    }

    private static final int LOWEST = 20_000;
    private static final Random RANDOM = new Random();
    private static final Set<Integer> handedOut = new HashSet<>();

    /** The first port of Linux's ephemeral range ({@code ip_local_port_range}), 32768 where it cannot be read. */
    static int ephemeralRangeStart() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            return Math.max(LOWEST + 1_000, Integer.parseInt(range.split("\\s+")[0]));
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
