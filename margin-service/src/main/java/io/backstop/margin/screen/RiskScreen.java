package io.backstop.margin.screen;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Fast screening of margin scopes on every price, in doubles, laid out for the scan: per price
 * symbol, the positions on it (scope slot, signed size) and the collateral it values (scope slot,
 * amount after haircut) sit in parallel primitive arrays, and per scope one equity and one
 * maintenance figure. A price move updates each exposure's scope by the exact linear change of its
 * PnL (size x price move) and of its tiered maintenance margin, and reports the scopes whose band
 * (healthy / at risk / below maintenance) changed, so only those are reviewed exactly (BigDecimal).
 *
 * <p>It never decides anything itself: its figures drift by double rounding (about 1e-16 relative)
 * and are reset from the exact valuation whenever a scope is reviewed. A map of position objects
 * is about 40x slower for this scan; see {@code RemarkBenchmark}. Not thread-safe: one owner (the
 * account engine's thread); its counts ({@link #entries}, {@link #vacant}, {@link #descents}) may be read by any.
 *
 * <p>The scan is fastest when each table's entries are in the order of their scopes' slots: the scopes' figures are
 * then walked forward (about 12x faster than in no order at 1.6M positions). Entries therefore stay where they are:
 * a scope cleared for its re-registration leaves its entries in place, vacant (nothing moves them on a price), and
 * registering it again fills them; a table drops its vacant entries, keeping the others' order, once they are more
 * than a quarter of it. So reviews, which re-register every scope they look at, keep the order a first load gave.
 */
public final class RiskScreen {

    /** Bands, ordered by severity. */
    public static final byte HEALTHY = 0;
    public static final byte AT_RISK = 1;
    public static final byte BELOW_MAINTENANCE = 2;
    /** Equity below zero: a liquidating scope becomes bankrupt here. */
    public static final byte NEGATIVE_EQUITY = 3;

    private final double alertRatio;
    /** Per scope, side by side in one cache line: [2 slot] = equity, [2 slot + 1] = maintenance. */
    private double[] state = new double[2048];
    private byte[] band = new byte[1024];
    private final Map<String, SymbolTable> symbols = new HashMap<>();
    /** Vacant entries a table keeps, whatever its size, before it drops them. */
    private final int minVacancies;
    private volatile int entries;
    private volatile int vacant;
    private volatile int descents;

    /** @param alertRatio maintenance / equity from which a scope is at risk */
    public RiskScreen(double alertRatio) {
        this(alertRatio, 1024);
    }

    RiskScreen(double alertRatio, int minVacancies) {
        this.alertRatio = alertRatio;
        this.minVacancies = minVacancies;
    }

    /** Entries of all tables, vacant ones included: a scope's position or collateral on a symbol each. */
    public int entries() {
        return entries;
    }

    /** Entries left vacant by cleared scopes, not yet dropped or filled again. */
    public int vacant() {
        return vacant;
    }

    /** Entries whose scope's slot is below the slot of the entry before them in their table: 0 when in slot order. */
    public int descents() {
        return descents;
    }

    /** Maintenance / equity from which a scope is at risk. */
    public double alertRatio() {
        return alertRatio;
    }

    /** The maintenance tiers of a symbol, as doubles: floors ascending, rates and derived cum. */
    public record Tiers(double[] floors, double[] mmr, double[] cum, double[] caps) {

        public Tiers(double[] floors, double[] mmr, double[] cum) {
            this(floors, mmr, cum, caps(floors));
        }

        private static double[] caps(double[] floors) {
            double[] caps = new double[floors.length];
            for (int t = 0; t < floors.length; t++) {
                caps[t] = t + 1 < floors.length ? floors[t + 1] : Double.POSITIVE_INFINITY;
            }
            return caps;
        }

        int tier(double notional) {
            int t = 0;
            while (t + 1 < floors.length && notional >= floors[t + 1]) {
                t++;
            }
            return t;
        }

        double maintenance(double notional) {
            int t = tier(notional);
            return notional * mmr[t] - cum[t];
        }
    }

    /**
     * Declares a price symbol at its current index and mark: positions on it are marked at the mark
     * and use the tiers (null when no instrument is priced by it); collateral is valued at the index.
     */
    public void symbol(String priceSymbol, Tiers tiers, double index, double mark) {
        if (symbols.putIfAbsent(priceSymbol, new SymbolTable(tiers, index, mark)) != null) {
            throw new IllegalStateException(priceSymbol + " is declared already");
        }
    }

    public boolean knows(String priceSymbol) {
        return symbols.containsKey(priceSymbol);
    }

    /** Sets a scope's exact figures (after an exact review) and returns its band. */
    public byte reset(int slot, double scopeEquity, double scopeMaintenance) {
        ensure(slot);
        state[2 * slot] = scopeEquity;
        state[2 * slot + 1] = scopeMaintenance;
        band[slot] = bandOf(scopeEquity, scopeMaintenance);
        return band[slot];
    }

    /** Adds a position of {@code size} (signed) on the symbol to the scope in {@code slot}. */
    public void addPosition(String priceSymbol, int slot, double size) {
        ensure(slot);
        symbols.get(priceSymbol).addPosition(slot, size);
    }

    /** Adds collateral valued by the symbol: {@code weight} = amount x (1 - haircut), or the amount for a debt. */
    public void addCollateral(String priceSymbol, int slot, double weight) {
        ensure(slot);
        symbols.get(priceSymbol).addCollateral(slot, weight);
    }

    /**
     * Removes every exposure of a scope (before its new ones are added after a fill or transfer): its entries stay in
     * place, vacant, for the scope in this slot to fill again.
     */
    public void clear(int slot) {
        for (SymbolTable table : symbols.values()) {
            table.vacate(slot);
        }
    }

    /**
     * Moves the symbol to a new index and mark: updates every scope exposed to it and reports each
     * scope whose band changed.
     */
    public void onPrice(String priceSymbol, double index, double mark, IntConsumer changedBand) {
        SymbolTable table = symbols.get(priceSymbol);
        if (table == null) {
            return;
        }
        double before = table.mark;
        double move = mark - before;
        double indexMove = index - table.index;
        table.mark = mark;
        table.index = index;
        if (move != 0 && table.tiers != null) {
            remark(table, before, mark, changedBand);
        }
        if (indexMove != 0) {
            revalue(table, indexMove, changedBand);
        }
    }

    private void remark(SymbolTable table, double before, double price, IntConsumer changedBand) {
        double move = price - before;
        Tiers tiers = table.tiers;
        double[] mmr = tiers.mmr;
        double[] cum = tiers.cum;
        int[] slots = table.positionSlots;
        double[] sizes = table.sizes;
        byte[] tierOf = table.tiers();
        double[] floors = tiers.floors;
        double[] caps = tiers.caps;
        double[] st = state;
        double alert = alertRatio;
        for (int i = 0, n = table.positions; i < n; i++) {
            int slot = slots[i];
            double size = sizes[i];
            double quantity = Math.abs(size);
            int t = tierOf[i];
            double notional = quantity * price;
            double maintenanceMove;
            if (notional >= floors[t] && notional < caps[t]) {
                maintenanceMove = quantity * move * mmr[t]; // same tier: MM is linear in the price
            } else {
                int next = tiers.tier(notional);
                maintenanceMove = (notional * mmr[next] - cum[next]) - (quantity * before * mmr[t] - cum[t]);
                tierOf[i] = (byte) next;
            }
            int k = slot << 1;
            double e0 = st[k];
            double m0 = st[k + 1];
            double e = e0 + size * move;
            double m = m0 + maintenanceMove;
            st[k] = e;
            st[k + 1] = m;
            // the band can only change where one of e, e - m, alert x e - m changes sign
            if ((e < 0) != (e0 < 0) | (e < m) != (e0 < m0) | (m >= alert * e) != (m0 >= alert * e0)) {
                check(slot, changedBand);
            }
        }
    }

    private void revalue(SymbolTable table, double move, IntConsumer changedBand) {
        int[] collateralSlots = table.collateralSlots;
        double[] weights = table.weights;
        double[] st = state;
        for (int i = 0, n = table.collaterals; i < n; i++) {
            int slot = collateralSlots[i];
            st[2 * slot] += weights[i] * move;
            check(slot, changedBand);
        }
    }

    public double equity(int slot) {
        return state[2 * slot];
    }

    public double maintenance(int slot) {
        return state[2 * slot + 1];
    }

    public byte band(int slot) {
        return band[slot];
    }



    private void check(int slot, IntConsumer changedBand) {
        byte now = bandOf(state[2 * slot], state[2 * slot + 1]);
        if (now != band[slot]) {
            band[slot] = now;
            changedBand.accept(slot);
        }
    }

    private byte bandOf(double e, double m) {
        if (e < m) {
            return e < 0 ? NEGATIVE_EQUITY : BELOW_MAINTENANCE;
        }
        return m >= alertRatio * e ? AT_RISK : HEALTHY;
    }

    private void ensure(int slot) {
        if (slot >= band.length) {
            int size = Math.max(slot + 1, band.length * 2);
            state = Arrays.copyOf(state, 2 * size);
            band = Arrays.copyOf(band, size);
        }
    }

    /**
     * One price symbol's exposures in parallel arrays. A scope has at most one position and one
     * collateral entry per symbol; where each sits is indexed by slot ({@code positionAt}, {@code collateralAt}):
     * {@code i} for entry i, {@code -2 - i} for entry i left vacant, -1 for none. A vacant entry has size or weight 0,
     * so a price moves nothing through it.
     */
    private final class SymbolTable {
        final Tiers tiers;
        double index;
        double mark;
        int[] positionSlots = new int[64];
        double[] sizes = new double[64];
        byte[] tierOf = new byte[64];
        int positions;
        int[] collateralSlots = new int[64];
        double[] weights = new double[64];
        int collaterals;
        int[] positionAt = new int[0];
        int[] collateralAt = new int[0];
        int tableVacant;
        int tableDescents;

        SymbolTable(Tiers tiers, double index, double mark) {
            this.tiers = tiers;
            this.index = index;
            this.mark = mark;
        }

        byte[] tiers() {
            return tierOf;
        }

        private byte tierAt(double size) {
            return tiers == null ? 0 : (byte) tiers.tier(Math.abs(size) * mark);
        }

        private void index(int slot) {
            if (slot >= positionAt.length) {
                int size = Math.max(slot + 1, positionAt.length * 2);
                int old = positionAt.length;
                positionAt = Arrays.copyOf(positionAt, size);
                collateralAt = Arrays.copyOf(collateralAt, size);
                Arrays.fill(positionAt, old, size, -1);
                Arrays.fill(collateralAt, old, size, -1);
            }
        }

        void addPosition(int slot, double size) {
            index(slot);
            int at = positionAt[slot];
            if (at != -1) {
                if (at < -1) {
                    at = -2 - at;
                    positionAt[slot] = at;
                    tableVacant--;
                    vacant--;
                }
                sizes[at] = size;
                tierOf[at] = tierAt(size);
                return;
            }
            if (positions == positionSlots.length) {
                positionSlots = Arrays.copyOf(positionSlots, positions * 2);
                sizes = Arrays.copyOf(sizes, positions * 2);
                tierOf = Arrays.copyOf(tierOf, positions * 2);
            }
            if (positions > 0 && slot < positionSlots[positions - 1]) {
                tableDescents++;
                descents++;
            }
            positionAt[slot] = positions;
            positionSlots[positions] = slot;
            tierOf[positions] = tierAt(size);
            sizes[positions++] = size;
            entries++;
        }

        void addCollateral(int slot, double weight) {
            index(slot);
            int at = collateralAt[slot];
            if (at != -1) {
                if (at < -1) {
                    at = -2 - at;
                    collateralAt[slot] = at;
                    tableVacant--;
                    vacant--;
                }
                weights[at] = weight;
                return;
            }
            if (collaterals == collateralSlots.length) {
                collateralSlots = Arrays.copyOf(collateralSlots, collaterals * 2);
                weights = Arrays.copyOf(weights, collaterals * 2);
            }
            if (collaterals > 0 && slot < collateralSlots[collaterals - 1]) {
                tableDescents++;
                descents++;
            }
            collateralAt[slot] = collaterals;
            collateralSlots[collaterals] = slot;
            weights[collaterals++] = weight;
            entries++;
        }

        /** Leaves the slot's entries vacant in place; drops the table's vacant entries once there are many. */
        void vacate(int slot) {
            if (slot >= positionAt.length) {
                return;
            }
            int p = positionAt[slot];
            if (p >= 0) {
                sizes[p] = 0;
                tierOf[p] = tierAt(0); // a size of 0 stays in its tier at any price: its maintenance never moves
                positionAt[slot] = -2 - p;
                tableVacant++;
                vacant++;
            }
            int c = collateralAt[slot];
            if (c >= 0) {
                weights[c] = 0;
                collateralAt[slot] = -2 - c;
                tableVacant++;
                vacant++;
            }
            if (tableVacant > minVacancies && 4L * tableVacant > positions + collaterals) {
                dropVacant();
            }
        }

        /** Drops the vacant entries, the others keeping their order; counts the descents again. */
        private void dropVacant() {
            int kept = 0;
            int keptDescents = 0;
            for (int i = 0; i < positions; i++) {
                int slot = positionSlots[i];
                if (positionAt[slot] == i) {
                    if (kept > 0 && slot < positionSlots[kept - 1]) {
                        keptDescents++;
                    }
                    positionSlots[kept] = slot;
                    sizes[kept] = sizes[i];
                    tierOf[kept] = tierOf[i];
                    positionAt[slot] = kept++;
                } else {
                    positionAt[slot] = -1;
                }
            }
            int droppedPositions = positions - kept;
            positions = kept;
            kept = 0;
            for (int i = 0; i < collaterals; i++) {
                int slot = collateralSlots[i];
                if (collateralAt[slot] == i) {
                    if (kept > 0 && slot < collateralSlots[kept - 1]) {
                        keptDescents++;
                    }
                    collateralSlots[kept] = slot;
                    weights[kept] = weights[i];
                    collateralAt[slot] = kept++;
                } else {
                    collateralAt[slot] = -1;
                }
            }
            int dropped = droppedPositions + collaterals - kept;
            collaterals = kept;
            entries -= dropped;
            vacant -= dropped;
            descents += keptDescents - tableDescents;
            tableDescents = keptDescents;
            tableVacant = 0;
        }
    }

    /** The slots of a symbol's position entries then collateral entries, in table order, vacant ones included. */
    int[][] slotsInOrder(String priceSymbol) {
        SymbolTable table = symbols.get(priceSymbol);
        return new int[][] {Arrays.copyOf(table.positionSlots, table.positions),
                Arrays.copyOf(table.collateralSlots, table.collaterals)};
    }
}
