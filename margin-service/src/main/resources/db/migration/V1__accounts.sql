-- Each account as one document: balances per asset, positions, and the margin status of each scope.
-- Written by the account engine in batches, in the same transaction as the inbox and the outbox, so
-- the stored state is exactly what the published events and processed eventIds say. Decimals are
-- JSON strings (exact). A save never overwrites a newer version.
CREATE TABLE account (
    id          text        PRIMARY KEY,
    version     bigint      NOT NULL,
    state       jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
