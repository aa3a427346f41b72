package io.backstop.markets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

class MarketsPropertiesTest {

    @Test
    void theShippedCatalogueIsValidAndDerivesTheMaintenanceAmounts() throws Exception {
        StandardEnvironment environment = new StandardEnvironment();
        new YamlPropertySourceLoader().load("markets", new ClassPathResource("backstop-markets.yml"))
                .forEach(environment.getPropertySources()::addLast);

        Map<String, Market> markets = bind(environment).markets();

        assertThat(markets).containsKeys("BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT");
        Market btc = markets.get("BTCUSDT");
        assertThat(btc.priceSymbol()).isEqualTo("BTCUSDT");
        assertThat(btc.brackets().brackets()).hasSize(5);
        // cum(2) = 50,000 x (0.005 - 0.004) = 50; cum(3) = 600,000 x 0.005 + 50 = 3,050
        assertThat(btc.brackets().brackets().get(1).cum()).isEqualByComparingTo("50");
        assertThat(btc.brackets().brackets().get(2).cum()).isEqualByComparingTo("3050");
        assertThat(btc.brackets().maintenance(new BigDecimal("600000"))).isEqualByComparingTo("2950");
        assertThat(markets.get("SOLUSDT").priceScale()).isEqualTo(3);
    }

    @Test
    void anInvalidCatalogueNamesEveryProblem() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("bad", Map.of(
                "backstop.markets.symbols.XUSDT.price-scale", "40",
                "backstop.markets.symbols.XUSDT.brackets[0].floor", "10",
                "backstop.markets.symbols.XUSDT.brackets[0].mmr", "0.01",
                "backstop.markets.symbols.XUSDT.brackets[0].max-leverage", "20")));

        assertThatThrownBy(() -> bind(environment).markets())
                .isInstanceOf(MarketsProperties.InvalidMarkets.class)
                .hasMessageContaining("backstop.markets.symbols.XUSDT.price-scale")
                .hasMessageContaining("backstop.markets.symbols.XUSDT.brackets");
    }

    private static MarketsProperties bind(StandardEnvironment environment) {
        return new Binder(ConfigurationPropertySources.get(environment))
                .bind("backstop.markets", MarketsProperties.class).orElseGet(MarketsProperties::new);
    }
}
