package io.backstop.deploy.observability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus' {@code promtool} (Debian's {@code prometheus} package), run as a process. The build needs it:
 * when it is missing, {@link #find()} fails with how to install it; nothing is skipped.
 */
public final class Promtool {

    static final String INSTALL_HINT = "promtool not found: install it with `apt-get install -y"
            + " --no-install-recommends prometheus` (Debian's package brings /usr/bin/promtool; .ci/run does this),"
            + " or set PROMTOOL to its path";

    /** What one run printed (stdout and stderr together) and its exit code. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private final Path executable;

    private Promtool(Path executable) {
        this.executable = executable;
    }

    /** promtool from {@code PROMTOOL}, else the {@code PATH}, else {@code /usr/bin/promtool}. */
    public static Promtool find() {
        return find(System.getenv("PROMTOOL"), System.getenv("PATH"));
    }

    static Promtool find(String configured, String path) {
        List<Path> candidates = new ArrayList<>();
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            if (!Files.isExecutable(p)) {
                throw new IllegalStateException("PROMTOOL=" + configured + " is not an executable file. " + INSTALL_HINT);
            }
            return new Promtool(p);
        }
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isBlank()) {
                    candidates.add(Path.of(dir, "promtool"));
                }
            }
        }
        candidates.add(Path.of("/usr/bin/promtool"));
        return candidates.stream().filter(Files::isExecutable).findFirst().map(Promtool::new)
                .orElseThrow(() -> new IllegalStateException(INSTALL_HINT));
    }

    public Path executable() {
        return executable;
    }

    /** Runs {@code promtool <args>} in {@code dir} and waits for it (at most 2 minutes). */
    public Result run(Path dir, String... args) {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                return new Result(-1, output + "\npromtool did not finish in 2 minutes");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }
}
