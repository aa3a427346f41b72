package io.backstop.liquidation.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.Side;
import io.backstop.liquidation.lifecycle.Liquidation;
import io.backstop.liquidation.lifecycle.LiquidationStatus;
import io.backstop.liquidation.lifecycle.Order;
import io.backstop.liquidation.lifecycle.OrderStatus;
import io.backstop.liquidation.plan.PositionState;
import io.backstop.liquidation.plan.ScopeState;
import io.backstop.markets.SampleMarkets;
import io.backstop.testkit.RealInfrastructure;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What a flush of {@link LiquidationStore.Writes} leaves in PostgreSQL when a transaction wrote one row several times:
 * the updates go as one statement per table, so the rows they repeat are joined before it (the last state, the last
 * outcome given, an order's quantities added up), and an update of a row that is not there fails the transaction.
 * The same configuration as {@code LiquidationFlowIT}, so the two share one application context.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "backstop.liquidation.fee-rate=0.001", "backstop.liquidation.max-rounds=2",
        "backstop.liquidation.slice-cooldown=2s", "backstop.liquidation.order-timeout=2s"})
@RealInfrastructure
class LiquidationStoreIT {

    private static final Instant T0 = Instant.parse("2025-10-10T21:00:00Z");

    @Autowired
    LiquidationStore store;
    @Autowired
    TransactionTemplate tx;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aFlushJoinsTheUpdatesItRepeatsTheLastStateTheLastOutcomeAndTheQuantitiesAddedUp() {
        Liquidation first = queued("store-a");
        Liquidation second = queued("store-b");
        Order order = new Order(UUID.randomUUID(), first.id(), "BTCUSDT", Side.SELL, new BigDecimal("2"),
                new BigDecimal("59000"), 1, 1, OrderStatus.OPEN, T0);
        tx.executeWithoutResult(status -> {
            LiquidationStore.Writes writes = store.writes();
            writes.insert(first, T0, null);
            writes.insert(second, T0, null);
            writes.insertOrder(order, T0);
            writes.flush();
        });

        Liquidation placed = first.placeRound(scope("1000", "2"));
        Liquidation filled = placed.filled(scope("900", "0.5"));
        tx.executeWithoutResult(status -> {
            store.lockAll(List.of(first.id(), second.id()));
            LiquidationStore.Writes writes = store.writes();
            writes.orderStatus(order.id(), OrderStatus.OPEN, new BigDecimal("1.2"), BigDecimal.ZERO, T0.plusSeconds(1));
            writes.orderStatus(order.id(), OrderStatus.DONE, new BigDecimal("0.3"), new BigDecimal("0.5"),
                    T0.plusSeconds(2));
            writes.update(placed, Map.of("orders", 1), T0.plusSeconds(1));
            writes.update(filled, null, T0.plusSeconds(2));
            writes.update(second.placeRound(scope("700", "1")), Map.of("orders", 2), T0.plusSeconds(3));
            writes.flush();
        });

        assertThat(jdbc.queryForMap("SELECT status, filled_quantity, cancelled_quantity, updated_at"
                + " FROM liquidation_order WHERE id = ?", order.id()))
                .containsEntry("status", "DONE")
                .hasEntrySatisfying("filled_quantity", q -> assertThat((BigDecimal) q).isEqualByComparingTo("1.5"))
                .hasEntrySatisfying("cancelled_quantity", q -> assertThat((BigDecimal) q).isEqualByComparingTo("0.5"))
                .hasEntrySatisfying("updated_at", at -> assertThat(((java.sql.Timestamp) at).toInstant())
                        .isEqualTo(T0.plusSeconds(2)));
        assertThat(stored(first.id())).isEqualTo(new Stored("ACTIVE", 1, "{\"orders\": 1}",
                filled.state().health().stripTrailingZeros(), T0.plusSeconds(2)));
        assertThat(stored(second.id())).isEqualTo(new Stored("ACTIVE", 1, "{\"orders\": 2}",
                scope("700", "1").health().stripTrailingZeros(), T0.plusSeconds(3)));
    }

    @Test
    void anUpdateOfALiquidationThatIsNotThereFailsTheTransactionAndWritesNothing() {
        Liquidation there = queued("store-c");
        insert(there);
        Liquidation missing = queued("store-d");

        assertThatThrownBy(() -> tx.executeWithoutResult(status -> {
            LiquidationStore.Writes writes = store.writes();
            writes.update(there.placeRound(scope("800", "1")), Map.of("orders", 1), T0.plusSeconds(1));
            writes.update(missing.placeRound(scope("800", "1")), null, T0.plusSeconds(1));
            writes.flush();
        })).isInstanceOf(IllegalStateException.class)
                .hasMessage("updated 1 of 2 rows of liquidation: a row written in this transaction is missing");
        assertThat(stored(there.id()))
                .isEqualTo(new Stored("QUEUED", 0, null, there.state().health().stripTrailingZeros(), T0));
    }

