package io.backstop.lab.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Starting and stopping the runtime's processes. Each is detached (its own session, so closing the
 * terminal does not stop it), writes to a log file, and is remembered by a pid file. A pid is only
 * trusted when the process's command line carries the component's marker, so a recycled pid never
 * makes {@code down} kill a stranger.
 */
final class Processes {

    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private Processes() {
    }

    static String marker(String component) {
        return "-Dbackstop.component=" + component;
    }

    static ProcessHandle launch(String component, List<String> command, Map<String, String> env, Path log,
                                Path pidFile, Path workDir) throws IOException {
        Files.createDirectories(log.getParent());
        Files.createDirectories(pidFile.getParent());
        List<String> full = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            full.add(SETSID.toString());
        }
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().putAll(env);
        Process process = builder.start();
        Files.writeString(pidFile, Long.toString(process.pid()));
        return process.toHandle();
    }

    /** The live process a pid file names, if it is still ours. */
    static Optional<ProcessHandle> running(String component, Path pidFile) {
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().commandLine().map(c -> c.contains(marker(component))).orElse(true));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** SIGTERM, then SIGKILL after the grace period; the process and its descendants. True if it was running. */
    static boolean stop(String component, Path pidFile, Duration grace) throws IOException {
        Optional<ProcessHandle> handle = running(component, pidFile);
        if (handle.isPresent()) {
            terminate(handle.get(), grace);
        }
        Files.deleteIfExists(pidFile);
        return handle.isPresent();
    }

    static void terminate(ProcessHandle process, Duration grace) {
        List<ProcessHandle> family = Stream.concat(Stream.of(process), process.descendants()).toList();
        family.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : family) {
            try {
                p.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception timeout) {
                p.destroyForcibly();
            }
        }
        for (ProcessHandle p : family) {
            try {
                p.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // reported by the caller's check that nothing remains
            }
        }
    }

    /** The last lines of a log, to show why something did not come up. */
    static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }
}
