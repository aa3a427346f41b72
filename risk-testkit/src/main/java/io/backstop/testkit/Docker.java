package io.backstop.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/** Whether a Docker engine answers, asked once per JVM. {@code BACKSTOP_TEST_DOCKER=false} skips the question. */
final class Docker {

    private static final Logger log = LoggerFactory.getLogger(Docker.class);
    private static volatile Boolean available;

    private Docker() {
    }

    static boolean available() {
        Boolean answer = available;
        if (answer == null) {
            synchronized (Docker.class) {
                answer = available;
                if (answer == null) {
                    answer = ask();
                    available = answer;
                }
            }
        }
        return answer;
    }

    private static boolean ask() {
        if ("false".equalsIgnoreCase(System.getenv("BACKSTOP_TEST_DOCKER"))) {
            log.info("BACKSTOP_TEST_DOCKER=false: not looking for a Docker engine");
            return false;
        }
        try {
            boolean up = DockerClientFactory.instance().isDockerAvailable();
            log.info(up ? "Docker engine found: using Testcontainers" : "No Docker engine: using in-JVM fallbacks");
            return up;
        } catch (RuntimeException | LinkageError e) {
            log.info("No Docker engine ({}): using in-JVM fallbacks", e.toString());
            return false;
        }
    }
}
