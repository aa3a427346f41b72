-- One side of a symbol's ADL queue read from this index alone. The head of a side (the waterfall's ADL step, the
-- queue pages) is one statement over every position of the side. With the old index on (symbol, size > 0) it read
-- the symbol's heap pages: with 5M positions a side's rows lie on nearly every page of the table, so each read went
-- through most of the table (61,486 pages for a side of 680,000) and took 1.5-1.8 s, most of the fund's time with
-- 197,000 shortfalls (docs/capacity.md). The side is now a range of this index (size > 0 or size < 0) holding every
-- column the ranking reads: an index-only scan of that side's entries (about 24,000 pages, 0.6-0.7 s).
CREATE INDEX adl_position_side ON adl_position (symbol, size)
    INCLUDE (account_id, entry_price, wallet_balance, equity, margin_ratio);
DROP INDEX adl_position_symbol;
-- An index-only scan skips the heap only for pages the visibility map marks all-visible: vacuum the table after
-- every 2% of its rows changed or inserted, not the default 20%, so that a cascade's new snapshots are soon read from
-- the index alone.
ALTER TABLE adl_position SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02);
