package io.backstop.insurance.engine;

import io.backstop.kit.prices.PriceBoard;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open interest per symbol (the long side, in base units), read every few seconds from the sums the snapshots'
 * transactions keep ({@link AdlStore#openInterest}) rather than per shortfall: the guarantee and the coverage ratio
 * need its level, not its last unit. Read from PostgreSQL again after a restart.
 */
public class OpenInterest {

    private final AdlStore store;
    private final PriceBoard prices;
    private volatile Map<String, BigDecimal> sizes = new ConcurrentHashMap<>();
    private volatile boolean loaded;

    public OpenInterest(AdlStore store, PriceBoard prices) {
        this.store = store;
        this.prices = prices;
    }

    public void refresh() {
        sizes = new ConcurrentHashMap<>(store.openInterest());
        loaded = true;
    }

    /** Notional of the open interest of {@code symbols} at the latest marks (a symbol without a mark counts 0). */
    public BigDecimal notional(List<String> symbols) {
        if (!loaded) {
            refresh();
        }
        BigDecimal total = BigDecimal.ZERO;
        for (String symbol : symbols) {
            BigDecimal size = sizes.get(symbol);
            BigDecimal mark = prices.mark(symbol).orElse(null);
            if (size != null && mark != null) {
                total = total.add(size.multiply(mark));
            }
        }
        return total;
    }
}
