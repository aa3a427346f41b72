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

    private SnapshotSchedule.Round take(Instant at) {
        return schedule.take(at, id -> id.equals(account.id()) ? account : null, assess);
    }

    @Test
    void aChangedAccountIsSnapshottedAtMostOncePerInterval() {
        schedule.changed("trader");
        SnapshotSchedule.Round first = take(T0);
        assertThat(first.snapshotted()).containsExactly("trader");
        AccountPositionsSnapshotted snapshot = (AccountPositionsSnapshotted) first.events().get(0).payload();
        assertThat(snapshot.accountId()).isEqualTo("trader");
        assertThat(snapshot.positions()).singleElement().satisfies(p -> assertThat(p.size()).isEqualByComparingTo("1"));
        assertThat(first.events().get(0).sequence()).isEqualTo(account.version());

        schedule.changed("trader");
        assertThat(take(T0.plusMillis(999)).events()).as("within the interval").isEmpty();
        assertThat(take(T0.plus(INTERVAL)).snapshotted()).containsExactly("trader");
        assertThat(take(T0.plus(INTERVAL.multipliedBy(3))).events()).as("nothing changed since").isEmpty();
    }

    @Test
    void anAccountThatCannotBePricedStaysDueUntilItCan() {
        TestSpecs.Prices none = new TestSpecs.Prices();
        schedule.changed("trader");

        assertThat(schedule.take(T0, id -> account, a -> calculator.assess(a, none)).events()).isEmpty();
        assertThat(take(T0).snapshotted()).containsExactly("trader");
    }

    @Test
    void aForgottenAccountIsNoLongerDue() {
        schedule.changed("trader");
        schedule.forget("trader");
        assertThat(take(T0).events()).isEmpty();

        schedule.changed("trader");
        assertThat(take(T0).snapshotted()).containsExactly("trader");
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
        take(T0.plus(INTERVAL).plusNanos(1));
        assertThat(schedule.due()).as("nothing waiting").isEmpty();
        assertThat(schedule.roundDue(T0.plus(INTERVAL))).isFalse();
    }
}
