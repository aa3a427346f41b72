-- Whether margin-service has answered the request yet (set with its adl_settlement row). The requests still
-- unanswered are what the fund has asked of each position and not yet heard back about: the ADL step plans every
-- position less them, so that polls made while margin's answers lag do not ask the same positions again (51,350
-- requests to 1,817 accounts in one run, docs/capacity.md). The partial index keeps reading them cheap however many
-- answered requests the table holds.
ALTER TABLE adl_request ADD COLUMN answered boolean NOT NULL DEFAULT false;
UPDATE adl_request r SET answered = true WHERE EXISTS (SELECT 1 FROM adl_settlement s WHERE s.request_id = r.request_id);
CREATE INDEX adl_request_unanswered ON adl_request (symbol, account_id) WHERE NOT answered;
