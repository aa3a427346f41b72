package io.backstop.oracle.history;

import io.backstop.events.json.EventJson;
import io.backstop.events.oracle.PriceSource;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.oracle.pricing.PriceSnapshot;
import io.backstop.oracle.pricing.PriceEvents;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import tools.jackson.core.type.TypeReference;

/**
 * Published prices in PostgreSQL, written in batches with the outbox and read back at start to warm the
 * windows (the accepted conversion rates are {@link ConversionRates}).
 */
public class PriceHistory {

    private static final String COLUMNS = "symbol, sequence, index_price, mark_price, twap, confidence, status,"
            + " market_price, sources, price_time, last_trusted_at";
    private static final TypeReference<List<PriceSource>> SOURCES = new TypeReference<>() {
    };

    private final JdbcTemplate jdbc;
    private final EventJson json;
    private final RowMapper<PriceSnapshot> rows = this::row;

    public PriceHistory(JdbcTemplate jdbc, EventJson json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    /** Inserts published prices in one batch; call inside the transaction that also writes the outbox. */
    public void insertAll(List<PriceSnapshot> prices) {
        jdbc.batchUpdate("INSERT INTO price_history (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)"
                        + " ON CONFLICT (symbol, sequence) DO NOTHING",
                prices, prices.size(), (ps, p) -> {
                    ps.setString(1, p.symbol());
                    ps.setLong(2, p.sequence());
                    ps.setBigDecimal(3, p.indexPrice());
                    ps.setBigDecimal(4, p.markPrice());
                    ps.setBigDecimal(5, p.twap());
                    ps.setBigDecimal(6, p.confidence());
                    ps.setString(7, p.status().name());
                    ps.setBigDecimal(8, p.marketPrice());
                    ps.setString(9, json.mapper().writeValueAsString(PriceEvents.sources(p.sources())));
                    ps.setTimestamp(10, Timestamp.from(p.priceTime()));
                    ps.setTimestamp(11, Timestamp.from(p.lastTrustedAt()));
                });
    }

    /** The last published price of each symbol. */
    public Map<String, PriceSnapshot> lastPublished() {
        Map<String, PriceSnapshot> last = new LinkedHashMap<>();
        jdbc.query("SELECT DISTINCT ON (symbol) " + COLUMNS + " FROM price_history ORDER BY symbol, sequence DESC",
                rows).forEach(p -> last.put(p.symbol(), p));
        return last;
    }

    /** A symbol's published prices since {@code from}, oldest first. */
    public List<PriceSnapshot> since(String symbol, Instant from) {
        return jdbc.query("SELECT " + COLUMNS + " FROM price_history WHERE symbol = ? AND price_time >= ?"
                + " ORDER BY sequence", rows, symbol, Timestamp.from(from));
    }

    /** A symbol's published prices in [from, to], oldest first, at most {@code limit}. */
    public List<PriceSnapshot> range(String symbol, Instant from, Instant to, int limit) {
        return jdbc.query("SELECT " + COLUMNS + " FROM price_history WHERE symbol = ? AND price_time BETWEEN ? AND ?"
                + " ORDER BY sequence LIMIT ?", rows, symbol, Timestamp.from(from), Timestamp.from(to), limit);
    }

    public int purgeOlderThan(Instant cutoff) {
        return jdbc.update("DELETE FROM price_history WHERE price_time < ?", Timestamp.from(cutoff));
    }

    public Optional<Instant> newestPriceTime() {
        return Optional.ofNullable(jdbc.queryForObject("SELECT max(price_time) FROM price_history", Timestamp.class))
                .map(Timestamp::toInstant);
    }

    private PriceSnapshot row(ResultSet rs, int i) throws SQLException {
        List<PriceSource> sources = json.mapper().readValue(rs.getString("sources"), SOURCES);
        return new PriceSnapshot(rs.getString("symbol"), rs.getLong("sequence"), rs.getBigDecimal("index_price"),
                rs.getBigDecimal("mark_price"), rs.getBigDecimal("twap"), rs.getBigDecimal("confidence"),
                PriceStatus.valueOf(rs.getString("status")), rs.getBigDecimal("market_price"),
                PriceEvents.verdicts(sources), rs.getTimestamp("price_time").toInstant(),
                rs.getTimestamp("last_trusted_at").toInstant(), null);
    }
}
