package io.backstop.lab.runtime;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CPU time each of the platform's own processes spent, read from {@code /proc}: the four services (all their
 * instances together, {@code liquidation-service x2}), the broker
 * and PostgreSQL (the postmaster, every live backend, and what finished backends left in the postmaster's
 * {@code cutime}/{@code cstime}), apart from the process that generates the load. Two samples around a run give the
 * CPU-ms per operation per component, where it is spent; a platform that runs elsewhere (Compose, Kubernetes, an
 * external PostgreSQL) is not measured and says so.
 */
public final class PlatformCpu {

    /** Linux's USER_HZ, the unit of {@code /proc/<pid>/stat}'s times; 100 on every kernel Backstop runs on. */
    static final long TICKS_PER_SECOND = 100;

    /** The generator's own row: the CLI process with its simulated exchange. */
    public static final String GENERATOR = "load generator (this process)";

    private final Map<String, List<ProcessHandle>> components;

    PlatformCpu(Map<String, List<ProcessHandle>> components) {
        this.components = components;
    }

    /** The components of the platform {@code ./backstop up} runs from these settings. */
    public static PlatformCpu of(RuntimeSettings settings) {
        LocalRuntime runtime = new LocalRuntime(settings, new PrintStream(PrintStream.nullOutputStream()));
        return new PlatformCpu(runtime.processes());
    }

    /** Whether {@code /proc} can be read here (Linux); elsewhere nothing is measured. */
    public static boolean available() {
        return Files.isReadable(Path.of("/proc/self/stat"));
    }

    /** CPU nanoseconds each component has spent so far; empty for a component not running here. */
    public Sample sample() {
        Map<String, Optional<Long>> spent = new LinkedHashMap<>();
        for (Map.Entry<String, List<ProcessHandle>> c : components.entrySet()) {
            List<Optional<Long>> instances = c.getValue().stream().map(PlatformCpu::treeNanos).toList();
            String name = instances.size() > 1 ? c.getKey() + " x" + instances.size() : c.getKey();
            spent.put(name, instances.isEmpty() || instances.stream().anyMatch(Optional::isEmpty) ? Optional.empty()
                    : Optional.of(instances.stream().mapToLong(Optional::get).sum()));
        }
        spent.put(GENERATOR, ownNanos(ProcessHandle.current().pid()));
        return new Sample(spent);
    }

    /** CPU per component at one moment. */
    public record Sample(Map<String, Optional<Long>> nanos) {

        /** What each component spent from {@code before} to this sample, in nanoseconds. */
        public Map<String, Optional<Long>> since(Sample before) {
            Map<String, Optional<Long>> spent = new LinkedHashMap<>();
            nanos.forEach((component, now) -> spent.put(component, now.flatMap(n ->
                    before.nanos.getOrDefault(component, Optional.empty()).map(b -> Math.max(0, n - b)))));
            return spent;
        }
    }

    /** The nanoseconds the platform's components that run here spent ({@link Sample#since}), the generator's left out. */
    public static long platformNanos(Map<String, Optional<Long>> spent) {
        return spent.entrySet().stream().filter(e -> !e.getKey().equals(GENERATOR))
                .mapToLong(e -> e.getValue().orElse(0L)).sum();
    }

    /** Whether every component of the platform runs here (none is "not local"). */
    public static boolean everyComponentLocal(Map<String, Optional<Long>> spent) {
        return spent.entrySet().stream().filter(e -> !e.getKey().equals(GENERATOR))
                .allMatch(e -> e.getValue().isPresent());
    }

    /**
     * Prints CPU-ms per operation per component between two samples, the platform's total, and the cores that
     * total needs at {@code targetRate} operations a second.
     */
    public static void print(PrintStream out, Sample before, Sample after, long operations, String operation,
                             double targetRate) {
        Map<String, Optional<Long>> spent = after.since(before);
        out.printf("CPU per %s, from /proc (%,d %ss):%n", operation, operations, operation);
        out.printf("  %-32s %12s %10s%n", "component", "CPU-ms/" + operation, "CPU s");
        long platform = platformNanos(spent);
        for (Map.Entry<String, Optional<Long>> e : spent.entrySet()) {
            if (e.getKey().equals(GENERATOR)) {
                continue;
            }
            if (e.getValue().isEmpty()) {
                out.printf("  %-32s %12s %10s%n", e.getKey(), "-", "not local");
                continue;
            }
            out.printf("  %-32s %12.3f %10.1f%n", e.getKey(), perOperation(e.getValue().get(), operations),
                    e.getValue().get() / 1e9);
        }
        out.printf("  %-32s %12.3f %10.1f%s%n", "platform", perOperation(platform, operations), platform / 1e9,
                everyComponentLocal(spent) ? "" : "  (only the components running here)");
        spent.get(GENERATOR).ifPresent(g -> out.printf("  %-32s %12.3f %10.1f%n", GENERATOR,
                perOperation(g, operations), g / 1e9));
        out.printf("  at %,.0f %ss a second the platform needs %.1f cores%n", targetRate, operation,
                perOperation(platform, operations) * targetRate / 1000.0);
    }

    /**
     * Prints each component's share of one core between two samples {@code wallSeconds} apart (a run at a fixed
     * rate, where CPU a second says more than CPU an operation); the generator's row is the CLI's, not the platform's.
     */
    public static void printShares(PrintStream out, Sample before, Sample after, double wallSeconds) {
        out.printf("  %-32s %18s%n", "component", "share of one core");
        after.since(before).forEach((component, spent) -> {
            if (spent.isEmpty()) {
                out.printf("  %-32s %18s%n", component, "not local");
            } else {
                out.printf("  %-32s %17.0f%%%n", component, 100 * spent.get() / 1e9 / wallSeconds);
            }
        });
    }

    static double perOperation(long nanos, long operations) {
        return operations == 0 ? 0 : nanos / 1e6 / operations;
    }

    /**
     * A process and its live descendants, plus what its reaped children spent (a PostgreSQL backend that ended
     * is counted in the postmaster's {@code cutime}).
     */
    static Optional<Long> treeNanos(ProcessHandle root) {
        Optional<long[]> self = times(root.pid());
        if (self.isEmpty()) {
            return Optional.empty();
        }
        long ticks = self.get()[0] + self.get()[1] + self.get()[2] + self.get()[3];
        for (ProcessHandle child : (Iterable<ProcessHandle>) root.descendants()::iterator) {
            Optional<long[]> t = times(child.pid());
            if (t.isPresent()) {
                ticks += t.get()[0] + t.get()[1];
            }
        }
        return Optional.of(ticks * 1_000_000_000L / TICKS_PER_SECOND);
    }

    static Optional<Long> ownNanos(long pid) {
        return times(pid).map(t -> (t[0] + t[1]) * 1_000_000_000L / TICKS_PER_SECOND);
    }

    /** utime, stime, cutime and cstime of a process, in clock ticks; empty once it has exited. */
    static Optional<long[]> times(long pid) {
        try {
            return Optional.of(parseTimes(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Fields 14 to 17 of {@code /proc/<pid>/stat}. The second field, the command name in parentheses, may itself
     * hold spaces and parentheses, so the fields are counted from its last closing parenthesis.
     */
    static long[] parseTimes(String stat) {
        String[] rest = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // rest[0] is field 3 (state): field n is rest[n - 3]
        return new long[] {Long.parseLong(rest[11]), Long.parseLong(rest[12]), Long.parseLong(rest[13]),
                Long.parseLong(rest[14])};
    }
}
