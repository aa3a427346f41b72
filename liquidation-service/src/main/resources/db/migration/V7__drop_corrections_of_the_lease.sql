-- A margin call is a lease on its scope (ADR 13): margin-service issues it only after it has applied the previous
-- liquidation's end, its fills and, for a shortfall, the waterfall's outcome. A call therefore never names a position
-- already closed, and the corrections of V3-V5 no longer decide anything:
-- V3: calls held back while the waterfall settled a shortfall (replaced by margin's lease)
DROP TABLE IF EXISTS shortfall_pending;
-- V5: the waterfall's outcomes subtracted from calls that had not seen them
DROP TABLE IF EXISTS waterfall_outcome;
-- V4: the fills a call had not seen, found by account and sequence. The column seq stays: it orders a liquidation's
-- fills in its LiquidationEnded (V6's index liquidation_fill_by_liquidation).
DROP INDEX IF EXISTS liquidation_fill_account_seq;
