package io.backstop.lab.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.lab.runtime.StartupCache.Kind;
import io.backstop.lab.runtime.StartupCache.Plan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartupCacheTest {

    @TempDir
    Path home;

    @Test
    void aJdkOf25OrLaterUsesAnAotCacheAnOlderOneACdsArchiveAndOneBefore13None() {
        assertThat(StartupCache.plan(true, Optional.of(25), true)).isEqualTo(new Plan.Use(Kind.AOT));
        assertThat(StartupCache.plan(true, Optional.of(26), false)).isEqualTo(new Plan.Train(Kind.AOT));
        assertThat(StartupCache.plan(true, Optional.of(17), true)).isEqualTo(new Plan.Use(Kind.CDS));
        assertThat(StartupCache.plan(true, Optional.of(24), false)).isEqualTo(new Plan.Train(Kind.CDS));
        assertThat(StartupCache.plan(true, Optional.of(11), false)).isInstanceOf(Plan.Plain.class)
                .extracting(p -> ((Plan.Plain) p).reason()).asString().contains("Java 11");
        assertThat(StartupCache.plan(true, Optional.empty(), true)).isInstanceOf(Plan.Plain.class)
                .extracting(p -> ((Plan.Plain) p).reason()).asString().contains("release file");
        assertThat(StartupCache.plan(false, Optional.of(25), true)).isInstanceOf(Plan.Plain.class)
                .extracting(p -> ((Plan.Plain) p).reason()).asString().contains("BACKSTOP_STARTUP_CACHE=off");
    }

    @Test
    void eachKindTrainsUntilTheContextIsRefreshedAndIsCheckedStrictly() {
        Path cache = Path.of("/c/app.aot");
        assertThat(Kind.AOT.trainingOptions(cache))
                .containsExactly("-XX:AOTCacheOutput=/c/app.aot", "-Dspring.context.exit=onRefresh");
        assertThat(Kind.AOT.useOption(cache)).isEqualTo("-XX:AOTCache=/c/app.aot");
        assertThat(Kind.AOT.strictOptions(cache)).containsExactly("-XX:AOTMode=on", "-XX:AOTCache=/c/app.aot");
        Path archive = Path.of("/c/app.jsa");
        assertThat(Kind.CDS.trainingOptions(archive))
                .containsExactly("-XX:ArchiveClassesAtExit=/c/app.jsa", "-Dspring.context.exit=onRefresh");
        assertThat(Kind.CDS.useOption(archive)).isEqualTo("-XX:SharedArchiveFile=/c/app.jsa");
        assertThat(Kind.CDS.strictOptions(archive)).containsExactly("-Xshare:on", "-XX:SharedArchiveFile=/c/app.jsa");
    }

    @Test
    void theFeatureReleaseIsReadFromTheJdksReleaseFile() throws IOException {
        Path release = home.resolve("release");
        Files.writeString(release, "IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_VERSION=\"25.0.3\"\nOS_NAME=\"Linux\"\n");
        assertThat(StartupCache.feature(release)).contains(25);
        Files.writeString(release, "JAVA_VERSION=\"17.0.15\"\n");
        assertThat(StartupCache.feature(release)).contains(17);
        Files.writeString(release, "OS_NAME=\"Linux\"\n");
        assertThat(StartupCache.feature(release)).isEmpty();
        assertThat(StartupCache.feature(home.resolve("missing"))).isEmpty();
    }

    @Test
    void theCacheIsKeyedByTheJarsAndTheJdksContentsAndLivesBesideTheJar() throws IOException {
        Path jar = Files.createDirectories(home.resolve("liquidation-service/target")).resolve("liquidation-service.jar");
        Path release = home.resolve("release");
        Files.writeString(jar, "build 1");
        Files.writeString(release, "JAVA_VERSION=\"25.0.3\"\n");
        Path first = StartupCache.directory(jar, release, 25);

        assertThat(first.getParent()).isEqualTo(jar.getParent().resolve("startup-cache"));
        assertThat(first.getFileName().toString()).matches("jdk25-[0-9a-f]{16}");
        assertThat(StartupCache.directory(jar, release, 25)).as("the same build and JDK").isEqualTo(first);
        Files.writeString(jar, "build 2");
        assertThat(StartupCache.directory(jar, release, 25)).as("a rebuilt jar").isNotEqualTo(first);
        Files.writeString(jar, "build 1");
        Files.writeString(release, "JAVA_VERSION=\"25.0.4\"\n");
        assertThat(StartupCache.directory(jar, release, 25)).as("another JDK build").isNotEqualTo(first);
    }

    @Test
    void aCacheThatCannotBeTrainedStartsTheBootJarAsItIsAndSaysWhy() throws IOException {
        Path target = Files.createDirectories(home.resolve("margin-service/target"));
        Path bootJar = target.resolve("margin-service.jar");
        Files.writeString(bootJar, "not a jar"); // extraction fails
        Map<String, String> env = new HashMap<>();
        env.put("BACKSTOP_HOME", home.toString());
        env.put("BACKSTOP_RUN_DIR", home.resolve("run").toString());
        env.put("BACKSTOP_READY_TIMEOUT", "60");
        RuntimeSettings settings = RuntimeSettings.fromEnvironment(env);
        ByteArrayOutputStream said = new ByteArrayOutputStream();

        StartupCache.Launch launch = new StartupCache(settings, new PrintStream(said, true, StandardCharsets.UTF_8))
                .prepare(Service.MARGIN, List.of("-Xmx64m"), Map.of());

        String output = said.toString(StandardCharsets.UTF_8);
        assertThat(launch.jar()).isEqualTo(bootJar);
        assertThat(launch.options()).isEmpty();
        assertThat(output).contains("margin-service: training its startup cache")
                .contains("margin-service: no startup cache (extracting the jar failed with exit code")
                .contains("starting the jar without one");
        assertThat(home.resolve("run/logs/margin-service-startup-cache.log")).content()
                .contains("-Djarmode=tools -jar " + bootJar);
        try (var left = Files.list(target.resolve("startup-cache"))) {
            assertThat(left.filter(Files::isDirectory)).as("nothing half-trained is left to be used").isEmpty();
        }
    }

    @Test
    void turnedOffEveryStartIsTheBootJarAsItIs() throws IOException {
        Path bootJar = Files.createDirectories(home.resolve("oracle-service/target")).resolve("oracle-service.jar");
        Files.writeString(bootJar, "not read");
        Map<String, String> env = Map.of("BACKSTOP_HOME", home.toString(), "BACKSTOP_STARTUP_CACHE", "off");

        StartupCache.Launch launch = new StartupCache(RuntimeSettings.fromEnvironment(env),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .prepare(Service.ORACLE, List.of(), Map.of());

        assertThat(launch).isEqualTo(new StartupCache.Launch(List.of(), bootJar));
        assertThat(home.resolve("oracle-service/target/startup-cache")).doesNotExist();
    }
}
