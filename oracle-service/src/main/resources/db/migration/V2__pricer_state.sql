-- Each symbol's pricer state (venue quotes, TWAP and basis windows, last trusted and published prices), so a
-- restarted oracle continues exactly where it stopped. On simulated time written in the transaction that commits
-- a step's prices; on the system clock every few seconds.
CREATE TABLE pricer_state (
    symbol text        PRIMARY KEY,
    state  text        NOT NULL,   -- JSON of SymbolPricer.State
    as_of  timestamptz NOT NULL
);
