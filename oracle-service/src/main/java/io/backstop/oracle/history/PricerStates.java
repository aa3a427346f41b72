package io.backstop.oracle.history;

import io.backstop.oracle.pricing.SymbolPricer;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Each symbol's {@link SymbolPricer.State} in PostgreSQL ({@code pricer_state}), one row per symbol, replaced on
 * every save. JSON in a text column: written whole, read once at start, never queried, so PostgreSQL need not parse
 * it. Decimals keep their scale and instants their nanoseconds, so a restored pricer computes exactly what it
 * would have.
 */
public class PricerStates {

    private final JdbcTemplate jdbc;
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    public PricerStates(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Saves the states (in the caller's transaction, if any). */
    public void saveAll(Map<String, SymbolPricer.State> states, Instant asOf) {
        List<Object[]> rows = new ArrayList<>(states.size());
        Timestamp at = Timestamp.from(asOf);
        states.forEach((symbol, state) -> rows.add(new Object[] {symbol, toJson(state), at}));
        jdbc.batchUpdate("INSERT INTO pricer_state (symbol, state, as_of) VALUES (?, ?, ?)"
                + " ON CONFLICT (symbol) DO UPDATE SET state = excluded.state, as_of = excluded.as_of", rows);
    }

    public static String toJson(SymbolPricer.State state) {
        return MAPPER.writeValueAsString(state);
    }

    public static SymbolPricer.State fromJson(String json) {
        return MAPPER.readValue(json, SymbolPricer.State.class);
    }

    /** The saved state of every symbol that has one. */
    public Map<String, SymbolPricer.State> loadAll() {
        Map<String, SymbolPricer.State> states = new LinkedHashMap<>();
        jdbc.query("SELECT symbol, state FROM pricer_state ORDER BY symbol", rs -> {
            states.put(rs.getString("symbol"), fromJson(rs.getString("state")));
        });
        return states;
    }
}
