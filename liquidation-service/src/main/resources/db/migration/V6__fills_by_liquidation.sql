-- A liquidation's fills, in the order they were recorded: its LiquidationEnded lists them when it ends.
CREATE INDEX liquidation_fill_by_liquidation ON liquidation_fill (liquidation_id, seq);
