package io.backstop.insurance.config;

import io.backstop.insurance.fund.FundTerms;
import io.backstop.insurance.fund.UnwindDecider;
import io.backstop.insurance.waterfall.AdlRanking;
import io.backstop.insurance.waterfall.WaterfallPolicy;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The funds and the waterfall, under {@code backstop.insurance}. Each symbol belongs to one fund group.
 *
 * @param moneyScale          decimals of the settlement asset: socialized shares and injections are exact to this unit
 * @param quantityScale       decimals a partial takeover is rounded down to
 * @param ranking             the ADL queue's order (BINANCE or BITMEX)
 * @param openInterestRefresh how often the open interest per symbol (guarantee, coverage) is read again from its running sums
 */
@ConfigurationProperties("backstop.insurance")
public record InsuranceProperties(@DefaultValue("USDT") String settlementAsset,
                                  @DefaultValue("8") int moneyScale,
                                  @DefaultValue("8") int quantityScale,
                                  @DefaultValue("BINANCE") AdlRanking ranking,
                                  Map<String, Group> groups,
                                  @DefaultValue Unwind unwind,
                                  @DefaultValue("5s") Duration openInterestRefresh) {

    /**
     * @param capacityFraction           the fund may hold inherited positions (notional at mark) up to this
     *                                   fraction of its balance
     * @param guaranteeOpenInterestLimit while the group's open interest is at or below this notional, the
     *                                   operator covers what the fund cannot (no ADL, no socialized loss);
     *                                   none when absent
     */
    public record Group(List<String> symbols, @DefaultValue("1") BigDecimal capacityFraction,
                        BigDecimal guaranteeOpenInterestLimit) {

        public FundTerms terms() {
            return new FundTerms(symbols, capacityFraction, guaranteeOpenInterestLimit);
        }
    }

    /**
     * How the fund unwinds what it took over: every {@code interval}, per symbol held and without an open
     * order, one IOC order of at most {@code sliceNotional} at the mark, limited {@code maxSlippage} away. An order
     * the exchange has not answered within {@code orderTimeout} is asked about (and again every as long after).
     */
    public record Unwind(@DefaultValue("true") boolean enabled, @DefaultValue("2s") Duration interval,
                         @DefaultValue("100000") BigDecimal sliceNotional,
                         @DefaultValue("0.005") BigDecimal maxSlippage,
                         @DefaultValue("30s") Duration orderTimeout) {
    }

    public InsuranceProperties {
        groups = groups == null ? Map.of() : new LinkedHashMap<>(groups);
        List<String> problems = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        if (groups.isEmpty()) {
            problems.add("backstop.insurance.groups: at least one fund group is needed");
        }
        groups.forEach((name, g) -> {
            String at = "backstop.insurance.groups." + name;
            if (g.symbols() == null || g.symbols().isEmpty()) {
                problems.add(at + ".symbols: a group needs at least one symbol");
            } else {
                for (String symbol : g.symbols()) {
                    String other = seen.putIfAbsent(symbol, name);
                    if (other != null) {
                        problems.add(at + ".symbols: " + symbol + " is already in group " + other);
                    }
                }
            }
            if (g.capacityFraction().signum() < 0) {
                problems.add(at + ".capacity-fraction: must not be negative, got " + g.capacityFraction());
            }
            if (g.guaranteeOpenInterestLimit() != null && g.capacityFraction().signum() == 0) {
                problems.add(at + ".guarantee-open-interest-limit: needs a positive capacity-fraction");
            }
        });
        if (moneyScale < 0 || quantityScale < 0) {
            problems.add("backstop.insurance.money-scale and quantity-scale must not be negative");
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Invalid insurance fund configuration:\n  - " + String.join("\n  - ", problems));
        }
    }

    /** The group a symbol's shortfalls and fees go to. */
    public Optional<String> groupOf(String symbol) {
        return groups.entrySet().stream().filter(e -> e.getValue().symbols().contains(symbol)).map(Map.Entry::getKey)
                .findFirst();
    }

    public WaterfallPolicy policy() {
        return new WaterfallPolicy(settlementAsset, ranking, moneyScale, quantityScale);
    }

    public UnwindDecider.Terms unwindTerms() {
        return new UnwindDecider.Terms(unwind.sliceNotional(), unwind.maxSlippage(), quantityScale, moneyScale);
    }
}
