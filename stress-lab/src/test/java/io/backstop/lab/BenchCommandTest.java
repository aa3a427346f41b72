package io.backstop.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Keeps {@code ./backstop bench} and the documents that name benchmarks from drifting apart, without running JMH:
 * the launcher finds every benchmark in a module's {@code src/jmh/java}, every benchmark the README, docs/ or a
 * benchmark's own javadoc names resolves to the module that holds it, and an unknown name fails loudly.
 */
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "./backstop is a bash script")
class BenchCommandTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern NAMED = Pattern.compile("\\./backstop bench ([A-Za-z][A-Za-z0-9_.]*)");

    /** Benchmark classes by simple name, with the module whose src/jmh/java holds each. */
    private static Map<String, String> benchmarkModules() throws IOException {
        Map<String, String> modules = new TreeMap<>();
        try (Stream<Path> dirs = Files.list(ROOT)) {
            for (Path jmh : dirs.map(d -> d.resolve("src/jmh/java")).filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.walk(jmh)) {
                    for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                        if (Files.readString(file).contains("@Benchmark")) {
                            String name = file.getFileName().toString().replace(".java", "");
                            modules.put(name, ROOT.relativize(jmh).getName(0).toString());
                        }
                    }
                }
            }
        }
        return modules;
    }

    @Test
    void theListNamesEveryBenchmarkClassOfEveryModuleWithItsModule() throws Exception {
        Map<String, String> expected = benchmarkModules();
        assertThat(expected).containsKeys("IndexAggregationBenchmark", "LiquidationRoundBenchmark",
                "WaterfallBenchmark");

        Run list = backstop("bench", "--list");

        assertThat(list.exit()).as(list.err()).isZero();
        Map<String, String> listed = new TreeMap<>();
        list.out().lines().skip(1).map(line -> line.trim().split("\\s+"))
                .forEach(columns -> listed.put(columns[1], columns[0]));
        assertThat(listed).isEqualTo(expected);
    }

    @Test
    void everyBenchmarkTheDocumentsNameRunsInTheModuleThatHoldsIt() throws Exception {
        Map<String, String> modules = benchmarkModules();
        Set<String> named = new TreeSet<>();
        List<Path> documents = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(f -> f.toString().endsWith(".md")).forEach(documents::add);
        }
        try (Stream<Path> dirs = Files.list(ROOT)) {
            for (Path jmh : dirs.map(d -> d.resolve("src/jmh/java")).filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.walk(jmh)) {
                    files.filter(f -> f.toString().endsWith(".java")).forEach(documents::add);
                }
            }
        }
        for (Path document : documents) {
            Matcher m = NAMED.matcher(Files.readString(document));
            while (m.find()) {
                named.add(m.group(1));
            }
            assertThat(Files.readString(document).lines().filter(line -> line.contains("exec:exec@jmh")))
                    .as("%s: the Maven way builds what the benchmark needs (-am)", document)
                    .allMatch(line -> line.contains(" -am "));
        }
        assertThat(named).as("benchmarks named in the documents").isNotEmpty();

        for (String name : named) {
            String simpleName = name.replaceAll("\\.[a-z]\\w*$", "");
            String module = modules.containsKey(simpleName) ? modules.get(simpleName)
                    : modules.get(simpleName + "Benchmark");
            assertThat(module).as("%s is a benchmark class in some src/jmh/java", name).isNotNull();

            Run dryRun = backstop("bench", "--dry-run", name);

            assertThat(dryRun.exit()).as(dryRun.err()).isZero();
            assertThat(dryRun.out()).as(name).contains(" -pl " + module + " -am test-compile exec:exec@jmh ");
            // JMH runs in that module only: the modules it needs may hold benchmarks of their own (risk-events)
            assertThat(dryRun.out()).as(name).contains("touch " + ROOT.resolve(module).resolve("target/jmh-run"))
                    .contains("rm -f " + ROOT.resolve(module).resolve("target/jmh-run"));
        }
        Path performance = ROOT.resolve("docs/performance.md");
        assertThat(Files.readString(performance)).as("docs/performance.md names every benchmark")
                .contains(modules.keySet());
    }

    @Test
    void anUnknownBenchmarkOrMethodFailsWithExitTwoAndSaysWhereToLook() throws Exception {
        Run unknown = backstop("bench", "NoSuchBenchmark", "-f", "1");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("no benchmark named 'NoSuchBenchmark'").contains("./backstop bench --list");

        Run method = backstop("bench", "WaterfallBenchmark.noSuchMethod");
        assertThat(method.exit()).isEqualTo(2);
        assertThat(method.err()).contains("WaterfallBenchmark has no benchmark method 'noSuchMethod'");

        assertThat(backstop("bench").exit()).isEqualTo(2);
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run backstop(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("backstop").toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("bench-out", ".txt");
        Path err = Files.createTempFile("bench-err", ".txt");
        try {
            Process p = new ProcessBuilder(command).directory(ROOT.toFile()).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("./backstop " + String.join(" ", args) + " did not finish in 30 s");
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
