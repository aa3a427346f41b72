-- The margin call's priceTime: the oracle time of the tick that took the scope below maintenance. The first order
-- of the liquidation is timed from it (backstop.liquidation.tick.to.order, the tick to order SLO). Null for calls
-- written before margin-service sent it, and for liquidations taken in before this column.
ALTER TABLE liquidation ADD COLUMN price_time timestamptz;
