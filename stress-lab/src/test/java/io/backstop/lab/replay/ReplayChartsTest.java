package io.backstop.lab.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

class ReplayChartsTest {

    /** Samples every half minute from T+0 to T+180: 361 per series, fewer than the downsampling limit. */
    private static final int SAMPLES = 361;
    private static final Pattern SVG = Pattern.compile("<svg\\b.*?</svg>", Pattern.DOTALL);

    private final Timeline robust = SyntheticRuns.timeline(false, 0.5);
    private final Timeline naive = SyntheticRuns.timeline(true, 0.5);
    private final String page = ReplayReport.html("oct-2025", List.of("robust", "naive"),
            List.of(SyntheticRuns.result(false), SyntheticRuns.result(true)), List.of(robust, naive));

    @Test
    void eachChartDrawsEveryPointOfEachRun() {
        assertThat(dataPoints(section(page, "Liquidation fills per simulated minute")))
                .containsExactly(SyntheticRuns.liquidations(false).size(), SyntheticRuns.liquidations(true).size());
        int usde = 7 * SAMPLES + SAMPLES + (SAMPLES - 2); // venues, honest, index (none before T+1), no mark
        assertThat(dataPoints(section(page, "USDE: venue prices"))).containsExactly(usde, usde);
        int btc = 7 * SAMPLES + 3 * SAMPLES; // venues, honest, index, mark
        assertThat(dataPoints(section(page, "BTC: venue prices"))).containsExactly(btc, btc);
        assertThat(dataPoints(section(page, "WBETH: venue prices"))).containsExactly(3 * SAMPLES, 3 * SAMPLES);
        assertThat(dataPoints(section(page, "Insurance fund balance"))).containsExactly(7, 7);
        assertThat(dataPoints(section(page, "Insurance fund coverage"))).containsExactly(7, 7);
        assertThat(dataPoints(section(page, "ADL: positions reduced"))).containsExactly(3);
        assertThat(dataPoints(section(page, "ADL: notional reduced"))).containsExactly(3);
        assertThat(dataPoints(section(page, "Liquidation latency"))).containsExactly(3 * 180, 3 * 180);
    }

    @Test
    void dataPointsCountsTheVerticesAndBarsActuallyDrawn() throws Exception {
        for (String svg : svgs(page)) {
            Element root = parse(svg);
            int drawn = root.getElementsByTagName("rect").getLength();
            if (drawn == 0) {
                NodeList lines = root.getElementsByTagName("polyline");
                for (int i = 0; i < lines.getLength(); i++) {
                    drawn += vertices((Element) lines.item(i)).size();
                }
            }
            if (svg.contains("data-series=\"group ")) { // step lines draw two vertices per change, plus the end
                continue;
            }
            assertThat(Integer.parseInt(root.getAttribute("data-points"))).as(svg.substring(0, 200)).isEqualTo(drawn);
        }
    }

    @Test
    void everyVenueTheHonestPriceAndTheOraclesIndexAndMarkHaveALine() throws Exception {
        for (String asset : List.of("USDE", "BTC", "ETH")) {
            for (String svg : svgs(section(page, asset + ": venue prices"))) {
                List<String> series = series(parse(svg));
                for (String venue : SyntheticRuns.VENUES) {
                    assertThat(series).as(asset).contains("venue " + venue);
                }
                assertThat(series).as(asset).contains("honest", "index");
                if (asset.equals("USDE")) {
                    assertThat(series).doesNotContain("mark"); // USDe has no perpetual
                } else {
                    assertThat(series).contains("mark");
                }
            }
        }
        assertThat(section(page, "BTC: venue prices")).contains("oracle mark (perpetual)");
        assertThat(section(page, "USDE: venue prices")).contains("oracle index").doesNotContain("oracle mark");
    }

