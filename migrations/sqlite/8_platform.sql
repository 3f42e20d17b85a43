-- The platform knows no feature: timers, the outbox and the in-app
-- notifications name what they are about by a generic subject (`case:42`,
-- later `campaign:7`), and a notification carries the page it opens.
-- Expand step: the old `case_id` columns stay (no longer written) and go
-- in a later release.
ALTER TABLE jobs ADD COLUMN subject TEXT;
UPDATE jobs SET subject = 'case:' || case_id WHERE case_id IS NOT NULL;
CREATE INDEX jobs_subject ON jobs (subject) WHERE done_at IS NULL AND cancelled_at IS NULL;

ALTER TABLE outbox ADD COLUMN subject TEXT;
ALTER TABLE outbox ADD COLUMN link TEXT;
UPDATE outbox SET subject = 'case:' || case_id, link = '/app/cases/' || case_id WHERE case_id IS NOT NULL;

ALTER TABLE notifications ADD COLUMN subject TEXT;
ALTER TABLE notifications ADD COLUMN link TEXT;
UPDATE notifications SET subject = 'case:' || case_id, link = '/app/cases/' || case_id WHERE case_id IS NOT NULL;

-- How far each consumer of an event log has read: a feature that wants to
-- hear of another's events keeps its own cursor here, advanced in the
-- transaction that applies what it heard.
CREATE TABLE consumer_cursors (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
