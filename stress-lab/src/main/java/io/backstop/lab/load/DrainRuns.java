package io.backstop.lab.load;

import io.backstop.lab.runtime.PlatformCpu;
import io.backstop.lab.runtime.PlatformWrites;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The measured drains of one {@code ./backstop drain --repeat N}, summed up: each figure's median and range over the
 * drains. On a shared machine one drain's CPU a call moves by a third from one run to the next; the median of several,
 * after a warm-up the JITs compile in, is what two builds are compared by. The writes a call (rows, WAL, offsets)
 * hardly move, and their range shows it.
 */
public final class DrainRuns {

    /**
     * One measured drain.
     *
     * @param cpu    CPU nanoseconds per component ({@link PlatformCpu.Sample#since}); empty where not local
     * @param writes what the drain wrote
     */
    public record Run(long calls, double seconds, Map<String, Optional<Long>> cpu, PlatformWrites.Written writes) {

        double callsPerSecond() {
            return calls / seconds;
        }

        /** CPU-ms a call of the platform, the generator left out; empty unless every component runs here. */
        Optional<Double> platformMs() {
            return PlatformCpu.everyComponentLocal(cpu) ? Optional.of(PlatformCpu.platformNanos(cpu) / 1e6 / calls)
                    : Optional.empty();
        }
    }

    private DrainRuns() {
    }

    /** Prints the median and range of each figure over {@code runs} (at least one). */
    public static void print(PrintStream out, List<Run> runs, long warmUp) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no drains to sum up");
        }
        out.printf("%d drains of %,d calls%s: median (lowest-highest)%n", runs.size(), runs.get(0).calls(),
                warmUp > 0 ? String.format(" after a warm-up of %,d", warmUp) : ", no warm-up");
        line(out, "calls drained a second", runs, Run::callsPerSecond, "%,.0f");
        Set<String> components = new LinkedHashSet<>();
        runs.forEach(r -> components.addAll(r.cpu().keySet()));
        out.printf("  CPU-ms a call%n");
        for (String component : components) {
            if (runs.stream().allMatch(r -> r.cpu().getOrDefault(component, Optional.empty()).isPresent())) {
                line(out, "  " + component, runs, r -> r.cpu().get(component).get() / 1e6 / r.calls(), "%.3f");
            }
        }
        if (runs.stream().allMatch(r -> r.platformMs().isPresent())) {
            line(out, "  platform", runs, r -> r.platformMs().get(), "%.3f");
        }
        line(out, "PostgreSQL rows written a call", runs, r -> (double) r.writes().rows() / r.calls(), "%.2f");
        if (runs.stream().allMatch(r -> r.writes().walBytes().isPresent())) {
            line(out, "WAL bytes a call", runs, r -> (double) r.writes().walBytes().get() / r.calls(), "%,.0f");
        }
        if (runs.stream().allMatch(r -> r.writes().commits().isPresent())) {
            line(out, "commits a call", runs, r -> (double) r.writes().commits().get() / r.calls(), "%.2f");
        }
        if (runs.stream().allMatch(r -> r.writes().statementCount().isPresent())) {
            line(out, "statements a call", runs, r -> (double) r.writes().statementCount().get() / r.calls(), "%.2f");
        }
        line(out, "Kafka offsets a call", runs, r -> (double) r.writes().records() / r.calls(), "%.2f");
    }

    private static void line(PrintStream out, String name, List<Run> runs, ToDoubleFunction<Run> figure,
                             String format) {
        List<Double> values = new ArrayList<>(runs.stream().mapToDouble(figure).boxed().toList());
        values.sort(Double::compare);
        out.printf("  %-38s %s (%s-%s)%n", name, String.format(format, median(values)),
                String.format(format, values.get(0)), String.format(format, values.get(values.size() - 1)));
    }

    /** The middle value of sorted {@code values}, or the mean of the two middle ones. */
    static double median(List<Double> values) {
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }
}
