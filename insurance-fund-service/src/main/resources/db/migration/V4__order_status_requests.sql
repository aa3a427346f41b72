-- When the exchange has not answered an unwinding order within the order timeout, the fund asks it what became of
-- the order (LiquidationOrderStatusRequested), again every timeout until the execution arrives.
ALTER TABLE fund_order ADD COLUMN status_requested_at timestamptz;
ALTER TABLE fund_order ADD COLUMN status_requests integer NOT NULL DEFAULT 0;
