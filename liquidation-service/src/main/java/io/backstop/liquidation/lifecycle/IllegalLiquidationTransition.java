package io.backstop.liquidation.lifecycle;

/** A move the liquidation lifecycle does not have: a bug in the caller, never an expected outcome. */
public class IllegalLiquidationTransition extends IllegalStateException {

    public IllegalLiquidationTransition(Liquidation liquidation, String move) {
        super("liquidation " + liquidation.id() + " (" + liquidation.accountId() + " " + liquidation.scope()
                + ") cannot " + move + " from " + liquidation.status() + " in round " + liquidation.round());
    }
}
