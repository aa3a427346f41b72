package io.backstop.lab.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the lab finds the platform: the local runtime's ports, or addresses of a platform deployed elsewhere. */
class RuntimeSettingsTest {

    @Test
    void theLocalRuntimeByDefault() {
        RuntimeSettings settings = RuntimeSettings.fromEnvironment(Map.of("BACKSTOP_KAFKA_PORT", "29092",
                "BACKSTOP_MARGIN_PORT", "18082"));
        assertThat(settings.remote()).isFalse();
        assertThat(settings.kafkaBootstrap()).isEqualTo("127.0.0.1:29092");
        assertThat(settings.serviceUrl(Service.MARGIN)).isEqualTo("http://127.0.0.1:18082");
        assertThat(settings.serviceUrl(Service.ORACLE)).isEqualTo("http://127.0.0.1:8081");
    }

    @Test
    void oneServiceGetsMoreJvmOptionsAfterTheSharedOnesAndRestartsWithThem(@TempDir Path run) throws Exception {
        RuntimeSettings settings = RuntimeSettings.fromEnvironment(Map.of("BACKSTOP_RUN_DIR", run.toString(),
                "BACKSTOP_MARGIN_JAVA_OPTS", " -Xmx6g "));
        assertThat(settings.javaOpts(Service.MARGIN)).isEqualTo("-Xms256m -Xmx768m -Xmx6g");
        assertThat(settings.javaOpts(Service.ORACLE)).isEqualTo("-Xms256m -Xmx768m");
        assertThat(Service.INSURANCE_FUND.javaOptsVariable()).isEqualTo("BACKSTOP_INSURANCE_FUND_JAVA_OPTS");

        settings.save();
        // ./backstop restart margin from a shell without the variable starts it as up did
        RuntimeSettings recorded = RuntimeSettings.load(Map.of("BACKSTOP_RUN_DIR", run.toString()));
        assertThat(recorded.javaOpts(Service.MARGIN)).isEqualTo("-Xms256m -Xmx768m -Xmx6g");
        assertThat(recorded.javaOpts(Service.LIQUIDATION)).isEqualTo("-Xms256m -Xmx768m");
    }

    @Test
    void theStartupCacheIsOnByDefaultAndAPlatformStartedWithoutItRestartsWithoutIt(@TempDir Path run) throws Exception {
        assertThat(RuntimeSettings.fromEnvironment(Map.of()).startupCache()).isTrue();
        RuntimeSettings settings = RuntimeSettings.fromEnvironment(Map.of("BACKSTOP_RUN_DIR", run.toString(),
                "BACKSTOP_STARTUP_CACHE", " OFF"));
        assertThat(settings.startupCache()).isFalse();

        settings.save();
        assertThat(RuntimeSettings.load(Map.of("BACKSTOP_RUN_DIR", run.toString())).startupCache()).isFalse();
        assertThatThrownBy(() -> RuntimeSettings.fromEnvironment(Map.of("BACKSTOP_STARTUP_CACHE", "yes")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("BACKSTOP_STARTUP_CACHE is on or off, not 'yes'");
    }

    @Test
    void theEmbeddedPostgresFlushesItsWalOnlyWhenAskedAndAPlatformStartedSoRestartsSo(@TempDir Path run)
            throws Exception {
        assertThat(RuntimeSettings.fromEnvironment(Map.of()).pgFsync()).isFalse();
        RuntimeSettings settings = RuntimeSettings.fromEnvironment(Map.of("BACKSTOP_RUN_DIR", run.toString(),
                "BACKSTOP_PG_FSYNC", "on "));
        assertThat(settings.pgFsync()).isTrue();

        settings.save();
        assertThat(RuntimeSettings.load(Map.of("BACKSTOP_RUN_DIR", run.toString())).pgFsync()).isTrue();
        assertThatThrownBy(() -> RuntimeSettings.fromEnvironment(Map.of("BACKSTOP_PG_FSYNC", "true")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("BACKSTOP_PG_FSYNC is on or off, not 'true'");
    }

    @Test
    void seedingNeedsARunningPlatform(@TempDir Path run) throws Exception {
        LocalRuntime runtime = new LocalRuntime(RuntimeSettings.fromEnvironment(Map.of("BACKSTOP_RUN_DIR",
                run.toString())), new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        assertThat(runtime.notSeedable()).hasValueSatisfying(why -> assertThat(why).contains("./backstop up first"));
        assertThat(runtime.seed(java.util.List.of("--accounts", "10"))).isEqualTo(2);
    }

    @Test
    void seedingRefusesAPlatformOnSimulatedTime(@TempDir Path run) throws Exception {
        RuntimeSettings settings = RuntimeSettings.fromEnvironment(Map.of("BACKSTOP_RUN_DIR", run.toString(),
                "BACKSTOP_CLOCK", "simulated"));
        settings.save();
        LocalRuntime runtime = new LocalRuntime(RuntimeSettings.load(Map.of("BACKSTOP_RUN_DIR", run.toString())),
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        assertThat(runtime.notSeedable()).hasValueSatisfying(why -> assertThat(why)
                .contains("simulated time").contains("./backstop up --clock simulated"));
        assertThat(runtime.seed(java.util.List.of("--accounts", "10"))).isEqualTo(2);
    }

    @Test
    void aPlatformDeployedElsewhere() {
        RuntimeSettings settings = RuntimeSettings.fromEnvironment(Map.of(
                "BACKSTOP_KAFKA_BOOTSTRAP", "backstop-kafka-bootstrap:9092",
                "BACKSTOP_ORACLE_URL", "http://oracle-service:8081/",
                "BACKSTOP_INSURANCE_FUND_URL", "http://insurance-fund-service:8084"));
        assertThat(settings.remote()).isTrue();
        assertThat(settings.kafkaBootstrap()).isEqualTo("backstop-kafka-bootstrap:9092");
        assertThat(settings.serviceUrl(Service.ORACLE)).isEqualTo("http://oracle-service:8081");
        assertThat(settings.serviceUrl(Service.INSURANCE_FUND)).isEqualTo("http://insurance-fund-service:8084");
        assertThat(settings.serviceUrl(Service.MARGIN)).isEqualTo("http://127.0.0.1:8082");
    }
}
