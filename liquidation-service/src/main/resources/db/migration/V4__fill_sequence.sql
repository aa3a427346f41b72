-- The order in which fills were recorded: a margin call names the last liquidation fill margin-service had
-- applied to the account (lastLiquidationTradeId), and the fills recorded after it are the ones the call's
-- positions do not reflect yet.
ALTER TABLE liquidation_fill ADD COLUMN seq bigserial;
CREATE INDEX liquidation_fill_account_seq ON liquidation_fill (account_id, seq);
