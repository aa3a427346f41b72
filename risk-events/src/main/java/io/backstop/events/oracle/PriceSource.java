package io.backstop.events.oracle;

import io.backstop.events.Contract;
import java.math.BigDecimal;

/**
 * One venue's contribution to a published price, and why it was or was not used.
 *
 * @param price  the venue's price as the oracle read it, or null when it had none usable
 * @param weight the weight it carried in the index (0 when excluded)
 * @param reason why it was left out (STALE, OUTLIER, CROSSED_BOOK...), or null when included
 */
public record PriceSource(String venue, BigDecimal price, BigDecimal weight, Boolean included, String reason) {

    public PriceSource {
        Contract.text("venue", venue);
        Contract.optionalPositive("price", price);
        Contract.nonNegative("weight", weight);
        Contract.required("included", included);
        if (!included && (reason == null || reason.isBlank())) {
            throw new io.backstop.events.InvalidField("reason", "is required when the source is not included");
        }
    }
}