    @Test
    void noIndexOfLiquidationNamesItsStatusSoThatARoundsUpdateIsHot() {
        // an index names a column in its key (indkey), an expression (indexprs) or its predicate (indpred)
        List<String> naming = jdbc.queryForList("SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid ="
                + " i.indexrelid JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attname = 'status'"
                + " WHERE i.indrelid = 'liquidation'::regclass AND (a.attnum = ANY (i.indkey)"
                + " OR pg_get_expr(i.indpred, i.indrelid) LIKE '%status%'"
                + " OR pg_get_expr(i.indexprs, i.indrelid) LIKE '%status%')", String.class);
        assertThat(naming).isEmpty();

        Liquidation l = queued("store-hot");
        insert(l);
        long hot = tx.execute(status -> {
            // the backend's count not yet in the cumulative statistics: earlier transactions' too, so a difference
            long before = hotUpdates();
            store.lockAll(List.of(l.id()));
            LiquidationStore.Writes writes = store.writes();
            writes.update(l.placeRound(scope("900", "2")), Map.of("orders", 1), T0.plusSeconds(1));
            writes.flush();
            return hotUpdates() - before;
        });
        assertThat(hot).as("QUEUED -> ACTIVE leaves every index alone: a HOT update").isEqualTo(1);
        assertThat(store.queued()).extracting(LiquidationStore.Queued::id).doesNotContain(l.id());
    }

    @Test
    void aScopeHasOneOpenLiquidationAndItsEndedOnesDoNotCount() {
        Liquidation open = queued("store-open");
        insert(open);
        Liquidation second = Liquidation.queued(UUID.randomUUID(), UUID.randomUUID(), open.accountId(), "CROSS",
                scope("1000", "2"), T0, null);
        assertThatThrownBy(() -> insert(second)).hasMessageContaining("liquidation_open_per_scope");
        assertThat(store.openScopes(List.of(open.accountId()))).containsExactly(open.accountId() + "|CROSS");
        assertThat(store.queued()).extracting(LiquidationStore.Queued::id).contains(open.id());

        tx.executeWithoutResult(status -> {
            store.lockAll(List.of(open.id()));
            LiquidationStore.Writes writes = store.writes();
            writes.update(open.cancelRecovered(open.state()), Map.of("why", "recovered"), T0.plusSeconds(1));
            writes.flush();
        });
        assertThat(store.openScopes(List.of(open.accountId()))).isEmpty();
        assertThat(store.queued()).extracting(LiquidationStore.Queued::id).doesNotContain(open.id());
        insert(second); // the scope's ended liquidation does not stand in its way
        assertThat(store.openScopes(List.of(open.accountId()))).containsExactly(open.accountId() + "|CROSS");
    }

    /** Inserts {@code l} as taken in at T0, in a transaction of its own. */
    private void insert(Liquidation l) {
        tx.executeWithoutResult(status -> {
            LiquidationStore.Writes writes = store.writes();
            writes.insert(l, T0, null);
            writes.flush();
        });
    }

    private long hotUpdates() {
        return jdbc.queryForObject("SELECT pg_stat_get_xact_tuples_hot_updated('liquidation'::regclass)", Long.class);
    }

    private record Stored(String status, int round, String outcome, BigDecimal health, Instant updatedAt) {
    }

    private Stored stored(UUID id) {
        return jdbc.queryForObject("SELECT status, round, outcome::text, health, updated_at FROM liquidation"
                + " WHERE id = ?", (rs, i) -> new Stored(rs.getString(1), rs.getInt(2), rs.getString(3),
                rs.getBigDecimal(4).stripTrailingZeros(), rs.getTimestamp(5).toInstant()), id);
    }

    private static Liquidation queued(String account) {
        UUID call = UUID.randomUUID();
        return Liquidation.queued(UUID.randomUUID(), call, account + "-" + call, "CROSS", scope("1000", "2"), T0,
                null);
    }

    /** BTCUSDT long {@code size} from 60,000, marked at 60,000, with {@code equity}. */
    private static ScopeState scope(String equity, String size) {
        return new ScopeState(new BigDecimal(equity), List.of(new PositionState("BTCUSDT", new BigDecimal(size),
                new BigDecimal("60000"), new BigDecimal("60000"), SampleMarkets.btcBrackets(), 2)), Map.of());
    }
}
