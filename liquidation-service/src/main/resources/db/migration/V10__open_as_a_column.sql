-- Whether a liquidation is open (QUEUED or ACTIVE), as a column of its own that PostgreSQL derives from status, and
-- the two partial indexes that named status replaced by one that names it.
--
-- Why: an UPDATE is HOT (a new version of the row on the same page, no new index entry) only when it changes no
-- column an index names, in its key or in its predicate. Both indexes of V1 named status in their predicates, so each
-- of a liquidation's two updates (QUEUED -> ACTIVE at its round, ACTIVE -> an end) inserted an entry into every one
-- of its indexes: none was HOT (pg_stat_user_tables, 0 of 130,000 in a drain). Now no index names status: the round
-- (open before and after) leaves every index alone, and only the end (open to not open) adds entries, to the
-- primary key and margin_call_id's. The restart's queue, which liquidation_queued served, is read from the open
-- liquidations (a handful, through liquidation_open_per_scope) and filtered by status.
--
-- A HOT update also needs room on the row's page for the new version. Inserts used to fill each page (a flush
-- inserts a poll's liquidations together), so the round's version had nowhere to go; pages are now filled to 70%,
-- which leaves each row room for a version of itself (about 400 bytes) until the page is pruned. An ended
-- liquidation is never written again: the cost is pages kept 70% full.
--
-- Adding a stored generated column rewrites the table once, under its lock, at the new fill: measured on a million
-- ended liquidations, 4.9 s and the table 431 MB -> 581 MB (docs/performance.md).
ALTER TABLE liquidation SET (fillfactor = 70);
ALTER TABLE liquidation ADD COLUMN open boolean NOT NULL GENERATED ALWAYS AS (status IN ('QUEUED', 'ACTIVE')) STORED;
DROP INDEX liquidation_open_per_scope;
DROP INDEX liquidation_queued;
CREATE UNIQUE INDEX liquidation_open_per_scope ON liquidation (account_id, scope) WHERE open;
