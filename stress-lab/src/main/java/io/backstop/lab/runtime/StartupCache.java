package io.backstop.lab.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A service's class cache, so a started or restarted service spends its first seconds serving rather than loading,
 * verifying and linking the same classes again (docs/performance.md, "A service's start").
 *
 * <p>Once per build of a service's jar and per JDK, the service's Boot jar is extracted (the JVM caches classes only
 * from plain jars on the class path, not from a Boot jar's nested ones) and the service is started once until its
 * Spring context is refreshed ({@code -Dspring.context.exit=onRefresh}: every bean created, nothing consumed or served),
 * and the JVM writes what it loaded. JDK 25 and later write an AOT cache (JEP 483/514/515: classes loaded and linked,
 * and method profiles); JDK 13 to 24 a dynamic CDS archive. The cache is checked strictly before it is used, and every
 * start after that runs the extracted jar with it. It lives beside the jar ({@code target/startup-cache/<key>}), keyed
 * by the jar's and the JDK's contents, so a rebuild or another JDK trains a new one and every platform started from
 * the checkout (a test's too) shares it.
 */
final class StartupCache {

    /** The JVM's two kinds of class cache. */
    enum Kind {
        /** JDK 25 and later. */
        AOT("app.aot", "-XX:AOTCacheOutput=", "-XX:AOTCache=", "-XX:AOTMode=on"),
        /** JDK 13 to 24. */
        CDS("app.jsa", "-XX:ArchiveClassesAtExit=", "-XX:SharedArchiveFile=", "-Xshare:on");

        private final String file;
        private final String trainOption;
        private final String useOption;
        private final String strictOption;

        Kind(String file, String trainOption, String useOption, String strictOption) {
            this.file = file;
            this.trainOption = trainOption;
            this.useOption = useOption;
            this.strictOption = strictOption;
        }

        String file() {
            return file;
        }

        /** The options of the training run, which writes the cache at {@code cache} when the JVM exits. */
        List<String> trainingOptions(Path cache) {
            return List.of(trainOption + cache, "-Dspring.context.exit=onRefresh");
        }

        /** The option of every start with the cache; a cache the JVM cannot map is ignored with a warning. */
        String useOption(Path cache) {
            return useOption + cache;
        }

        /** The options under which the JVM refuses to start unless it can map the cache. */
        List<String> strictOptions(Path cache) {
            return List.of(strictOption, useOption + cache);
        }

        /** The kind a JDK of this feature release writes, if any. */
        static Optional<Kind> of(int feature) {
            if (feature >= 25) {
                return Optional.of(AOT);
            }
            return feature >= 13 ? Optional.of(CDS) : Optional.empty();
        }
    }

    /** What one start does. */
    sealed interface Plan {
        /** Starts the Boot jar as it is. */
        record Plain(String reason) implements Plan {
        }

        /** Starts the extracted jar with the trained cache. */
        record Use(Kind kind) implements Plan {
        }

        /** Trains the cache first, then starts with it. */
        record Train(Kind kind) implements Plan {
        }
    }

    /**
     * The decision for one start: no cache when turned off or the JDK has none, else the trained one, else train it.
     *
     * @param jdkFeature the service JDK's feature release (17, 25), empty when it could not be read
     */
    static Plan plan(boolean enabled, Optional<Integer> jdkFeature, boolean trained) {
        if (!enabled) {
            return new Plan.Plain("the startup cache is off (BACKSTOP_STARTUP_CACHE=off)");
        }
        if (jdkFeature.isEmpty()) {
            return new Plan.Plain("the JDK's version could not be read from its release file");
        }
        Optional<Kind> kind = Kind.of(jdkFeature.get());
        if (kind.isEmpty()) {
            return new Plan.Plain("Java " + jdkFeature.get() + " has no class cache for an application (13 or later)");
        }
        return trained ? new Plan.Use(kind.get()) : new Plan.Train(kind.get());
    }

    /** How to start the service: JVM options in front of {@code -jar}, and the jar. */
    record Launch(List<String> options, Path jar) {
    }

    private static final Pattern VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)");
    /** One training per cache directory at a time, within this JVM (the file lock covers other processes). */
    private static final Map<Path, Object> TRAINING = new ConcurrentHashMap<>();
    /** Why there is no cache is said once a process, not at every start. */
    private static final AtomicBoolean SAID = new AtomicBoolean();

    private final RuntimeSettings settings;
    private final PrintStream out;

    StartupCache(RuntimeSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /**
     * How to start {@code service} with its environment: with the cache, after training it if this build and JDK have
     * none yet. A training that fails starts the Boot jar as before, after saying why and where its log is.
     */
    Launch prepare(Service service, List<String> javaOptions, Map<String, String> env) throws IOException {
        Path bootJar = settings.serviceJar(service);
        Path release = javaHome().resolve("release");
        Optional<Integer> feature = feature(release);
        // the directory is keyed by the jar's hash: computed only when a cache can be used
        Path dir = settings.startupCache() && feature.flatMap(Kind::of).isPresent()
                ? directory(bootJar, release, feature.get()) : null;
        Plan plan = plan(settings.startupCache(), feature, dir != null && Files.exists(dir.resolve(READY)));
        if (plan instanceof Plan.Plain plain) {
            if (settings.startupCache() && SAID.compareAndSet(false, true)) {
                out.println("  no startup cache for the services: " + plain.reason());
            }
            return new Launch(List.of(), bootJar);
        }
        Kind kind = plan instanceof Plan.Train train ? train.kind() : ((Plan.Use) plan).kind();
        if (plan instanceof Plan.Train) {
            // one training a service at a time: threads of this process wait on the monitor, other processes on the lock
            synchronized (TRAINING.computeIfAbsent(dir.getParent(), d -> new Object())) {
                Files.createDirectories(dir.getParent());
                try (FileChannel channel = FileChannel.open(dir.getParent().resolve(".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock ignored = channel.lock()) {
                    // another platform may have trained it while this one waited
                    boolean trained = Files.exists(dir.resolve(READY))
                            || train(service, kind, bootJar, dir, javaOptions, env);
                    if (!trained) {
                        return new Launch(List.of(), bootJar);
                    }
                }
            }
        }
        return new Launch(List.of(kind.useOption(dir.resolve(kind.file()))), extractedJar(dir, service));
    }

    static final String READY = "ready";

    private boolean train(Service service, Kind kind, Path bootJar, Path dir, List<String> javaOptions,
                          Map<String, String> env) throws IOException {
        long started = System.nanoTime();
        Path log = settings.logs().resolve(service.id() + "-startup-cache.log");
        Files.createDirectories(log.getParent());
        out.printf("  %s: training its startup cache (%s, once per build and JDK; log %s)%n", service.id(), kind,
                log);
        removeOthers(dir);
        Directories.delete(dir);
        Files.createDirectories(dir);
        Path cache = dir.resolve(kind.file());
        List<String> extract = List.of(settings.java(), "-Djarmode=tools", "-jar", bootJar.toString(), "extract",
                "--destination", dir.resolve("app").toString());
        List<String> training = new ArrayList<>(List.of(settings.java()));
        training.addAll(javaOptions);
        training.addAll(kind.trainingOptions(cache));
        training.add("-jar");
        training.add(extractedJar(dir, service).toString());
        Map<String, String> trainingEnv = new LinkedHashMap<>(env);
        trainingEnv.put("SERVER_PORT", "0");
        trainingEnv.put("BACKSTOP_INSTANCE_ID", service.id() + "-startup-cache");
        List<String> check = new ArrayList<>(List.of(settings.java()));
        check.addAll(kind.strictOptions(cache));
        check.addAll(List.of("-cp", extractedJar(dir, service).toString(), "-version"));
        String failed = run("extracting the jar", extract, Map.of(), log)
                .or(() -> run("the training run", training, trainingEnv, log))
                .or(() -> Files.isRegularFile(cache) ? Optional.empty() : Optional.of("the training run wrote no cache"))
                .or(() -> run("checking the cache", check, Map.of(), log))
                .orElse(null);
        if (failed != null) {
            out.printf("  %s: no startup cache (%s; see %s); starting the jar without one%n", service.id(), failed,
                    log);
            Directories.delete(dir);
            return false;
        }
        Files.writeString(dir.resolve(READY), kind + " for " + bootJar + " by " + settings.java() + "\n");
        out.printf("  %s: startup cache trained in %.1f s (%d MB)%n", service.id(),
                (System.nanoTime() - started) / 1e9, Files.size(cache) >> 20);
        return true;
    }

    /**
     * Runs a step to its end, its output appended to {@code log}; what went wrong, if anything. A step that takes longer
     * than the ready timeout, or whose caller is interrupted (an {@code up} whose other component failed), is stopped.
     */
    private Optional<String> run(String step, List<String> command, Map<String, String> env, Path log) {
        Process process;
        try {
            Files.writeString(log, "$ " + String.join(" ", command) + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command).directory(settings.home().toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().putAll(env);
            process = builder.start();
        } catch (IOException e) {
            return Optional.of(step + " could not run: " + e.getMessage());
        }
        Duration limit = Duration.ofSeconds(settings.readyTimeoutSeconds());
        try {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                Processes.terminate(process.toHandle(), Duration.ofSeconds(5));
                return Optional.of(step + " took longer than " + limit.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Processes.terminate(process.toHandle(), Duration.ofSeconds(5));
            Thread.currentThread().interrupt();
            return Optional.of(step + " was interrupted");
        }
        return process.exitValue() == 0 ? Optional.empty()
                : Optional.of(step + " failed with exit code " + process.exitValue());
    }

    /**
     * The cache's directory: beside the jar, named by the JDK's feature release and a digest of the jar and the JDK's
     * release file ({@code jdk25-<digest>}).
     */
    static Path directory(Path bootJar, Path jdkRelease, int feature) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Path p : List.of(bootJar, jdkRelease)) {
            try (InputStream in = Files.newInputStream(p)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            }
        }
        return bootJar.getParent().resolve("startup-cache")
                .resolve(prefix(feature) + HexFormat.of().formatHex(digest.digest()).substring(0, 16));
    }

    static Path extractedJar(Path dir, Service service) {
        return dir.resolve("app").resolve(service.id() + ".jar");
    }

    /** The feature release a JDK's {@code release} file names ({@code JAVA_VERSION="17.0.15"} gives 17). */
    static Optional<Integer> feature(Path release) {
        try {
            Matcher m = VERSION.matcher(Files.readString(release));
            return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private Path javaHome() {
        Path java = Path.of(settings.java()).toAbsolutePath();
        try {
            java = java.toRealPath();
        } catch (IOException e) {
            // keep the path as given: its release file will not be found, and the jar starts without a cache
        }
        Path bin = java.getParent();
        return bin == null || bin.getParent() == null ? java : bin.getParent();
    }

    private static String prefix(int feature) {
        return "jdk" + feature + "-";
    }

    /**
     * Caches of earlier builds on the same JDK release: a rebuilt jar never uses them again. Another JDK's stay (the
     * tests may run the platform on one JDK while {@code ./backstop up} runs it on another).
     */
    private static void removeOthers(Path dir) throws IOException {
        String own = dir.getFileName().toString();
        String sameJdk = own.substring(0, own.indexOf('-') + 1);
        try (Stream<Path> siblings = Files.list(dir.getParent())) {
            for (Path other : siblings.filter(Files::isDirectory).filter(p -> !p.equals(dir))
                    .filter(p -> p.getFileName().toString().startsWith(sameJdk)).toList()) {
                Directories.delete(other);
            }
        }
    }
}
