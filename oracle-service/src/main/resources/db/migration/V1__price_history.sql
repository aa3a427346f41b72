-- Every price the oracle published, in publication order per symbol. Written in batches together
-- with the outbox rows that publish them, so what is here is exactly what went to oracle.prices.
CREATE TABLE price_history (
    symbol          text        NOT NULL,
    sequence        bigint      NOT NULL,
    index_price     numeric     NOT NULL,
    mark_price      numeric     NOT NULL,
    twap            numeric     NOT NULL,
    confidence      numeric     NOT NULL,
    status          text        NOT NULL,
    market_price    numeric,
    sources         jsonb       NOT NULL,   -- [{venue, price, weight, included, reason}]
    price_time      timestamptz NOT NULL,
    last_trusted_at timestamptz NOT NULL,
    PRIMARY KEY (symbol, sequence)
);

CREATE INDEX price_history_symbol_time ON price_history (symbol, price_time);

-- The last accepted (capped) conversion rate of each wrapped asset, to resume the cap after a restart.
CREATE TABLE conversion_rate (
    asset       text        PRIMARY KEY,
    underlying  text        NOT NULL,
    rate        numeric     NOT NULL,
    source      text        NOT NULL,
    observed_at timestamptz NOT NULL
);
