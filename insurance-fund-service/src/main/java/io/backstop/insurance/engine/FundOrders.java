package io.backstop.insurance.engine;

import io.backstop.events.Side;
import io.backstop.insurance.fund.FundOrder;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Column;
import org.springframework.data.relational.core.mapping.Table;
import org.springframework.data.relational.core.sql.LockMode;
import org.springframework.data.jdbc.repository.query.Query;
import org.springframework.data.relational.repository.Lock;
import org.springframework.data.repository.ListCrudRepository;

/**
 * The fund's unwinding orders, a Spring Data JDBC repository: a handful per unwinding round, each read
 * and written whole (placed, then closed by its execution). Which executions of a poll are the fund's is
 * asked of the table in one query by {@link InsuranceStore#fundOrderIds}, on the path of every execution.
 */
public interface FundOrders extends ListCrudRepository<FundOrders.Row, UUID> {

    /** A row of {@code fund_order}. */
    @Table("fund_order")
    record Row(@Id UUID id, @Column("group_name") String group, String symbol, Side side, BigDecimal quantity,
               BigDecimal limitPrice, String status, BigDecimal filled, Instant createdAt, Instant updatedAt,
               Instant statusRequestedAt, int statusRequests) {

        static Row placed(FundOrder order, Instant now) {
            return new Row(order.id(), order.group(), order.symbol(), order.side(), order.quantity(),
                    order.limitPrice(), FundOrder.OPEN, BigDecimal.ZERO, now, now, null, 0);
        }

        Row closed(BigDecimal filledQuantity, Instant now) {
            return new Row(id, group, symbol, side, quantity, limitPrice, FundOrder.DONE, filledQuantity, createdAt, now,
                    statusRequestedAt, statusRequests);
        }

        /** The exchange was asked about the order (once more) at {@code now}. */
        Row asked(Instant now) {
            return new Row(id, group, symbol, side, quantity, limitPrice, status, filled, createdAt, updatedAt, now,
                    statusRequests + 1);
        }

        FundOrder order() {
            return new FundOrder(id, group, symbol, side, quantity, limitPrice, status);
        }
    }

    boolean existsByGroupAndSymbolAndStatus(String group, String symbol, String status);

    /**
     * Open orders placed, or last asked about, at or before {@code asOf}, oldest first, locked (skipping any another
     * transaction holds).
     */
    @Query("SELECT * FROM fund_order WHERE status = 'OPEN' AND coalesce(status_requested_at, updated_at) <= :asOf"
            + " ORDER BY coalesce(status_requested_at, updated_at), id LIMIT :limit FOR UPDATE SKIP LOCKED")
    List<Row> findUnansweredSince(Instant asOf, int limit);

    /** The order with its row locked until the transaction ends. */
    @Lock(LockMode.PESSIMISTIC_WRITE)
    Optional<Row> findLockedById(UUID id);
}
