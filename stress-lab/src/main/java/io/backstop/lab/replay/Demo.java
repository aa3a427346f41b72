package io.backstop.lab.replay;

import io.backstop.lab.runtime.Directories;
import io.backstop.lab.runtime.LocalRuntime;
import io.backstop.lab.runtime.RuntimeSettings;
import io.backstop.lab.runtime.Service;
import io.backstop.lab.scenario.Scenario;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code ./backstop demo}: a scenario replayed twice — the oracle robust, then naive — each on a fresh
 * platform of its own (its state in {@code run/demo}, wiped before each run, so neither run inherits the
 * other's accounts, fund or open interest); the two side by side, and an HTML report in
 * {@code reports/<scenario>-<time>/}.
 */
public final class Demo {

    static final List<String> MODES = List.of("robust", "naive");

    private final Map<String, String> env;
    private final PrintStream out;
    private final Replay.Options options;

    public Demo(Map<String, String> env, PrintStream out, Replay.Options options) {
        this.env = env;
        this.out = out;
        this.options = options;
    }

    /** 0 when both runs held every invariant, 2 when one did not, 1 when the platform could not run. */
    public int run(Scenario scenario, int accounts) throws Exception {
        if (running(env, out, "The demo")) {
            return 1;
        }
        Map<String, String> demoEnv = new HashMap<>(env);
        Path home = Path.of(env.getOrDefault("BACKSTOP_HOME", ".")).toAbsolutePath().normalize();
        List<Replay.Result> results = new ArrayList<>();
        for (String mode : MODES) {
            // each mode's platform keeps its state in run/demo/<mode> (wiped before its run, kept after for a look)
            Path runDir = home.resolve("run").resolve("demo").resolve(mode);
            demoEnv.put("BACKSTOP_RUN_DIR", runDir.toString());
            demoEnv.put("BACKSTOP_CLOCK", io.backstop.lab.runtime.RuntimeSettings.SIMULATED);
            out.println("== " + scenario.name() + " with the oracle " + mode + ", on a fresh platform (" + runDir + ")");
            LocalRuntime runtime = new LocalRuntime(RuntimeSettings.fromEnvironment(demoEnv), out);
            runtime.down();
            Directories.delete(runDir);
            try {
                if (runtime.up(Map.of(Service.ORACLE, Map.of("BACKSTOP_ORACLE_MODE", mode))) != 0) {
                    return 1;
                }
                results.add(new Replay(runtime.settings(), out,
                        options.withDecisions(runDir.resolve("decisions.log"))).run(scenario, accounts));
            } finally {
                runtime.down();
            }
        }
        String table = ReplayReport.table(MODES, results);
        out.println(table);
        Path dir = home.resolve("reports").resolve(scenario.name() + "-"
                + LocalDateTime.now().withNano(0).toString().replace(':', '-'));
        Files.createDirectories(dir);
        Path page = dir.resolve("index.html");
        Files.writeString(page, ReplayReport.html("Backstop: " + scenario.name() + ", robust vs naive oracle", MODES,
                results, results.stream().map(Replay.Result::timeline).toList()));
        Files.writeString(dir.resolve("table.txt"), table);
        for (String mode : MODES) {
            Path log = home.resolve("run").resolve("demo").resolve(mode).resolve("decisions.log");
            if (Files.exists(log)) {
                Files.copy(log, dir.resolve("decisions-" + mode + ".log"));
            }
        }
        out.println("report: " + page);
        if (results.stream().allMatch(Replay.Result::sound)) {
            return 0;
        }
        out.println("FAILED: a ledger difference, money not conserved, a margin call without an outcome or one with"
                + " two, an account below maintenance with no liquidation and no hold, or a scope left awaiting the"
                + " waterfall (see the table)");
        results.forEach(r -> r.money().differences().forEach(d -> out.println("  money: " + d)));
        results.forEach(r -> r.liveness().examples().forEach(d -> out.println("  liveness: " + d)));
        results.forEach(r -> r.deadLetterReasons().forEach(d -> out.println("  dead letter: " + d)));
        return 2;
    }

    /**
     * Whether a platform of {@code ./backstop up} runs, said to the user: {@code what} replays on fresh platforms of
     * its own on the same ports.
     */
    static boolean running(Map<String, String> env, PrintStream out, String what) {
        if (!Files.exists(RuntimeSettings.fromEnvironment(env).runDir().resolve("runtime.properties"))) {
            return false;
        }
        out.println("Backstop is running (./backstop up). " + what + " replays on fresh platforms of its own on the"
                + " same ports: stop it first with ./backstop down.");
        return true;
    }
}
