package io.backstop.oracle.pricing;

/**
 * Receives the prices to publish, in sequence order per symbol. Called while the symbol's pricer
 * holds its lock: implementations must only hand the price on (a queue), never block.
 */
@FunctionalInterface
public interface PriceSink {
    void publish(PriceSnapshot price);
}
