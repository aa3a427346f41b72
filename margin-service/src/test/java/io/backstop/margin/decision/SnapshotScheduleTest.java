package io.backstop.margin.decision;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.margin.account.Account;
import io.backstop.margin.risk.AccountRisk;
import io.backstop.margin.risk.RiskCalculator;
import io.backstop.margin.risk.TestSpecs;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** When margin-service publishes an account's positions snapshot, and which waterfall event it names. */
class SnapshotScheduleTest {

    private static final Instant T0 = Instant.parse("2025-10-10T21:00:00Z");
    private static final Duration INTERVAL = Duration.ofSeconds(1);

    private final SnapshotSchedule schedule = new SnapshotSchedule(INTERVAL);
    private final RiskCalculator calculator = TestSpecs.calculator();
    private final TestSpecs.Prices prices = new TestSpecs.Prices().set("BTCUSDT", "60000");
    private final Account account = longOneBtc();
    private final Function<Account, AccountRisk> assess = a -> calculator.assess(a, prices);

    private static Account longOneBtc() {
        Account account = new Account("trader", "USDT");
        account.deposit("USDT", new BigDecimal("10000"));
        account.trade("BTCUSDT", Side.BUY, BigDecimal.ONE, new BigDecimal("60000"), MarginMode.CROSS,
                BigDecimal.ZERO, "USDT", null);
        return account;
    }

    private SnapshotSchedule.Round take(Instant at, Map<String, UUID> waterfall) {
        return schedule.take(at, id -> id.equals(account.id()) ? account : null, assess, waterfall);
    }

    @Test
    void aChangedAccountIsSnapshottedAtMostOncePerInterval() {
        schedule.changed("trader");
        SnapshotSchedule.Round first = take(T0, Map.of());
        assertThat(first.snapshotted()).containsExactly("trader");
        AccountPositionsSnapshotted snapshot = (AccountPositionsSnapshotted) first.events().get(0).payload();
        assertThat(snapshot.accountId()).isEqualTo("trader");
        assertThat(snapshot.positions()).singleElement().satisfies(p -> assertThat(p.size()).isEqualByComparingTo("1"));
        assertThat(first.events().get(0).sequence()).isEqualTo(account.version());

        schedule.changed("trader");
        assertThat(take(T0.plusMillis(999), Map.of()).events()).as("within the interval").isEmpty();
        assertThat(take(T0.plus(INTERVAL), Map.of()).snapshotted()).containsExactly("trader");
        assertThat(take(T0.plus(INTERVAL.multipliedBy(3)), Map.of()).events()).as("nothing changed since").isEmpty();
    }

    @Test
    void anAccountThatCannotBePricedStaysDueUntilItCan() {
        TestSpecs.Prices none = new TestSpecs.Prices();
        schedule.changed("trader");

        assertThat(schedule.take(T0, id -> account, a -> calculator.assess(a, none), Map.of()).events()).isEmpty();
        assertThat(take(T0, Map.of()).snapshotted()).containsExactly("trader");
    }

    @Test
    void aSnapshotNamesTheLastWaterfallEventNoPublishedSnapshotCovered() {
        UUID takeover = UUID.randomUUID();
        UUID adl = UUID.randomUUID();
        // a batch applied the takeover and published no snapshot of the account
        schedule.committed(Map.of("trader", takeover), id -> true, Set.of());
        schedule.changed("trader");
        assertThat(take(T0, Map.of()).events().get(0).causationId()).isEqualTo(takeover);

        // the round's own batch applied the ADL: the snapshot it publishes names that one, and covers it
        schedule.changed("trader");
        SnapshotSchedule.Round round = take(T0.plus(INTERVAL), Map.of("trader", adl));
        assertThat(round.events().get(0).causationId()).isEqualTo(adl);
        schedule.committed(Map.of("trader", adl), id -> true, round.snapshotted());

        schedule.changed("trader");
        assertThat(take(T0.plus(INTERVAL.multipliedBy(2)), Map.of()).events().get(0).causationId()).isNull();
    }

    @Test
    void aForgottenAccountIsNoLongerDueNorNamesItsWaterfallEvent() {
        schedule.committed(Map.of("trader", UUID.randomUUID()), id -> true, Set.of());
        schedule.changed("trader");
        schedule.forget("trader");
        assertThat(take(T0, Map.of()).events()).isEmpty();

        schedule.changed("trader");
        assertThat(take(T0, Map.of()).events().get(0).causationId()).isNull();
    }

    @Test
    void roundsAreMoreThanAnIntervalApartAndAreDueOnlyWithSnapshotsWaiting() {
        assertThat(schedule.roundDue(T0)).as("the first call starts the count").isFalse();
        assertThat(schedule.due()).isEmpty();
        schedule.changed("trader");
        assertThat(schedule.due()).contains(T0.plus(INTERVAL).plusNanos(1));
        assertThat(schedule.roundDue(T0.plus(INTERVAL))).isFalse();
        assertThat(schedule.roundDue(T0.plus(INTERVAL).plusNanos(1))).isTrue();

        schedule.roundRan(T0.plus(INTERVAL).plusNanos(1));
        take(T0.plus(INTERVAL).plusNanos(1), Map.of());
        assertThat(schedule.due()).as("nothing waiting").isEmpty();
        assertThat(schedule.roundDue(T0.plus(INTERVAL))).isFalse();
    }

    @Test
    void aWaterfallEventOfAnAccountNoLongerHeldIsNotKept() {
        schedule.committed(Map.of("trader", UUID.randomUUID()), id -> false, List.of());
        schedule.changed("trader");
        assertThat(take(T0, Map.of()).events().get(0).causationId()).isNull();
    }
}
