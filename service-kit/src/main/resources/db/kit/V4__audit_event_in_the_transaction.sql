-- An audited call whose state change commits carries its audit row in that very transaction (docs/security.md,
-- "Audit"): outcome 'committed', no status (the answer is not known before the commit), occurred_at the service's
-- clock just before the commit. Any other audited call (refused by the desk, rolled back, changing nothing) is recorded
-- once answered: outcome 'answered', with the answer's status, occurred_at when answered. The rows before this
-- migration were all recorded once answered. ALTER TABLE fires no row trigger: the table stays append-only.
ALTER TABLE audit_event ADD COLUMN outcome text NOT NULL DEFAULT 'answered';
ALTER TABLE audit_event ALTER COLUMN outcome DROP DEFAULT;
ALTER TABLE audit_event ALTER COLUMN status DROP NOT NULL;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_outcome CHECK (
    (outcome = 'committed' AND status IS NULL) OR (outcome = 'answered' AND status IS NOT NULL));
