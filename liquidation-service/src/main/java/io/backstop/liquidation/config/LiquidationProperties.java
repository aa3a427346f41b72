package io.backstop.liquidation.config;

import io.backstop.liquidation.plan.LiquidationPolicy;
import java.math.BigDecimal;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** How liquidations run, under {@code backstop.liquidation}; see {@link LiquidationPolicy}. */
@ConfigurationProperties("backstop.liquidation")
public class LiquidationProperties {

    private final LiquidationPolicy defaults = LiquidationPolicy.defaults();
    private String settlementAsset = "USDT";
    /** Decimal places of fees in the settlement asset (rounded down: never more than the rate). */
    private int feeScale = 8;
    private BigDecimal buffer = defaults.buffer();
    private BigDecimal feeRate = defaults.feeRate();
    private BigDecimal minNotional = defaults.minNotional();
    private BigDecimal fullCloseBelow = defaults.fullCloseBelow();
    private BigDecimal sliceNotional = defaults.sliceNotional();
    private BigDecimal sliceFraction = defaults.sliceFraction();
    private Duration sliceCooldown = defaults.sliceCooldown();
    private int maxRounds = defaults.maxRounds();
    private Duration maxDuration = defaults.maxDuration();
    public Duration getMaxDuration() {
        return maxDuration;
    }

    public void setMaxDuration(Duration maxDuration) {
        this.maxDuration = maxDuration;
    }
    /** Feed events a slow SSE client may fall behind by before it is dropped (told to page the history). */
    private int feedClientBuffer = 10_000;
    /** Threads sending the feed to SSE clients. */
    private int feedSenders = 4;

    public int getFeedClientBuffer() {
        return feedClientBuffer;
    }

    public void setFeedClientBuffer(int feedClientBuffer) {
        this.feedClientBuffer = feedClientBuffer;
    }

    public int getFeedSenders() {
        return feedSenders;
    }

    public void setFeedSenders(int feedSenders) {
        this.feedSenders = feedSenders;
    }

    /**
     * How long an order may wait for the exchange's execution before liquidation-service asks the exchange what
     * became of it (and again every as long after that, until it answers).
     */
    private Duration orderTimeout = Duration.ofSeconds(30);

    public Duration getOrderTimeout() {
        return orderTimeout;
    }

    public void setOrderTimeout(Duration orderTimeout) {
        this.orderTimeout = orderTimeout;
    }

    /** Liquidation rounds the liquidator runs per transaction (the most urgent first). */
    private int batchSize = 200;

    public int getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("backstop.liquidation.batch-size must be at least 1, got " + batchSize);
        }
        this.batchSize = batchSize;
    }

    /**
     * Whether a poll takes the rounds it makes due (a margin call's first, an execution's next) of the liquidations
     * more urgent than anything waiting for the liquidator in its own transaction (one write of each fewer, no
     * hand-over); false queues every one.
     */
    private boolean roundsAtIntake = true;

    public boolean isRoundsAtIntake() {
        return roundsAtIntake;
    }

    public void setRoundsAtIntake(boolean roundsAtIntake) {
        this.roundsAtIntake = roundsAtIntake;
    }

    /** The validated policy; an invalid value fails the start with the property's name. */
    public LiquidationPolicy policy() {
        try {
            return new LiquidationPolicy(buffer, feeRate, minNotional, fullCloseBelow, sliceNotional, sliceFraction,
                    sliceCooldown, maxRounds, maxDuration);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Invalid liquidation configuration: backstop.liquidation."
                    + e.getMessage(), e);
        }
    }

    public String getSettlementAsset() {
        return settlementAsset;
    }

    public void setSettlementAsset(String settlementAsset) {
        this.settlementAsset = settlementAsset;
    }

    public int getFeeScale() {
        return feeScale;
    }

    public void setFeeScale(int feeScale) {
        this.feeScale = feeScale;
    }

    public BigDecimal getBuffer() {
        return buffer;
    }

    public void setBuffer(BigDecimal buffer) {
        this.buffer = buffer;
    }

    public BigDecimal getFeeRate() {
        return feeRate;
    }

    public void setFeeRate(BigDecimal feeRate) {
        this.feeRate = feeRate;
    }

    public BigDecimal getMinNotional() {
        return minNotional;
    }

    public void setMinNotional(BigDecimal minNotional) {
        this.minNotional = minNotional;
    }

    public BigDecimal getFullCloseBelow() {
        return fullCloseBelow;
    }

    public void setFullCloseBelow(BigDecimal fullCloseBelow) {
        this.fullCloseBelow = fullCloseBelow;
    }

    public BigDecimal getSliceNotional() {
        return sliceNotional;
    }

    public void setSliceNotional(BigDecimal sliceNotional) {
        this.sliceNotional = sliceNotional;
    }

    public BigDecimal getSliceFraction() {
        return sliceFraction;
    }

    public void setSliceFraction(BigDecimal sliceFraction) {
        this.sliceFraction = sliceFraction;
    }

    public Duration getSliceCooldown() {
        return sliceCooldown;
    }

    public void setSliceCooldown(Duration sliceCooldown) {
        this.sliceCooldown = sliceCooldown;
    }

    public int getMaxRounds() {
        return maxRounds;
    }

    public void setMaxRounds(int maxRounds) {
        this.maxRounds = maxRounds;
    }
}