    @Test
    void theDislocatedVenueIsDrawnApartAndNamed() throws Exception {
        Element usde = parse(svgs(section(page, "USDE: venue prices")).get(0));
        double binanceLowest = lowest(usde, "venue binance");
        double okxLowest = lowest(usde, "venue okx");
        double honestLowest = lowest(usde, "honest");
        assertThat(binanceLowest - okxLowest).as("pixels between binance's low and okx's").isGreaterThan(100);
        assertThat(Math.abs(okxLowest - honestLowest)).isLessThan(10);
        assertThat(section(page, "USDE: venue prices")).contains(">binance</text>")
                .contains("Furthest venue: binance, 0.6500 at T+75 (-35.0% from honest)");
        // naive's index follows binance down; robust's stays with the honest price
        assertThat(lowest(usde, "index") - honestLowest).isLessThan(10);
        Element naiveUsde = parse(svgs(section(page, "USDE: venue prices")).get(1));
        assertThat(lowest(naiveUsde, "index")).isEqualTo(lowest(naiveUsde, "venue binance"));
    }

    @Test
    void aChaosRunsKillsAreMarkedOnEveryChartOfThatRunAtTheirMinuteAndOnNoneOfTheOther() throws Exception {
        Timeline killed = naive.withMarks(List.of(new Timeline.Mark(30, "kill margin-service"),
                new Timeline.Mark(95.5, "kill oracle-service")));
        String chaos = ReplayReport.html("chaos", List.of("clean", "with kills"),
                List.of(SyntheticRuns.result(false), SyntheticRuns.result(true)), List.of(robust, killed));
        Matcher figures = Pattern.compile("<figure><h3>([^<]*)</h3>(<svg\\b.*?</svg>)", Pattern.DOTALL).matcher(chaos);
        int charts = 0;
        while (figures.find()) {
            charts++;
            Element svg = parse(figures.group(2));
            NodeList marks = svg.getElementsByTagName("g");
            List<Element> kills = new ArrayList<>();
            for (int m = 0; m < marks.getLength(); m++) {
                Element g = (Element) marks.item(m);
                if ("mark".equals(g.getAttribute("class"))) {
                    kills.add(g);
                }
            }
            boolean withKills = figures.group(1).equals("with kills");
            assertThat(kills).as("marks in a chart of %s", figures.group(1)).hasSize(withKills ? 2 : 0);
            if (withKills) {
                assertThat(kills.get(0).getTextContent()).contains("kill margin-service", "T+30.0 min");
                assertThat(kills.get(1).getTextContent()).contains("kill oracle-service", "T+95.5 min");
                double x30 = Double.parseDouble(((Element) kills.get(0).getElementsByTagName("line").item(0))
                        .getAttribute("x1"));
                double x95 = Double.parseDouble(((Element) kills.get(1).getElementsByTagName("line").item(0))
                        .getAttribute("x1"));
                assertThat(x95).as("the later kill further right").isGreaterThan(x30 + 50);
            }
        }
        assertThat(charts).as("charts drawn").isGreaterThan(8);
    }

    @Test
    void theRunsOfOneChartShareTheirAxes() throws Exception {
        Timeline calm = new Timeline(Map.of("USDE", List.of(usde(0, 1.0, 1.0), usde(180, 1.0, 1.0))), List.of(),
                List.of(), List.of());
        Timeline dislocated = new Timeline(Map.of("USDE", List.of(usde(0, 1.0, 1.0), usde(100, 0.65, 1.0))),
                List.of(), List.of(), List.of());
        List<String> svgs = svgs(section(ReplayCharts.charts(List.of("calm", "dislocated"), List.of(calm, dislocated),
                List.of(Map.of(), Map.of())), "USDE: venue prices"));
        List<String> calmTicks = ticks(parse(svgs.get(0)));
        assertThat(calmTicks).isEqualTo(ticks(parse(svgs.get(1))));
        // the calm run's axis reaches down to the other's low
        assertThat(calmTicks).containsExactly("0.6", "0.7", "0.8", "0.9", "1.0", "1.1",
                "T+0", "T+30", "T+60", "T+90", "T+120", "T+150", "T+180");
    }

