-- The open interest per symbol (the sum of the long sizes), kept by the transaction that applies margin-service's
-- snapshots: it adds what the changed accounts' longs are now and takes away what they were. Summing adl_position
-- (5 million rows with 1.6 million accounts) took 0.7-2 s of PostgreSQL every 5 s refresh (docs/capacity.md).
CREATE TABLE adl_open_interest (
    symbol    text PRIMARY KEY,
    long_size numeric NOT NULL
);
INSERT INTO adl_open_interest (symbol, long_size)
SELECT symbol, sum(size) FROM adl_position WHERE size > 0 GROUP BY symbol;
