package io.backstop.lab.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

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

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
