package io.backstop.lab.replay;

import java.util.List;
import java.util.Map;

/**
 * What a replay saw over simulated time, for the report's charts: the venues' prices against the
 * honest price and the oracle's index and mark, the insurance fund, ADL, and how long a liquidation
 * took from the price tick to its fill.
 *
 * @param prices  per asset (BTC, ETH, USDE, WBETH), one point every sampled simulated minute
 * @param fund    the insurance fund after each change the replay saw
 * @param adl     ADL executions (counterparty side) per simulated minute
 * @param latency end-to-end latency of liquidation fills per simulated minute
 * @param marks   moments every chart of the run marks (a chaos run's kills)
 */
public record Timeline(Map<String, List<PricePoint>> prices, List<FundPoint> fund, List<AdlMinute> adl,
                       List<LatencyPoint> latency, List<Mark> marks) {

    public Timeline {
        prices = Map.copyOf(prices);
        fund = List.copyOf(fund);
        adl = List.copyOf(adl);
        latency = List.copyOf(latency);
        marks = List.copyOf(marks);
    }

    public Timeline(Map<String, List<PricePoint>> prices, List<FundPoint> fund, List<AdlMinute> adl,
                    List<LatencyPoint> latency) {
        this(prices, fund, adl, latency, List.of());
    }

    /** This timeline with {@code marks} on every chart. */
    public Timeline withMarks(List<Mark> marks) {
        return new Timeline(prices, fund, adl, latency, marks);
    }

    /** A moment the charts mark with a vertical line: {@code label} at {@code minute} after T+0. */
    public record Mark(double minute, String label) {
    }

    public static Timeline empty() {
        return new Timeline(Map.of(), List.of(), List.of(), List.of());
    }

    /**
     * One sample of an asset's prices.
     *
     * @param venues each venue's last price (mid) at the sample
     * @param honest the world's honest price (what the asset is worth)
     * @param index  the oracle's index at the sample, null before its first
     * @param mark   the oracle's mark of the asset's perpetual (BTC → BTCUSDT), null where there is none
     */
    public record PricePoint(double minute, Map<String, Double> venues, double honest, Double index, Double mark) {
        public PricePoint {
            venues = Map.copyOf(venues);
        }
    }

    /** The fund of one group after a change: balance in USDT and coverage (balance ÷ open interest). */
    public record FundPoint(double minute, String group, double balance, double coverage) {
    }

    /** ADL in one simulated minute: counterparty positions reduced and their notional (USDT). */
    public record AdlMinute(int minute, long positions, double notional) {
    }

    /** Latency in milliseconds from the price tick to the liquidation fill, over the fills of one simulated minute. */
    public record LatencyPoint(int minute, long fills, double p50, double p99, double max) {
    }
}
