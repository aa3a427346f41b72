package io.backstop.lab.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.market.ConversionRateObserved;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.lab.scenario.Scenario;
import io.backstop.lab.scenario.Scenarios;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** What {@code ./backstop load} prices, at what, on which venues; and the options that change it. */
class LoadPricesTest {

    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
    private static final List<String> SEVEN = List.of("binance", "okx", "bybit", "coinbase", "kraken", "bitget",
            "gate");

    @Test
    void byDefaultARoundPricesEveryAssetOfTheSeedOnItsVenuesAtTheSeedsPricesAndBtcAndEthWhereTheLoadPutsThem() {
        LoadPrices prices = LoadPrices.all();
        for (int round = 0; round < 50; round++) {
            List<VenueTickObserved> ticks = prices.round(new Random(round), NOW);
            Map<String, List<VenueTickObserved>> bySymbol = ticks.stream()
                    .collect(Collectors.groupingBy(VenueTickObserved::symbol));
            assertThat(bySymbol.keySet()).containsExactlyInAnyOrder("BTC", "ETH", "SOL", "BNB", "USDC", "USDE", "WBETH",
                    "BTCUSDT-PERP", "ETHUSDT-PERP", "SOLUSDT-PERP", "BNBUSDT-PERP");
            for (String asset : List.of("BTC", "ETH", "SOL", "BNB", "USDC", "USDE")) {
                assertThat(bySymbol.get(asset)).extracting(VenueTickObserved::venue).as(asset)
                        .containsExactlyElementsOf(SEVEN);
                assertThat(bySymbol.get(asset + "USDT-PERP") == null ? List.of()
                        : bySymbol.get(asset + "USDT-PERP").stream().map(VenueTickObserved::venue).toList())
                        .as(asset + "'s perpetual")
                        .isEqualTo(asset.startsWith("USD") ? List.of() : List.of("exchange"));
                BigDecimal price = one(bySymbol.get(asset));
                assertThat(one(bySymbol.getOrDefault(asset + "USDT-PERP", bySymbol.get(asset)))).as(asset)
                        .isEqualByComparingTo(price);
            }
            assertThat(one(bySymbol.get("BTC"))).isBetween(new BigDecimal("59990"), new BigDecimal("60009"));
            assertThat(one(bySymbol.get("ETH"))).isBetween(new BigDecimal("2998"), new BigDecimal("3001"));
            assertThat(one(bySymbol.get("SOL"))).isEqualByComparingTo("220");
            assertThat(one(bySymbol.get("BNB"))).isEqualByComparingTo("1250");
            assertThat(one(bySymbol.get("USDC"))).isEqualByComparingTo("1");
            assertThat(one(bySymbol.get("USDE"))).isEqualByComparingTo("1");
            assertThat(bySymbol.get("WBETH")).extracting(VenueTickObserved::venue).containsExactly("binance");
            assertThat(one(bySymbol.get("WBETH"))).as("its own pair at ETH x rate, as the oracle prices it")
                    .isEqualByComparingTo(one(bySymbol.get("ETH")).multiply(new BigDecimal("1.0812")));
            assertThat(ticks).allMatch(t -> t.venueTime().equals(NOW));
        }
        assertThat(prices.rates(NOW)).containsExactly(new ConversionRateObserved("WBETH", "ETH",
                new BigDecimal("1.0812"), "binance-staking", NOW));
        assertThat(prices.symbols()).containsExactly("BTC", "ETH", "SOL", "BNB", "USDC", "USDE", "WBETH", "BTCUSDT",
                "ETHUSDT", "SOLUSDT", "BNBUSDT");
        assertThat(prices.describe()).isEqualTo("BTC 60000 (±10), ETH 3000 (±2), SOL 220, BNB 1250, USDC 1, USDE 1,"
                + " WBETH = ETH x 1.0812 (binance-staking)");
    }

    @Test
    void btcAndEthWanderAsTheLoadsTicksAlwaysDid() {
        Random draws = new Random(42);
        Random old = new Random(42);
        LoadPrices prices = LoadPrices.all();
        for (int round = 0; round < 20; round++) {
            Map<String, BigDecimal> priced = last(prices.round(draws, NOW));
            assertThat(priced.get("BTC")).isEqualByComparingTo(BigDecimal.valueOf(60_000 + old.nextInt(20) - 10));
            assertThat(priced.get("ETH")).isEqualByComparingTo(BigDecimal.valueOf(3_000 + old.nextInt(4) - 2));
        }
    }

