package io.backstop.margin.config;

import io.backstop.events.json.EventJson;
import io.backstop.margin.persistence.AccountCopy;
import io.backstop.margin.persistence.AccountRepository;
import io.backstop.margin.persistence.AccountSeeding;
import io.backstop.margin.risk.RiskCalculator;
import io.backstop.margin.seed.SeedPopulation;
import io.backstop.markets.MarketsProperties;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * margin-service's command-line mode {@code seed} ({@code java -jar margin-service.jar seed --accounts N ...}, run
 * by {@code ./backstop seed}): writes a synthetic account base into margin's store by its bulk path
 * ({@link AccountSeeding}). It reads the service's own configuration (application.yml and the market catalogue, so
 * the accounts are valued as the service values them) and starts nothing else: no web server, no consumer.
 * Exit 0 when seeded, 2 for bad input, seeded accounts present without --replace/--resume, or no database.
 */
public final class SeedCommand {

    static final String USAGE = """
            Usage: java -jar margin-service.jar seed [--accounts N] [--positions M] [--seed S] [--replace | --resume]
                   [--price SYMBOL=USDT]... [--chunk ROWS] [--partitions P] [--jdbc-url URL] [--user U] [--password P]
              --accounts    accounts to seed (default 1600000)
              --positions   positions over all of them, at least one per account (default 5000000)
              --seed        the generator's seed: the same seed, the same rows (default 1)
              --replace     replace the seeded accounts stored already (at a higher version)
              --resume      add the accounts an interrupted seed of the same options did not write
              --price       a reference price (default: the oct-2025 scenario's opening prices; WBETH follows ETH
                            x 1.0812, the oracle's way, unless given)
              --chunk       accounts per transaction (default 20000)
              --partitions  partitions of the account topics (default BACKSTOP_KAFKA_PARTITIONS, else 6)
              --jdbc-url, --user, --password: margin's database (default SPRING_DATASOURCE_URL, _USERNAME, _PASSWORD)
              --schema      margin's schema (default backstop.db.schema)
            """;

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({MarginProperties.class, MarketsProperties.class})
    static class Settings {
    }

    private SeedCommand() {
    }

