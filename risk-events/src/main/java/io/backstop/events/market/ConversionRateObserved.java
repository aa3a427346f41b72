package io.backstop.events.market;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * How much of {@code underlying} one unit of a wrapped or synthetic {@code asset} redeems for
 * (for example 1 wBETH = 1.0712 ETH), as reported by {@code source}.
 */
public record ConversionRateObserved(String asset, String underlying, BigDecimal rate, String source,
                                     Instant observedAt) implements EventPayload {

    public ConversionRateObserved {
        Contract.text("asset", asset);
        Contract.text("underlying", underlying);
        Contract.positive("rate", rate);
        Contract.text("source", source);
        Contract.required("observedAt", observedAt);
    }

    @Override
    public String key() {
        return asset;
    }
}
