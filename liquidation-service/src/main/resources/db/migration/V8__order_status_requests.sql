-- When the exchange has not answered an order within the order timeout, liquidation-service asks it what became of
-- the order (LiquidationOrderStatusRequested), again every timeout until the execution arrives.
ALTER TABLE liquidation_order ADD COLUMN status_requested_at timestamptz;
ALTER TABLE liquidation_order ADD COLUMN status_requests integer NOT NULL DEFAULT 0;
