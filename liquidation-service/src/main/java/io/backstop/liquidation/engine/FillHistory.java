package io.backstop.liquidation.engine;

import io.backstop.events.Side;
import io.backstop.liquidation.lifecycle.Fill;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.data.annotation.Id;
import org.springframework.data.domain.Sort;
import org.springframework.data.jdbc.core.JdbcAggregateOperations;
import org.springframework.data.relational.core.mapping.Table;
import org.springframework.data.relational.core.query.Criteria;
import org.springframework.data.relational.core.query.Query;

/**
 * The history of liquidation fills the API pages through: a read model on Spring Data JDBC, whose
 * criteria build the query from the filters given (account, symbol, time range, and the keyset cursor of
 * the previous page). The hot path writes fills in batches through {@link LiquidationStore}.
 */
public class FillHistory {

    /** A row of {@code liquidation_fill} as the history reads it. */
    @Table("liquidation_fill")
    public record HistoricFill(@Id String tradeId, UUID liquidationId, UUID orderId, String accountId, String symbol,
                               Side side, BigDecimal quantity, BigDecimal price, BigDecimal realizedPnl, BigDecimal fee,
                               BigDecimal remainder, BigDecimal bankruptcyPrice, Instant executedAt) {

        Fill fill() {
            return new Fill(tradeId, liquidationId, orderId, accountId, symbol, side, quantity, price, realizedPnl, fee,
                    remainder, bankruptcyPrice, executedAt);
        }
    }

    /** Where the previous page ended: its last fill's time and trade id. */
    public record Cursor(Instant executedAt, String tradeId) {
    }

    private static final Sort ORDER = Sort.by("executedAt", "tradeId");

    private final JdbcAggregateOperations data;

    public FillHistory(JdbcAggregateOperations data) {
        this.data = data;
    }

    /** A page of fills, oldest first, after {@code after} if given; every filter optional ({@code to} exclusive). */
    public List<Fill> page(String accountId, String symbol, Instant from, Instant to, Cursor after, int limit) {
        Criteria where = Criteria.empty();
        if (accountId != null) {
            where = where.and("accountId").is(accountId);
        }
        if (symbol != null) {
            where = where.and("symbol").is(symbol);
        }
        if (from != null) {
            where = where.and("executedAt").greaterThanOrEquals(from);
        }
        if (to != null) {
            where = where.and("executedAt").lessThan(to);
        }
        if (after != null) {
            where = where.and(Criteria.where("executedAt").greaterThan(after.executedAt())
                    .or(Criteria.where("executedAt").is(after.executedAt()).and("tradeId").greaterThan(after.tradeId())));
        }
        return data.findAll(Query.query(where).sort(ORDER).limit(limit), HistoricFill.class).stream()
                .map(HistoricFill::fill).toList();
    }
}
