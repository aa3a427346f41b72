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

        assertThat(IntStream.range(0, 5).mapToObj(plan::victim).toList()).containsExactly(Service.ORACLE,
                Service.MARGIN, Service.LIQUIDATION, Service.INSURANCE_FUND, Service.ORACLE);
        assertThat(plan.at(0)).isEqualTo(TWO_MINUTES);
        assertThat(plan.at(3)).isEqualTo(Duration.ofMinutes(8));
    }

    @Test
    void randomVictimsAreDrawnFromTheSeedSoTheSameOptionsKillTheSame() {
        Chaos.KillPlan plan = new Chaos.KillPlan("random", TWO_MINUTES, Duration.ZERO, 20, 20251010);
        Chaos.KillPlan again = new Chaos.KillPlan("random", TWO_MINUTES, Duration.ZERO, 20, 20251010);
        Chaos.KillPlan other = new Chaos.KillPlan("random", TWO_MINUTES, Duration.ZERO, 20, 1);

        List<Service> victims = IntStream.range(0, 20).mapToObj(plan::victim).toList();
        assertThat(IntStream.range(0, 20).mapToObj(again::victim).toList()).isEqualTo(victims);
        assertThat(IntStream.range(0, 20).mapToObj(other::victim).toList()).isNotEqualTo(victims);
        Set<Service> killed = EnumSet.copyOf(victims);
        assertThat(killed).as("twenty random rounds reach every service").containsExactlyInAnyOrder(Service.values());
    }

    @Test
    void aNamedServiceIsKilledEveryRound() {
        Chaos.KillPlan plan = new Chaos.KillPlan("margin", TWO_MINUTES, Duration.ZERO, 3, 1);

        assertThat(IntStream.range(0, 3).mapToObj(plan::victim).toList()).containsOnly(Service.MARGIN);
    }

    @Test
    void severalNamedServicesAreKilledInTurn() {
        Chaos.KillPlan plan = new Chaos.KillPlan("margin, liquidation,insurance-fund", TWO_MINUTES, Duration.ZERO, 4, 1);

        assertThat(IntStream.range(0, 4).mapToObj(plan::victim).toList()).containsExactly(Service.MARGIN,
                Service.LIQUIDATION, Service.INSURANCE_FUND, Service.MARGIN);
        assertThatThrownBy(() -> new Chaos.KillPlan("margin,kafka", TWO_MINUTES, Duration.ZERO, 1, 1))
                .hasMessageContaining("margin,kafka");
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
                new Chaos.Kills.Kill(Service.MARGIN, 11, at, at, Duration.ofMillis(21_000)),
                new Chaos.Kills.Kill(Service.MARGIN, 12, at, at.plusSeconds(120), Duration.ofMillis(25_000)),
                new Chaos.Kills.Kill(Service.ORACLE, 13, at, at.plusSeconds(240), null));
        Replay.Result run = SyntheticRuns.result(false);

        String identical = Chaos.Kills.table(kills, -1, run);
        String different = Chaos.Kills.table(kills, 4242, run);

        assertThat(identical).contains("margin-service: kills / ready p50/max (s)").contains("2 / 25.0 / 25.0")
                .contains("1 / -").contains("20:02:00 20:04:00 20:06:00").contains("identical (byte for byte)");
        assertThat(different).contains("DIFFERENT at byte 4242");
    }
}
