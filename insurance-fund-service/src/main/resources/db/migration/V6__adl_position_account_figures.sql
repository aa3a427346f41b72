-- The account's figures the ADL rankings need (from the same snapshot as the positions) beside each position, so
-- that reading the head of a side of the queue is one scan of that side's positions instead of a join with every
-- account (1.6M at full scale, docs/capacity.md). Written with the positions, which a newer snapshot of the account
-- replaces whole, so they never disagree with adl_account.
ALTER TABLE adl_position ADD COLUMN wallet_balance numeric, ADD COLUMN equity numeric, ADD COLUMN margin_ratio numeric;
UPDATE adl_position p SET wallet_balance = a.wallet_balance, equity = a.equity, margin_ratio = a.margin_ratio
FROM adl_account a WHERE a.account_id = p.account_id;
ALTER TABLE adl_position ALTER COLUMN wallet_balance SET NOT NULL, ALTER COLUMN equity SET NOT NULL;
