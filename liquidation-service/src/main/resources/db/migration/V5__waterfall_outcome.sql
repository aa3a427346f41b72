-- The waterfall's outcomes for the bankrupt side (takeovers, ADL of the bankrupt account), in the order
-- this service saw them: a margin call names the last one margin-service had applied
-- (lastWaterfallEventId), and the ones after it are not in the call's positions yet.
CREATE TABLE waterfall_outcome (
    event_id      uuid     PRIMARY KEY,
    shortfall_id  uuid     NOT NULL,
    account_id    text     NOT NULL,
    symbol        text     NOT NULL,
    quantity      numeric  NOT NULL,
    price         numeric  NOT NULL,
    seq           bigserial
);
CREATE INDEX waterfall_outcome_account_seq ON waterfall_outcome (account_id, seq);
