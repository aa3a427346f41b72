package io.backstop.oracle.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.oracle.pricing.SymbolSpec;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SymbolSpecsTest {

    @Test
    void buildsEachKindWithDefaultsAndOverrides() {
        OracleProperties properties = new OracleProperties();
        properties.getSymbols().put("btc", aggregated("binance", "okx", "bybit"));
        OracleProperties.Symbol perp = new OracleProperties.Symbol();
        perp.setIndexFrom("BTC");
        perp.setPerp(perpOf("BTCUSDT-PERP", "exchange"));
        perp.setHeartbeat(Duration.ofMillis(500));
        properties.getSymbols().put("BTCUSDT", perp);
        OracleProperties.Symbol wbeth = new OracleProperties.Symbol();
        OracleProperties.Wrapped wrapped = new OracleProperties.Wrapped();
        wrapped.setUnderlying("btc");
        wrapped.setRateSource("staking");
        wrapped.setMaxYearlyGrowth(new BigDecimal("0.1"));
        wbeth.setWrapped(wrapped);
        wbeth.setMarketVenues(List.of("Binance"));
        properties.getSymbols().put("WBTC", wbeth);

        List<SymbolSpec> specs = SymbolSpecs.from(properties);

        assertThat(specs).extracting(SymbolSpec::symbol, SymbolSpec::kind).containsExactly(
                org.assertj.core.groups.Tuple.tuple("BTC", SymbolSpec.Kind.AGGREGATED),
                org.assertj.core.groups.Tuple.tuple("BTCUSDT", SymbolSpec.Kind.DERIVED),
                org.assertj.core.groups.Tuple.tuple("WBTC", SymbolSpec.Kind.WRAPPED));
        assertThat(specs.get(0).quorum()).isEqualTo(3);
        assertThat(specs.get(0).maxAge()).isEqualTo(Duration.ofSeconds(10));
        assertThat(specs.get(0).outlierBand()).isEqualByComparingTo("0.05");
        assertThat(specs.get(1).heartbeat()).isEqualTo(Duration.ofMillis(500));
        assertThat(specs.get(1).perpSymbol()).isEqualTo("BTCUSDT-PERP");
        assertThat(specs.get(2).underlying()).isEqualTo("BTC");
        assertThat(specs.get(2).marketVenues()).containsExactly("binance");
    }

    @Test
    void reportsEveryProblemNamingItsProperty() {
        OracleProperties properties = new OracleProperties();
        OracleProperties.Symbol tooFew = aggregated("binance", "okx");
        tooFew.setQuorum(3);
        tooFew.setOutlierBand(new BigDecimal("1.5"));
        properties.getSymbols().put("BTC", tooFew);
        OracleProperties.Symbol orphan = new OracleProperties.Symbol();
        orphan.setIndexFrom("XRP");
        properties.getSymbols().put("XRPUSDT", orphan);
        OracleProperties.Symbol both = aggregated("binance");
        both.setIndexFrom("BTC");
        properties.getSymbols().put("ETH", both);
        OracleProperties.Symbol wrappedWithoutRate = new OracleProperties.Symbol();
        wrappedWithoutRate.setWrapped(new OracleProperties.Wrapped());
        properties.getSymbols().put("WBETH", wrappedWithoutRate);

        assertThatThrownBy(() -> SymbolSpecs.from(properties))
                .isInstanceOf(SymbolSpecs.InvalidConfiguration.class)
                .hasMessageContaining("backstop.oracle.symbols.BTC.quorum: must be between 1 and its 2 venues, got 3")
                .hasMessageContaining("backstop.oracle.symbols.BTC.outlier-band: must be a fraction in (0, 1), got 1.5")
                .hasMessageContaining("backstop.oracle.symbols.XRPUSDT.index-from: XRP must be a configured symbol")
                .hasMessageContaining("backstop.oracle.symbols.ETH: set exactly one of venues, index-from or wrapped")
                .hasMessageContaining("backstop.oracle.symbols.WBETH.wrapped.rate-source: required")
                .hasMessageContaining("backstop.oracle.symbols.WBETH.wrapped.underlying");
    }

    @Test
    void anEmptyConfigurationIsRefused() {
        assertThatThrownBy(() -> SymbolSpecs.from(new OracleProperties()))
                .hasMessageContaining("no symbol is configured");
    }

    private static OracleProperties.Symbol aggregated(String... venues) {
        OracleProperties.Symbol symbol = new OracleProperties.Symbol();
        Map<String, BigDecimal> weights = new LinkedHashMap<>();
        for (String venue : venues) {
            weights.put(venue, BigDecimal.ONE);
        }
        symbol.setVenues(weights);
        return symbol;
    }

    private static OracleProperties.Perp perpOf(String symbol, String venue) {
        OracleProperties.Perp perp = new OracleProperties.Perp();
        perp.setSymbol(symbol);
        perp.setVenues(List.of(venue));
        return perp;
    }
}