    @Test
    void anEmptySeriesSaysSoInsteadOfDrawingAnEmptyChart() {
        String adl = section(page, "ADL: positions reduced");
        assertThat(adl).contains("<h3>robust</h3><p class=\"empty\">no ADL executions in this run</p>");
        assertThat(svgs(adl)).hasSize(1);

        Timeline pricesOnly = new Timeline(Map.of("USDE", List.of(usde(0, 1.0, 1.0))), List.of(), List.of(), List.of());
        String charts = ReplayCharts.charts("quiet", pricesOnly, Map.of());
        assertThat(charts).contains("no liquidation fills in this run",
                "no insurance fund changes recorded in this run", "no ADL executions in this run",
                "no liquidation latency recorded in this run");
        assertThat(svgs(charts)).hasSize(1); // only USDE's prices
        assertThat(charts).contains("data-points=\"2\""); // its venue and honest price; no index yet
    }

    @Test
    void withoutTimelinesThePageShowsTheTableAndTheLiquidationsOnly() {
        List<Replay.Result> results = List.of(SyntheticRuns.result(false), SyntheticRuns.result(true));
        String page = ReplayReport.html("oct-2025", List.of("robust", "naive"), results);
        assertThat(svgs(page)).hasSize(2);
        assertThat(page).contains("No timeline was recorded").doesNotContain("ADL: positions reduced");
        assertThat(page).contains("wrongful liquidations", "<strong>Amplification</strong>");
    }

    @Test
    void wideLatencyRangesAreDrawnOnALogScaleThatSaysSo() throws Exception {
        String wide = section(page, "Liquidation latency"); // 12 ms to over 3 s
        assertThat(wide).contains("latency (ms, log scale)", "logarithmic");
        assertThat(ticks(parse(svgs(wide).get(0)))).contains("10", "100", "1,000");

        Timeline narrow = new Timeline(Map.of(), List.of(), List.of(),
                List.of(new Timeline.LatencyPoint(3, 10, 20, 40, 60), new Timeline.LatencyPoint(4, 10, 25, 50, 70)));
        String linear = section(ReplayCharts.charts("narrow", narrow, Map.of(3, 10L)), "Liquidation latency");
        assertThat(linear).contains("latency (ms)").doesNotContain("log scale");
        assertThat(ticks(parse(svgs(linear).get(0)))).contains("0", "20", "80");
    }

    @Test
    void everyChartIsWellFormedXmlAndTextIsEscaped() throws Exception {
        Timeline odd = new Timeline(Map.of("A<B", List.of(new Timeline.PricePoint(1, Map.of("x&y", 2.0, "q\"t", 1.0),
                1.0, 1.0, null))), List.of(new Timeline.FundPoint(1, "<alts>", 10, 0.1)), List.of(), List.of());
        String charts = ReplayCharts.charts("robust <&> 'quoted'", odd, Map.of(1, 1L));
        assertThat(charts).doesNotContain("<&>", "A<B", "x&y", "<alts>")
                .contains("robust &lt;&amp;&gt; &#39;quoted&#39;", "A&lt;B", "x&amp;y", "q&quot;t", "&lt;alts&gt;");
        assertThat(svgs(charts)).hasSize(4); // liquidations, A<B's prices, fund balance and coverage
        for (String svg : svgs(charts)) {
            parse(svg);
        }
        for (String svg : svgs(page)) {
            Element root = parse(svg);
            assertThat(root.getAttribute("class")).isEqualTo("chart");
            assertThat(Integer.parseInt(root.getAttribute("data-points"))).isPositive();
        }
        assertThat(svgs(page)).hasSize(2 + 4 * 2 + 2 + 2 + 1 + 1 + 2);
        assertThat(ReplayReport.html("Backstop & <friends>", List.of(), List.of(), List.of()))
                .contains("<title>Backstop &amp; &lt;friends&gt;</title>");
    }

