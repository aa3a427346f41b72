package io.backstop.events.margin;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import java.math.BigDecimal;
import java.util.List;

/**
 * The latest positions and PnL of an account, for the insurance fund's ADL ranking. Published on a
 * compacted topic, sequenced per account; an empty position list means the account holds none.
 *
 * @param walletBalance collateral value without unrealized PnL, in the settlement asset
 * @param marginRatio   maintenance margin / equity, or null when equity is not positive
 */
public record AccountPositionsSnapshotted(String accountId, BigDecimal walletBalance, BigDecimal equity,
                                          BigDecimal maintenanceMargin, BigDecimal marginRatio,
                                          List<PositionMark> positions) implements EventPayload {

    public AccountPositionsSnapshotted {
        Contract.text("accountId", accountId);
        Contract.signed("walletBalance", walletBalance);
        Contract.signed("equity", equity);
        Contract.nonNegative("maintenanceMargin", maintenanceMargin);
        Contract.optionalNonNegative("marginRatio", marginRatio);
        positions = Contract.list("positions", positions);
    }

    @Override
    public String key() {
        return accountId;
    }
}
