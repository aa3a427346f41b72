package io.backstop.margin.seed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.EventEnvelope;
import io.backstop.events.json.EventJson;
import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.margin.account.Account;
import io.backstop.margin.account.Position;
import io.backstop.margin.config.SeedCommand;
import io.backstop.margin.persistence.AccountRepository;
import io.backstop.margin.risk.AccountRisk;
import io.backstop.margin.risk.InstrumentSpec;
import io.backstop.margin.risk.RiskCalculator;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The seeded account base, over the shipped configuration (margin's application.yml and the market catalogue). */
class SeedPopulationTest {

    private static RiskCalculator calculator;
    private static String settlement;
    private static final EventJson JSON = new EventJson();

    @BeforeAll
    static void shipped() {
        SeedCommand.Shipped shipped = SeedCommand.shipped();
        calculator = shipped.calculator();
        settlement = shipped.settlementAsset();
    }

    private static SeedPopulation population(long accounts, long positions, long seed) {
        return new SeedPopulation(new SeedPopulation.Spec(accounts, positions, seed, SeedPopulation.REFERENCE_PRICES),
                calculator, settlement);
    }

    private static String document(Account account) {
        return new AccountRepository(null, JSON, settlement).document(account);
    }

    @Test
    void theSameSeedGivesTheSameAccountsAndAnotherSeedOthers() {
        SeedPopulation one = population(2_000, 6_000, 7);
        SeedPopulation again = population(2_000, 6_000, 7);
        SeedPopulation other = population(2_000, 6_000, 8);

        for (long i = 0; i < 2_000; i += 97) {
            assertThat(document(again.account(i, 1))).isEqualTo(document(one.account(i, 1)));
            assertThat(JSON.encode(again.snapshot(again.account(i, 1), Instant.EPOCH)))
                    .isEqualTo(JSON.encode(one.snapshot(one.account(i, 1), Instant.EPOCH)));
        }
        long differ = LongStream.range(0, 100)
                .filter(i -> !document(other.account(i, 1)).equals(document(one.account(i, 1)))).count();
        assertThat(differ).isEqualTo(100);
    }

    @Test
    void anAccountDependsOnlyOnTheSeedAndItsIndexSoAChunkCanBeGeneratedAlone() {
        SeedPopulation population = population(10_000, 31_250, 3);
        String late = document(population.account(9_876, 1));
        for (long i = 0; i < 5_000; i++) {
            population.account(i, 1);
        }
        assertThat(document(population.account(9_876, 1))).isEqualTo(late);
        assertThat(population.account(9_876, 1).id()).isEqualTo("seed-000009876");
    }

    @Test
    void thePositionsAddUpExactlyToTheTotalAndEveryAccountHoldsOne() {
        SeedPopulation population = population(16_000, 50_000, 1);

        long total = 0;
        Map<Integer, Integer> perAccount = new TreeMap<>();
        for (long i = 0; i < 16_000; i++) {
            Account account = population.account(i, 1);
            assertThat(account.positions()).hasSize(population.positionsOf(i));
            perAccount.merge(account.positions().size(), 1, Integer::sum);
            total += account.positions().size();
        }
        assertThat(total).isEqualTo(50_000);
        assertThat(perAccount.keySet()).containsExactly(3, 4); // 3.125 a account on average
    }

    @Test
    void everyScopeIsWellAboveMaintenanceAtTheReferencePrices() {
        SeedPopulation population = population(20_000, 62_500, 11);

        for (long i = 0; i < 20_000; i++) {
            Account account = population.account(i, 1);
            AccountRisk risk = calculator.assess(account, population.prices());
            assertThat(risk.missing()).isEmpty();
            // cross: maintenance under half the equity (the alert ratio is 0.8)
            assertThat(risk.maintenanceMargin())
                    .isLessThanOrEqualTo(risk.equity().multiply(SeedPopulation.MAX_MAINTENANCE_SHARE));
            for (AccountRisk.PositionLine line : risk.positions()) {
                if (line.isolated()) {
                    assertThat(line.maintenanceMargin())
                            .isLessThanOrEqualTo(line.isolatedEquity().multiply(SeedPopulation.MAX_MAINTENANCE_SHARE));
                }
            }
            account.balances().values().forEach(b -> assertThat(b).isPositive());
        }
    }

    @Test
    void theMixHasTheShapeItPromises() {
        int n = 20_000;
        SeedPopulation population = population(n, 62_500, 5);
        Map<String, Integer> positionsByMarket = new HashMap<>();
        Map<String, Integer> accountsByCollateral = new HashMap<>();
        Map<Long, Integer> byLeverage = new TreeMap<>();
        int isolated = 0;
        int longs = 0;
        int positions = 0;
        for (long i = 0; i < n; i++) {
            Account account = population.account(i, 1);
            account.balances().keySet().forEach(a -> accountsByCollateral.merge(a, 1, Integer::sum));
            BigDecimal notional = BigDecimal.ZERO;
            BigDecimal margin = BigDecimal.ZERO;
            AccountRisk risk = calculator.assess(account, population.prices());
            for (Position p : account.positions().values()) {
                positions++;
                positionsByMarket.merge(p.symbol(), 1, Integer::sum);
                isolated += p.isolated() ? 1 : 0;
                longs += p.size().signum() > 0 ? 1 : 0;
            }
            for (AccountRisk.PositionLine line : risk.positions()) {
                notional = notional.add(line.notional());
            }
            margin = margin.add(risk.walletBalance());
            for (Position p : account.positions().values()) {
                margin = margin.add(p.isolatedMargin());
            }
            // the leverage bucket, as notional over what backs it (margin is 5% above notional/leverage, plus 2%)
            long leverage = Math.round(notional.divide(margin, MathContext.DECIMAL64).doubleValue() * 1.1);
            byLeverage.merge(leverage, 1, Integer::sum);
        }
        assertThat(positionsByMarket.keySet()).containsExactlyInAnyOrderElementsOf(
                calculator.instruments().stream().map(InstrumentSpec::symbol).toList());
        assertThat(positionsByMarket.get("BTCUSDT")).isGreaterThan(positionsByMarket.get("SOLUSDT"));
        assertThat((double) isolated / positions).isBetween(0.17, 0.23);
        assertThat((double) longs / positions).isBetween(0.52, 0.58);
        assertThat(accountsByCollateral.keySet()).contains("USDT", "USDC", "BTC", "ETH", "USDE", "SOL", "BNB", "WBETH");
        assertThat((double) accountsByCollateral.get("USDT") / n).isBetween(0.5, 0.75);
        // four leverage buckets, each present, none dominant, the highest 5x
        assertThat(byLeverage.keySet().stream().mapToLong(Long::longValue).max().orElseThrow()).isLessThanOrEqualTo(5);
        assertThat(byLeverage.values()).allSatisfy(count -> assertThat((double) count / n).isLessThan(0.5));
        assertThat(byLeverage.keySet()).hasSizeGreaterThanOrEqualTo(4);
    }

    @Test
    void theSnapshotIsTheAccountValuedAtTheReferencePricesWithAnIdFromItsIdAndVersion() {
        SeedPopulation population = population(10, 30, 1);
        Account account = population.account(3, 4);

        EventEnvelope<?> snapshot = population.snapshot(account, Instant.parse("2026-12-04T00:00:00Z"));

        assertThat(snapshot.sequence()).isEqualTo(4);
        assertThat(snapshot.key()).isEqualTo("seed-000000003");
        AccountPositionsSnapshotted payload = (AccountPositionsSnapshotted) snapshot.payload();
        assertThat(payload.positions()).hasSize(account.positions().size());
        assertThat(payload.equity()).isPositive();
        assertThat(population.snapshot(account, Instant.EPOCH).eventId()).isEqualTo(snapshot.eventId());
        assertThat(population.snapshot(population.account(3, 5), Instant.EPOCH).eventId())
                .isNotEqualTo(snapshot.eventId());
    }

    @Test
    void badCountsAndMissingPricesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> population(-1, 10, 1)).hasMessageContaining("--accounts");
        assertThatThrownBy(() -> population(0, 10, 1)).hasMessageContaining("--accounts");
        assertThatThrownBy(() -> population(10, 9, 1)).hasMessageContaining("at least --accounts");
        int markets = calculator.instruments().size();
        assertThatThrownBy(() -> population(10, 10L * markets + 1, 1)).hasMessageContaining("at most " + markets);
        Map<String, BigDecimal> prices = new HashMap<>(SeedPopulation.REFERENCE_PRICES);
        prices.remove("SOLUSDT");
        assertThatThrownBy(() -> new SeedPopulation(new SeedPopulation.Spec(10, 10, 1, prices), calculator, settlement))
                .hasMessageContaining("no reference price for [SOLUSDT]");
        prices.put("SOLUSDT", new BigDecimal("-1"));
        assertThatThrownBy(() -> new SeedPopulation(new SeedPopulation.Spec(10, 10, 1, prices), calculator, settlement))
                .hasMessageContaining("SOLUSDT must be positive");
        assertThat(List.of(population(10, 10, 1).account(0, 1).positions().size())).containsExactly(1);
    }

    @Test
    void wbethIsValuedAsTheOracleValuesItEthTimesItsStakingRateAndFollowsAnOverriddenEth() {
        assertThat(SeedPopulation.REFERENCE_PRICES.get("WBETH"))
                .isEqualByComparingTo(SeedPopulation.REFERENCE_PRICES.get("ETH").multiply(new BigDecimal("1.0812")))
                .isEqualByComparingTo("4703.22");
        assertThat(SeedPopulation.referencePrices(Map.of()).get("WBETH")).isEqualByComparingTo("4703.22");
        Map<String, BigDecimal> ethMoved = SeedPopulation.referencePrices(Map.of("ETH", new BigDecimal("4000")));
        assertThat(ethMoved.get("ETH")).isEqualByComparingTo("4000");
        assertThat(ethMoved.get("WBETH")).isEqualByComparingTo("4324.80");
        assertThat(ethMoved.get("ETHUSDT")).as("the perpetual's mark is its own symbol").isEqualByComparingTo("4350");
        Map<String, BigDecimal> both = SeedPopulation.referencePrices(Map.of("ETH", new BigDecimal("4000"), "WBETH",
                new BigDecimal("4100")));
        assertThat(both.get("WBETH")).as("given, it is taken as given").isEqualByComparingTo("4100");
    }
}
