package io.backstop.lab.replay;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Made-up timelines shaped like oct-2025 for the report's tests and for a sample page to look at in a
 * browser: USDe sold to 0.65 on binance only from T+75, wBETH 20% below ETH × rate from T+80 to T+140,
 * BTC and ETH falling, a fund paying out, ADL in minutes 80–82 of the naive run only.
 */
final class SyntheticRuns {

    static final List<String> VENUES = List.of("binance", "okx", "bybit", "coinbase", "kraken", "bitget", "gate");
    static final double WBETH_RATE = 1.0812;

    private SyntheticRuns() {
    }

    /** Writes the sample report (robust vs naive) to {@code <dir>/index.html}, by default target/sample-report. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "target/sample-report");
        System.out.println(write(dir, 0.375));
    }

    static Path write(Path dir, double step) throws Exception {
        Files.createDirectories(dir);
        Path page = dir.resolve("index.html");
        Files.writeString(page, ReplayReport.html("Backstop: oct-2025 (synthetic sample), robust vs naive oracle",
                List.of("robust", "naive"), List.of(result(false), result(true)),
                List.of(timeline(false, step), timeline(true, step))));
        return page;
    }

    static Replay.Result result(boolean naive) {
        return new Replay.Result("oct-2025", 300, naive ? 212 : 167, naive ? 190 : 153, naive ? 67 : 0,
                new BigDecimal(naive ? "1200000000" : "0"), new BigDecimal("60000000"), new BigDecimal("6934843.2"),
                262, 35, 0, naive ? 9 : 0, new BigDecimal(naive ? "296368" : "0"), naive ? 2 : 0, BigDecimal.ZERO,
                naive ? 0.35 : 0.0011, naive ? "USDE" : "BTC", 81, 122, liquidations(naive), true, "{}",
                new Replay.Outcomes(167, 0, 0, 0), new Replay.Liveness(300, 0, 0, List.of()), Timeline.empty(), new Replay.Latency(153, 300, 1100, 1400, 8, 40,
                80, 90), new Replay.Money(new BigDecimal("1000"), BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO,
                BigDecimal.ZERO, new BigDecimal("1000"), new BigDecimal("1000"), 300, List.of(), BigDecimal.ZERO,
                Map.of()), 0.84, ReplayReportTest.queries(), 2, 0, List.of(),
                ReplayReportTest.decisions(), ReplayReportTest.shape(), ReplayReportTest.performance());
    }

    /** Fills per minute: the shock's first hour, the cascade peaking in the second, more of it when naive. */
    static Map<Integer, Long> liquidations(boolean naive) {
        Map<Integer, Long> perMinute = new TreeMap<>();
        for (int m = 0; m < 180; m++) {
            double n = 4 * Math.exp(-m / 25.0) + 9 * Math.exp(-Math.pow((m - 95) / 20.0, 2))
                    + (naive && m >= 75 && m < 90 ? 15 : 0);
            if (Math.round(n) > 0) {
                perMinute.put(m, Math.round(n));
            }
        }
        return perMinute;
    }

    /** One price sample every {@code step} simulated minutes from T+0 to T+180. */
    static Timeline timeline(boolean naive, double step) {
        Random random = new Random(naive ? 2 : 1);
        Map<String, List<Timeline.PricePoint>> prices = new LinkedHashMap<>();
        for (String asset : List.of("BTC", "ETH", "USDE", "WBETH")) {
            prices.put(asset, new ArrayList<>());
        }
        double btcMark = 121000;
        double ethMark = 4350;
        for (int i = 0; i * step <= 180; i++) {
            double m = i * step;
            double btc = 121000 * path(m, new double[][] {{0, 1}, {30, 0.96}, {60, 0.93}, {120, 0.86}, {180, 0.89}});
            double eth = 4350 * path(m, new double[][] {{0, 1}, {60, 0.9}, {120, 0.82}, {180, 0.85}});
            btcMark += (btc - btcMark) * 0.2;
            ethMark += (eth - ethMark) * 0.2;
            prices.get("BTC").add(point(m, venues(btc, 0.001, random, null), btc,
                    btc * (1 + 2e-4 * random.nextGaussian()), btcMark));
            prices.get("ETH").add(point(m, venues(eth, 0.0015, random, null), eth, eth, ethMark));

            double binance = m < 75 ? 1 : m < 135 ? 0.65 + 0.35 * (m - 75) / 60 : 1;
            Map<String, Double> usde = venues(1, 0.0005, random, binance);
            prices.get("USDE").add(point(m, usde, 1, m < 1 ? null : naive ? binance : 1 + 1e-4 * random.nextGaussian(),
                    null));

            double honestWbeth = eth * WBETH_RATE;
            double discount = path(m, new double[][] {{0, 0}, {70, 0}, {80, 0.2}, {140, 0.2}, {200, 0.03}});
            double wbeth = honestWbeth * (1 - discount);
            prices.get("WBETH").add(point(m, Map.of("binance", wbeth), honestWbeth, naive ? wbeth : honestWbeth, null));
        }
        List<Timeline.FundPoint> fund = new ArrayList<>();
        double majors = 1_000_000;
        fund.add(new Timeline.FundPoint(0, "majors", majors, majors / 40_000_000));
        fund.add(new Timeline.FundPoint(0, "alts", 250_000, 250_000 / 5_000_000.0));
        for (int m = 60; m <= 100; m += 10) {
            majors -= naive ? 12_500 : 5_000;
            fund.add(new Timeline.FundPoint(m, "majors", majors, majors / (40_000_000 - 100_000.0 * m)));
        }
        List<Timeline.AdlMinute> adl = naive
                ? List.of(new Timeline.AdlMinute(80, 3, 120_000), new Timeline.AdlMinute(81, 5, 150_000),
                        new Timeline.AdlMinute(82, 1, 26_368))
                : List.of();
        List<Timeline.LatencyPoint> latency = new ArrayList<>();
        for (int m = 0; m < 180; m += 1) {
            double load = Math.exp(-Math.pow((m - 95) / 20.0, 2)) + (naive && m >= 75 && m < 90 ? 1 : 0);
            latency.add(new Timeline.LatencyPoint(m, 5 + Math.round(20 * load), 12 + 30 * load, 60 + 900 * load,
                    90 + 3500 * load * (1 + random.nextDouble())));
        }
        return new Timeline(prices, fund, adl, latency);
    }

    private static Timeline.PricePoint point(double minute, Map<String, Double> venues, double honest, Double index,
                                             Double mark) {
        return new Timeline.PricePoint(minute, venues, honest, index, mark);
    }

    /** Every venue near {@code price}; binance at {@code binance} when given. */
    private static Map<String, Double> venues(double price, double noise, Random random, Double binance) {
        Map<String, Double> venues = new LinkedHashMap<>();
        for (String venue : VENUES) {
            venues.put(venue, venue.equals("binance") && binance != null ? binance
                    : price * (1 + noise * random.nextGaussian()));
        }
        return venues;
    }

    /** Linear between the given (minute, value) knots, flat beyond them. */
    private static double path(double minute, double[][] knots) {
        for (int i = 1; i < knots.length; i++) {
            if (minute <= knots[i][0]) {
                double f = (minute - knots[i - 1][0]) / (knots[i][0] - knots[i - 1][0]);
                return knots[i - 1][1] + Math.max(0, f) * (knots[i][1] - knots[i - 1][1]);
            }
        }
        return knots[knots.length - 1][1];
    }
}