    @Test
    void longSeriesAreDownsampledKeepingTheirEndsAndExtremes() {
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            points.add(new double[] {i * 0.25, i == 537 ? -5 : i == 200 ? 5 : Math.sin(i / 30.0)});
        }
        List<double[]> kept = ReplayCharts.downsample(points, 400);
        assertThat(kept).hasSizeLessThanOrEqualTo(400).hasSizeGreaterThan(300);
        assertThat(kept.get(0)).isSameAs(points.get(0));
        assertThat(kept.get(kept.size() - 1)).isSameAs(points.get(999));
        assertThat(kept).contains(points.get(537), points.get(200));
        for (int i = 1; i < kept.size(); i++) {
            assertThat(kept.get(i)[0]).isGreaterThan(kept.get(i - 1)[0]);
        }
        assertThat(ReplayCharts.downsample(points.subList(0, 400), 400)).hasSize(400);
    }

    @Test
    void writesASamplePageWithinTheSizeBudget() throws Exception {
        Path written = SyntheticRuns.write(Path.of("target", "sample-report"), 0.375); // 481 samples per series
        String sample = Files.readString(written);
        for (String svg : svgs(section(sample, "USDE: venue prices"))) {
            NodeList lines = parse(svg).getElementsByTagName("polyline");
            assertThat(lines.getLength()).isEqualTo(9);
            for (int i = 0; i < lines.getLength(); i++) {
                assertThat(vertices((Element) lines.item(i))).hasSizeLessThanOrEqualTo(400);
            }
        }
        assertThat(sample.length()).isLessThan(1_500_000);
    }

    @Test
    void oneLabelTimelineAndCountPerRun() {
        assertThatThrownBy(() -> ReplayReport.html("x", List.of("robust", "naive"),
                List.of(SyntheticRuns.result(false), SyntheticRuns.result(true)), List.of(robust)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- helpers

    private static Timeline.PricePoint usde(double minute, double binance, double honest) {
        return new Timeline.PricePoint(minute, Map.of("binance", binance), honest, null, null);
    }

    /** The section whose title starts with {@code title}. */
    private static String section(String html, String title) {
        int start = html.indexOf("<section><h2>" + title);
        assertThat(start).as("section " + title).isNotNegative();
        return html.substring(start, html.indexOf("</section>", start));
    }

    private static List<String> svgs(String html) {
        List<String> svgs = new ArrayList<>();
        Matcher m = SVG.matcher(html);
        while (m.find()) {
            svgs.add(m.group());
        }
        return svgs;
    }

    private static List<Integer> dataPoints(String html) {
        return svgs(html).stream().map(svg -> {
            Matcher m = Pattern.compile("^<svg[^>]* data-points=\"(\\d+)\"").matcher(svg);
            assertThat(m.find()).isTrue();
            return Integer.parseInt(m.group(1));
        }).toList();
    }

    private static Element parse(String svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new InputSource(new StringReader(svg))).getDocumentElement();
    }

    private static List<String> series(Element svg) {
        List<String> series = new ArrayList<>();
        NodeList lines = svg.getElementsByTagName("polyline");
        for (int i = 0; i < lines.getLength(); i++) {
            series.add(((Element) lines.item(i)).getAttribute("data-series"));
        }
        return series;
    }

    private static List<double[]> vertices(Element polyline) {
        return Arrays.stream(polyline.getAttribute("points").trim().split("\\s+"))
                .map(p -> Arrays.stream(p.split(",")).mapToDouble(Double::parseDouble).toArray()).toList();
    }

    /** The largest y (lowest on screen) of a series' vertices. */
    private static double lowest(Element svg, String series) {
        NodeList lines = svg.getElementsByTagName("polyline");
        for (int i = 0; i < lines.getLength(); i++) {
            Element line = (Element) lines.item(i);
            if (line.getAttribute("data-series").equals(series)) {
                return vertices(line).stream().mapToDouble(v -> v[1]).max().orElseThrow();
            }
        }
        throw new AssertionError("no series " + series);
    }

    /** The labels of the axes' ticks: anchored texts that are not axis titles or notes. */
    private static List<String> ticks(Element svg) {
        List<String> texts = new ArrayList<>();
        NodeList nodes = svg.getElementsByTagName("text");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element text = (Element) nodes.item(i);
            if (text.hasAttribute("text-anchor") && !text.hasAttribute("class")) {
                texts.add(text.getTextContent());
            }
        }
        return texts;
    }
}