    @Test
    void everyQuoteHasABookWhoseMidIsThePriceEvenForAStablecoin() {
        for (VenueTickObserved t : LoadPrices.all().round(new Random(1), NOW)) {
            assertThat(t.bid()).as(t.venue() + " " + t.symbol()).isPositive().isLessThan(t.last());
            assertThat(t.ask()).as(t.venue() + " " + t.symbol()).isGreaterThan(t.last());
            assertThat(t.bid().add(t.ask())).isEqualByComparingTo(t.last().multiply(BigDecimal.valueOf(2)));
        }
    }

    @Test
    void priceOnlyLeavesTheOtherAssetsUnpricedTheOldPartialOutage() {
        LoadPrices btcEth = LoadPrices.of(List.of("BTC", "eth"), List.of());
        assertThat(btcEth.round(new Random(1), NOW)).extracting(VenueTickObserved::symbol).containsOnly("BTC", "ETH",
                "BTCUSDT-PERP", "ETHUSDT-PERP").hasSize(16);
        assertThat(btcEth.rates(NOW)).isEmpty();
        assertThat(btcEth.symbols()).containsExactly("BTC", "ETH", "BTCUSDT", "ETHUSDT");
        assertThat(btcEth.describe()).isEqualTo("BTC 60000 (±10), ETH 3000 (±2); not priced (a partial price outage):"
                + " SOL, BNB, USDC, USDE, WBETH");
        assertThat(btcEth.reference("SOL")).as("a trade's price on an unpriced market").isEqualByComparingTo("220");

        LoadPrices withWrapper = LoadPrices.of(List.of("ETH", "WBETH"), List.of());
        assertThat(withWrapper.symbols()).containsExactly("ETH", "WBETH", "ETHUSDT");
        assertThat(withWrapper.rates(NOW)).hasSize(1);
        assertThat(LoadPrices.of(List.of("USDE"), List.of()).round(new Random(1), NOW))
                .extracting(VenueTickObserved::symbol).containsOnly("USDE").hasSize(7);
    }

    @Test
    void priceSetsAnAssetsLevelAndWbethFollowsEth() {
        LoadPrices seeded = LoadPrices.of(List.of(), List.of("BTC=121000", "ETH=4350", "sol=250.5"));
        Map<String, BigDecimal> priced = last(seeded.round(new Random(3), NOW));
        assertThat(priced.get("BTC")).isBetween(new BigDecimal("120990"), new BigDecimal("121009"));
        assertThat(priced.get("SOL")).isEqualByComparingTo("250.5");
        assertThat(priced.get("WBETH")).isEqualByComparingTo(priced.get("ETH").multiply(new BigDecimal("1.0812")));
        assertThat(seeded.reference("BTC")).isEqualByComparingTo("121000");
        assertThat(seeded.describe()).startsWith("BTC 121000 (±10), ETH 4350 (±2), SOL 250.5, BNB 1250");
    }

    @Test
    void badInputIsRefusedSayingWhatIsWrong() {
        assertThatThrownBy(() -> LoadPrices.of(List.of("BTC", "XRP"), List.of()))
                .hasMessage("--price-only: 'XRP' is not an asset the load prices; choose from BTC, ETH, SOL, BNB, USDC,"
                        + " USDE, WBETH");
        assertThatThrownBy(() -> LoadPrices.of(List.of("BTCUSDT"), List.of())).hasMessageContaining("'BTCUSDT'");
        assertThatThrownBy(() -> LoadPrices.of(List.of("BTC", "WBETH"), List.of()))
                .hasMessage("--price-only: WBETH is priced as ETH x its staking rate; price ETH too (--price-only"
                        + " ETH,WBETH)");
        assertThatThrownBy(() -> LoadPrices.of(List.of(), List.of("DOGE=1"))).hasMessageStartingWith("--price: 'DOGE'");
        assertThatThrownBy(() -> LoadPrices.of(List.of(), List.of("BTC"))).hasMessage("--price takes ASSET=USDT, e.g."
                + " BTC=121000, not 'BTC'");
        assertThatThrownBy(() -> LoadPrices.of(List.of(), List.of("BTC=lots")))
                .hasMessage("--price BTC=lots: the price must be a number of USDT");
        assertThatThrownBy(() -> LoadPrices.of(List.of(), List.of("USDC=0")))
                .hasMessage("--price USDC=0: the price must be positive");
        assertThatThrownBy(() -> LoadPrices.of(List.of(), List.of("WBETH=4700")))
                .hasMessage("--price: WBETH is priced as ETH x 1.0812 (its staking rate); set ETH's price instead");
        assertThatThrownBy(() -> LoadPrices.of(List.of("BTC"), List.of("SOL=220")))
                .hasMessage("--price SOL=220: SOL is not priced in this run (--price-only BTC)");
    }

