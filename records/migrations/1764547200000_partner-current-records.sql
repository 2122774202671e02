-- Up Migration
-- Whether a partner's row holds every change its workflow has acknowledged: true when written by a
-- partner workflow run that answers its updates only after the record store has the change (the
-- 'partner-recorded-before-ack' change), so the eligibility check may read the row instead of asking
-- Temporal. Rows written otherwise (older runs, the reconcile script) keep false until such a run
-- writes them.

ALTER TABLE partners ADD COLUMN holds_acknowledged boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE partners DROP COLUMN holds_acknowledged;
