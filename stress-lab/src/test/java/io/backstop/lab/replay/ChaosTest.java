package io.backstop.lab.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.lab.runtime.Service;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ChaosTest {

    private static final Duration TWO_MINUTES = Duration.ofMinutes(2);

    @Test
    void eachKillsTheFourServicesInTurnAtTheirPointsOfSimulatedTime() {
        Chaos.KillPlan plan = new Chaos.KillPlan("each", TWO_MINUTES, Duration.ofSeconds(1), 5, 7);

        assertThat(IntStream.range(0, 5).mapToObj(plan::victim).toList()).containsExactly(Chaos.Target.ORACLE,
                Chaos.Target.MARGIN, Chaos.Target.LIQUIDATION, Chaos.Target.INSURANCE_FUND, Chaos.Target.ORACLE);
        assertThat(plan.at(0)).isEqualTo(TWO_MINUTES);
        assertThat(plan.at(3)).isEqualTo(Duration.ofMinutes(8));
    }

    @Test
    void randomVictimsAreDrawnFromTheSeedSoTheSameOptionsKillTheSame() {
        Chaos.KillPlan plan = new Chaos.KillPlan("random", TWO_MINUTES, Duration.ZERO, 20, 20251010);
        Chaos.KillPlan again = new Chaos.KillPlan("random", TWO_MINUTES, Duration.ZERO, 20, 20251010);
        Chaos.KillPlan other = new Chaos.KillPlan("random", TWO_MINUTES, Duration.ZERO, 20, 1);

        List<Chaos.Target> victims = IntStream.range(0, 20).mapToObj(plan::victim).toList();
        assertThat(IntStream.range(0, 20).mapToObj(again::victim).toList()).isEqualTo(victims);
        assertThat(IntStream.range(0, 20).mapToObj(other::victim).toList()).isNotEqualTo(victims);
        Set<Chaos.Target> killed = EnumSet.copyOf(victims);
        assertThat(killed).as("twenty random rounds reach every service, and only services")
                .containsExactlyInAnyOrder(Chaos.Target.ORACLE, Chaos.Target.MARGIN, Chaos.Target.LIQUIDATION,
                        Chaos.Target.INSURANCE_FUND);
    }

    @Test
    void aNamedServiceIsKilledEveryRound() {
        Chaos.KillPlan plan = new Chaos.KillPlan("margin", TWO_MINUTES, Duration.ZERO, 3, 1);

        assertThat(IntStream.range(0, 3).mapToObj(plan::victim).toList()).containsOnly(Chaos.Target.MARGIN);
    }

    @Test
    void severalNamedServicesAreKilledInTurn() {
        Chaos.KillPlan plan = new Chaos.KillPlan("margin, liquidation,insurance-fund", TWO_MINUTES, Duration.ZERO, 4, 1);

        assertThat(IntStream.range(0, 4).mapToObj(plan::victim).toList()).containsExactly(Chaos.Target.MARGIN,
                Chaos.Target.LIQUIDATION, Chaos.Target.INSURANCE_FUND, Chaos.Target.MARGIN);
        assertThatThrownBy(() -> new Chaos.KillPlan("margin,zookeeper", TWO_MINUTES, Duration.ZERO, 1, 1))
                .hasMessageContaining("margin,zookeeper");
    }

    @Test
    void theBrokerAndPostgresqlAreKilledWhenNamedAmongTheServices() {
        Chaos.KillPlan plan = new Chaos.KillPlan("kafka,margin,postgres,insurance", TWO_MINUTES, Duration.ZERO, 4, 1);

        assertThat(IntStream.range(0, 4).mapToObj(plan::victim).toList()).containsExactly(Chaos.Target.KAFKA,
                Chaos.Target.MARGIN, Chaos.Target.POSTGRES, Chaos.Target.INSURANCE_FUND);
        assertThat(Chaos.Target.named("PostgreSQL")).contains(Chaos.Target.POSTGRES);
        assertThat(Chaos.Target.KAFKA.service()).isEmpty();
        assertThat(Chaos.Target.MARGIN.service()).contains(Service.MARGIN);
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        assertThatThrownBy(() -> new Chaos.KillPlan("kafka-broker", TWO_MINUTES, Duration.ZERO, 1, 1))
                .hasMessageContaining("--kill").hasMessageContaining("kafka-broker");
        assertThatThrownBy(() -> new Chaos.KillPlan("each", Duration.ZERO, Duration.ZERO, 1, 1))
                .hasMessageContaining("--every");
        assertThatThrownBy(() -> new Chaos.KillPlan("each", TWO_MINUTES, Duration.ofSeconds(-1), 1, 1))
                .hasMessageContaining("--down-for");
        assertThatThrownBy(() -> new Chaos.KillPlan("each", TWO_MINUTES, Duration.ZERO, 0, 1))
                .hasMessageContaining("--rounds");
    }

    @Test
    void theTableCountsKillsPerServiceAndSaysWhetherTheDecisionsMatched() {
        Instant at = Instant.parse("2025-10-10T20:02:00Z");
        List<Chaos.Kills.Kill> kills = List.of(
                new Chaos.Kills.Kill(Chaos.Target.MARGIN, 11, at, at, Duration.ofMillis(21_000)),
                new Chaos.Kills.Kill(Chaos.Target.MARGIN, 12, at, at.plusSeconds(120), Duration.ofMillis(25_000)),
                new Chaos.Kills.Kill(Chaos.Target.ORACLE, 13, at, at.plusSeconds(240), null),
                new Chaos.Kills.Kill(Chaos.Target.POSTGRES, 14, at, at.plusSeconds(360), Duration.ofMillis(31_000)));
        Replay.Result run = SyntheticRuns.result(false);

        String identical = Chaos.Kills.table(kills, -1, run);
        String different = Chaos.Kills.table(kills, 4242, run);

        assertThat(identical).contains("margin-service: kills / ready p50/max (s)").contains("2 / 25.0 / 25.0")
                .contains("1 / -").contains("postgres: kills / ready p50/max (s)").contains("1 / 31.0 / 31.0")
                .doesNotContain("kafka").contains("20:02:00 20:04:00 20:06:00 20:08:00")
                .contains("identical (byte for byte)");
        assertThat(different).contains("DIFFERENT at byte 4242");
    }
}
