-- Orders sent and not yet answered by the exchange, by age: what the open-order age gauge reads.
CREATE INDEX liquidation_order_open ON liquidation_order (updated_at) WHERE status = 'OPEN';
