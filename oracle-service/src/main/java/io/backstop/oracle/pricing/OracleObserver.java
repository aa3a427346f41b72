package io.backstop.oracle.pricing;

/** What the pricing core reports for metrics; implemented by an adapter, no-op in tests. */
public interface OracleObserver {

    OracleObserver NONE = new OracleObserver() {
    };

    default void tickIgnored(String symbol, String venue, TickOutcome outcome) {
    }

    default void evaluated(PriceSnapshot snapshot) {
    }

    default void rateCapped(String asset) {
    }

    default void rateIgnored(String asset, String reason) {
    }
}
