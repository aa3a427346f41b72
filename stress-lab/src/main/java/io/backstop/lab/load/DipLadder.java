package io.backstop.lab.load;

import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.trading.TradeFilled;
import io.backstop.markets.MarginBrackets;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Accounts that fall below maintenance margin at one price only, so that the latency probe can time price → call
 * (margin-service's hop) on calls that a price decided, never an account's own fill.
 *
 * <p>They hold ETH, so that BTC's rounds, and the probe's own margin calls on BTC, stay as they were. ETH is ticked
 * twice a second: at {@link #NORMAL} halfway through each second, and at a dip at its end, each dip {@link #STEP}
 * lower than the one before: 2,994, 2,991, and so on (every move 0.1% or more, beyond the oracle's publishing
 * deviation). The accounts of dip {@code c} hold {@link #POSITION} ETH long from {@link #NORMAL} and just the USDT that
 * puts their maintenance threshold half a step above dip {@code c}, under every price before it: healthy at every
 * price before their dip, under maintenance at it. Their fills are applied before the first dip, at prices where they
 * are healthy, so each of their first calls names (by its {@code priceSequences}) the price that took them under. The
 * maintenance rates are the market catalogue's ({@code backstop-markets.yml}), which the platform's services import.
 */
final class DipLadder {

    static final String ASSET = "ETH";
    static final String SYMBOL = "ETHUSDT";
    static final int ROUNDS_A_DIP = 10;
    static final BigDecimal NORMAL = new BigDecimal("3000");
    static final BigDecimal FIRST_DIP = new BigDecimal("2994");
    static final BigDecimal STEP = new BigDecimal("3");
    private static final BigDecimal HALF_STEP = new BigDecimal("1.5");
    static final BigDecimal POSITION = BigDecimal.ONE;
    /** At most this many dips (five minutes of them): the last is 2,097, 30% under {@link #NORMAL}. */
    static final int MAX_DIPS = 300;

    private final int dips;
    private final Map<String, Integer> dipOf = new LinkedHashMap<>();
    private final MarginBrackets brackets;

    /**
     * @param dips     how many dips the run takes (see {@link #dips(Duration)})
     * @param perDip   accounts that breach at each
     * @param brackets ETHUSDT's maintenance brackets ({@link #catalogue()})
     */
    DipLadder(String run, int dips, int perDip, MarginBrackets brackets) {
        if (dips < 0 || dips > MAX_DIPS || perDip < 0) {
            throw new IllegalArgumentException("dips must be 0 to " + MAX_DIPS + " and accounts a dip at least 0, not "
                    + dips + " and " + perDip);
        }
        this.dips = dips;
        this.brackets = brackets;
        for (int c = 0; c < dips; c++) {
            for (int i = 0; i < perDip; i++) {
                dipOf.put("dip-" + run + "-" + c + "-" + i, c);
            }
        }
    }

    /** The dips a run of {@code duration} takes: one a second, at most {@link #MAX_DIPS}. */
    static int dips(Duration duration) {
        return (int) Math.min(MAX_DIPS, duration.toMillis() / 100 / ROUNDS_A_DIP);
    }

    /**
     * ETH's price at round {@code round} (from 0; ten a second): {@link #NORMAL} at the fifth round of each second, the
     * second's dip at its tenth, no tick at the others; none at all without dips.
     */
    BigDecimal price(int round) {
        if (dips == 0) {
            return null;
        }
        int dip = round / ROUNDS_A_DIP;
        int inSecond = round % ROUNDS_A_DIP;
        if (inSecond == ROUNDS_A_DIP - 1 && dip < dips) {
            return dip(dip);
        }
        return inSecond == ROUNDS_A_DIP / 2 - 1 ? NORMAL : null;
    }

    /** Dip {@code c}'s price; {@code dip(dips())} is under every account's threshold (a last round after the run). */
    static BigDecimal dip(int c) {
        return FIRST_DIP.subtract(STEP.multiply(BigDecimal.valueOf(c)));
    }

    /** The mark under which dip {@code c}'s accounts are below maintenance: half a step above it. */
    static BigDecimal threshold(int c) {
        return dip(c).add(HALF_STEP);
    }

    /** Whether {@code mark} is dip {@code c}'s price (within half a step: a mark is the index plus a basis of 0.5). */
    static boolean atDip(int c, BigDecimal mark) {
        return mark.subtract(dip(c)).abs().compareTo(HALF_STEP) < 0;
    }

    /**
     * The USDT that puts an account of dip {@code c} exactly at maintenance at its {@link #threshold}: the maintenance
     * of the position's notional there, less its unrealized PnL there (negative: the threshold is under the entry),
     * to the cent above (which moves the threshold down by at most 0.02).
     */
    BigDecimal deposit(int c) {
        BigDecimal at = threshold(c);
        BigDecimal maintenance = brackets.maintenance(POSITION.multiply(at));
        return maintenance.subtract(POSITION.multiply(at.subtract(NORMAL))).setScale(2, RoundingMode.CEILING);
    }

    int dips() {
        return dips;
    }

    /** Every account, by id, with the USDT it is opened with. */
    Map<String, BigDecimal> deposits() {
        Map<String, BigDecimal> deposits = new LinkedHashMap<>();
        dipOf.forEach((account, c) -> deposits.put(account, deposit(c)));
        return deposits;
    }

    /** The fill that opens each account's position: a buy of {@link #POSITION} at {@link #NORMAL}, without a fee. */
    List<TradeFilled> fills() {
        List<TradeFilled> fills = new ArrayList<>(dipOf.size());
        dipOf.keySet().forEach(account -> fills.add(new TradeFilled(account + "-open", account, SYMBOL, Side.BUY,
                POSITION, NORMAL, BigDecimal.ZERO, "USDT", MarginMode.CROSS, null)));
        return fills;
    }

    int size() {
        return dipOf.size();
    }

    /** The dip an account of this ladder breaches at, or null for any other account. */
    Integer dipOf(String account) {
        return dipOf.get(account);
    }

    /** ETHUSDT's maintenance brackets as the market catalogue on the classpath gives them. */
    static MarginBrackets catalogue() {
        try (InputStream in = DipLadder.class.getResourceAsStream("/backstop-markets.yml")) {
            if (in == null) {
                throw new IllegalStateException("backstop-markets.yml is not on the classpath");
            }
            JsonNode brackets = YAMLMapper.builder().build().readTree(in)
                    .at("/backstop/markets/symbols/" + SYMBOL + "/brackets");
            List<MarginBrackets.Tier> tiers = new ArrayList<>();
            brackets.forEach(b -> tiers.add(new MarginBrackets.Tier(b.path("floor").decimalValue(),
                    b.path("mmr").decimalValue(), b.path("max-leverage").asInt())));
            return MarginBrackets.of(tiers);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