    /**
     * The load prices what the services expect, read from their own configuration: every collateral margin-service
     * values but the settlement asset, every market of the catalogue's mark symbol, and each asset from the venues
     * the oracle takes it from (WBETH: from the rate source and underlying the oracle trusts).
     */
    @Test
    void theAssetsVenuesAndRateSourceAreTheOnesTheServicesAreConfiguredWith() {
        YAMLMapper yaml = new YAMLMapper();
        JsonNode margin = yaml.readTree(Path.of("..", "margin-service", "src", "main", "resources",
                "application.yml").toFile()).at("/backstop/margin");
        Set<String> collateral = new TreeSet<>();
        margin.path("assets").propertyNames().forEach(collateral::add);
        assertThat(LoadPrices.all().assets()).containsExactlyInAnyOrderElementsOf(collateral);

        JsonNode catalogue = yaml.readTree(Path.of("..", "risk-markets", "src", "main", "resources",
                "backstop-markets.yml").toFile()).at("/backstop/markets/symbols");
        List<String> marks = new ArrayList<>();
        catalogue.propertyNames().forEach(marks::add);
        assertThat(LoadPrices.all().symbols()).containsAll(marks);

        JsonNode oracle = yaml.readTree(Path.of("..", "oracle-service", "src", "main", "resources",
                "application.yml").toFile()).at("/backstop/oracle/symbols");
        List<String> venues = new ArrayList<>();
        oracle.at("/BTC/venues").propertyNames().forEach(venues::add);
        assertThat(LoadPrices.VENUES).containsExactlyElementsOf(venues);
        for (String asset : LoadPrices.all().assets()) {
            assertThat(oracle.has(asset)).as(asset + " is an oracle symbol").isTrue();
        }
        for (String mark : marks) {
            String base = mark.replace("USDT", "");
            assertThat(oracle.at("/" + mark + "/index-from").asString()).isEqualTo(base);
            assertThat(oracle.at("/" + mark + "/perp/symbol").asString()).isEqualTo(mark + "-PERP");
            assertThat(oracle.at("/" + mark + "/perp/venues/0").asString()).isEqualTo(LoadPrices.PERP_VENUE);
        }
        JsonNode wrapped = oracle.at("/WBETH/wrapped");
        assertThat(wrapped.path("underlying").asString()).isEqualTo(LoadPrices.UNDERLYING);
        assertThat(wrapped.path("rate-source").asString()).isEqualTo(LoadPrices.RATE_SOURCE);
        // the replay's rate: a lower one from the load would cap the replay's for days (at most 15% a year up)
        Scenario.Market wbeth = Scenarios.load("oct-2025").markets().stream().filter(m -> m.symbol().equals("WBETH"))
                .findFirst().orElseThrow();
        assertThat(LoadPrices.RATE).isEqualByComparingTo(BigDecimal.valueOf(wbeth.rate()));
        assertThat(wbeth.rateSource()).isEqualTo(LoadPrices.RATE_SOURCE);
    }

    /** The one price of a symbol's ticks in a round (every venue quotes it alike), from their last trades. */
    private static BigDecimal one(List<VenueTickObserved> ticks) {
        Set<BigDecimal> distinct = ticks.stream().map(t -> t.last().stripTrailingZeros()).collect(Collectors.toSet());
        assertThat(distinct).hasSize(1);
        return distinct.iterator().next();
    }

    private static Map<String, BigDecimal> last(List<VenueTickObserved> ticks) {
        return ticks.stream().collect(Collectors.toMap(VenueTickObserved::symbol, VenueTickObserved::last,
                (a, b) -> a));
    }
}