    /** Runs the command; returns the exit code. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Map<String, String> options = new HashMap<>();
        Map<String, BigDecimal> priceOverrides = new HashMap<>();
        AccountSeeding.Mode mode = AccountSeeding.Mode.NEW;
        long accounts;
        long positions;
        long seed;
        int chunk;
        int partitions;
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "-h", "--help" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    case "--replace" -> mode = mode == AccountSeeding.Mode.RESUME ? conflict() : AccountSeeding.Mode.REPLACE;
                    case "--resume" -> mode = mode == AccountSeeding.Mode.REPLACE ? conflict() : AccountSeeding.Mode.RESUME;
                    case "--price" -> {
                        String[] price = value(args, ++i, arg).split("=", 2);
                        if (price.length != 2) {
                            throw new IllegalArgumentException("--price takes SYMBOL=USDT, e.g. BTC=121000");
                        }
                        priceOverrides.put(price[0].toUpperCase(Locale.ROOT), number(price[1], "--price " + price[0]));
                    }
                    case "--accounts", "--positions", "--seed", "--chunk", "--partitions", "--jdbc-url", "--user",
                         "--password", "--schema" -> options.put(arg, value(args, ++i, arg));
                    default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
                }
            }
            accounts = longOption(options, "--accounts", 1_600_000);
            positions = longOption(options, "--positions", 5_000_000);
            seed = longOption(options, "--seed", 1);
            chunk = (int) longOption(options, "--chunk", 20_000);
            partitions = (int) longOption(options, "--partitions",
                    Long.parseLong(env.getOrDefault("BACKSTOP_KAFKA_PARTITIONS", "6")));
            if (chunk < 1 || partitions < 1) {
                throw new IllegalArgumentException("--chunk and --partitions must be positive");
            }
        } catch (IllegalArgumentException e) {
            err.println("seed: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        String url = options.getOrDefault("--jdbc-url", env.get("SPRING_DATASOURCE_URL"));
        if (url == null) {
            err.println("seed: no database: give --jdbc-url or SPRING_DATASOURCE_URL");
            return 2;
        }
        Shipped shipped = shipped();
        RiskCalculator calculator = shipped.calculator();
        String settlement = shipped.settlementAsset();
        SeedPopulation population;
        try {
            population = new SeedPopulation(new SeedPopulation.Spec(accounts, positions, seed,
                    SeedPopulation.referencePrices(priceOverrides)), calculator,
                    settlement);
        } catch (IllegalArgumentException e) {
            err.println("seed: " + e.getMessage());
            return 2;
        }
        EventJson json = new EventJson();
        AccountCopy copy = new AccountCopy(new AccountRepository(null, json, settlement), json);
        String schema = options.getOrDefault("--schema", shipped.schema());
        Connection connection;
        try {
            connection = DriverManager.getConnection(url, options.getOrDefault("--user",
                    env.getOrDefault("SPRING_DATASOURCE_USERNAME", "")), options.getOrDefault("--password",
                    env.getOrDefault("SPRING_DATASOURCE_PASSWORD", "")));
        } catch (SQLException e) {
            err.println("seed: cannot reach margin's database at " + url + ": " + e.getMessage()
                    + " (is the platform up? ./backstop up)");
            return 2;
        }
        try (connection) {
            connection.setSchema(schema);
            out.printf("Seeding %,d accounts with %,d positions (seed %d) into %s, schema %s, %d partitions,"
                    + " %,d accounts per transaction%n", accounts, positions, seed, url, schema, partitions, chunk);
            AccountSeeding.Result result = new AccountSeeding(population, copy, partitions, chunk,
                    Clock.systemUTC(), out, Duration.ofSeconds(3)).run(connection, mode);
            out.printf("Seeded %,d accounts with %,d positions at version %d in %.1f s (%,d present skipped, %,d"
                            + " beyond the count deleted); their %,d positions snapshots are in the outbox%s%n",
                    result.accounts(), result.positions(), result.version(), result.took().toMillis() / 1000.0,
                    result.skipped(), result.deleted(), result.accounts(), result.deleted() == 0 ? ""
                            : String.format(", and %,d holding nothing for the deleted ones", result.deleted()));
            return 0;
        } catch (AccountSeeding.AlreadySeeded e) {
            err.println("seed: " + e.getMessage());
            return 2;
        } catch (SQLException e) {
            err.println("seed: the database refused a chunk (rolled back; the chunks before it are stored,"
                    + " --resume completes them): " + e.getMessage());
            return 1;
        }
    }

    /**
     * What the service is configured with (its application.yml, the market catalogue, the environment's
     * overrides), read as the service reads it.
     *
     * @param schema margin's PostgreSQL schema ({@code backstop.db.schema})
     */
    public record Shipped(RiskCalculator calculator, String settlementAsset, String schema) {
    }

    public static Shipped shipped() {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Settings.class)
                .web(WebApplicationType.NONE).bannerMode(Banner.Mode.OFF).logStartupInfo(false)
                .properties("logging.level.root=WARN").run()) {
            MarginProperties margin = context.getBean(MarginProperties.class);
            MarketsProperties markets = context.getBean(MarketsProperties.class);
            return new Shipped(new RiskCalculator(margin.assetSpecs(), margin.instrumentSpecs(markets.markets())),
                    margin.getSettlementAsset().toUpperCase(Locale.ROOT),
                    context.getEnvironment().getProperty("backstop.db.schema", "margin"));
        }
    }

    private static AccountSeeding.Mode conflict() {
        throw new IllegalArgumentException("--replace and --resume exclude each other");
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static long longOption(Map<String, String> options, String name, long fallback) {
        String value = options.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value.replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + value + "'");
        }
    }

    private static BigDecimal number(String value, String what) {
        try {
            return new BigDecimal(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a number, got '" + value + "'");
        }
    }
}
