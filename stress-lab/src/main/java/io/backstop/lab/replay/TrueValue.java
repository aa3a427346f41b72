package io.backstop.lab.replay;

import io.backstop.lab.scenario.Scenario;
import io.backstop.lab.scenario.World;
import io.backstop.markets.MarginBrackets;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * An account valued at the world's honest prices by the exchange's own rules (collateral haircuts,
 * maintenance brackets of the shared market catalogue): a liquidation is <em>wrongful</em> when at
 * true value the account still covered its maintenance margin — it was liquidated on a price that was
 * not the market's.
 */
public final class TrueValue {

    private final Map<String, MarginBrackets> brackets;
    private final Map<String, Double> haircuts;

    public TrueValue(Map<String, MarginBrackets> brackets, Map<String, Double> haircuts) {
        this.brackets = Map.copyOf(brackets);
        this.haircuts = Map.copyOf(haircuts);
    }

    /** The brackets of every perpetual in risk-markets' {@code backstop-markets.yml}. */
    public static TrueValue of(Scenario scenario) {
        try (InputStream in = TrueValue.class.getResourceAsStream("/backstop-markets.yml")) {
            if (in == null) {
                throw new IllegalStateException("backstop-markets.yml (risk-markets) is not on the classpath");
            }
            JsonNode symbols = new YAMLMapper().readTree(in).path("backstop").path("markets").path("symbols");
            Map<String, MarginBrackets> brackets = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : symbols.properties()) {
                List<MarginBrackets.Tier> tiers = new ArrayList<>();
                for (JsonNode t : e.getValue().path("brackets")) {
                    tiers.add(new MarginBrackets.Tier(new BigDecimal(t.path("floor").asString()),
                            new BigDecimal(t.path("mmr").asString()), t.path("max-leverage").asInt()));
                }
                brackets.put(e.getKey(), MarginBrackets.of(tiers));
            }
            return new TrueValue(brackets, scenario.traders().haircuts());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read backstop-markets.yml: " + e.getMessage(), e);
        }
    }

    /** Whether {@code trader}'s opening position and collateral cover maintenance at the world's honest prices now. */
    public boolean coversMaintenance(TraderPopulation.Trader trader, World world, Map<String, String> indexOf) {
        double equity = 0;
        for (Map.Entry<String, BigDecimal> c : trader.collateral().entrySet()) {
            double price = c.getKey().equals("USDT") ? 1.0 : world.honest(c.getKey());
            equity += c.getValue().doubleValue() * price * (1 - haircuts.getOrDefault(c.getKey(), 0.0));
        }
        double mark = world.honest(indexOf.get(trader.symbol()));
        double size = trader.side() == io.backstop.events.Side.BUY ? trader.quantity().doubleValue()
                : -trader.quantity().doubleValue();
        equity += size * (mark - trader.price().doubleValue());
        MarginBrackets b = brackets.get(trader.symbol());
        double maintenance = b.maintenance(BigDecimal.valueOf(Math.abs(size) * mark)).doubleValue();
        return equity >= maintenance;
    }
}
