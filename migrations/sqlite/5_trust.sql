-- Trust: idempotent creates, the personal-data access log, and erasure
-- that may pseudonymise an actor's name in the otherwise immutable history.

CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    case_id INTEGER REFERENCES cases(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_created ON idempotency_keys (created_at);

CREATE TABLE access_log (
    id INTEGER PRIMARY KEY,
    actor_person_id INTEGER REFERENCES people(id),
    actor_label TEXT NOT NULL,
    subject_person_id INTEGER REFERENCES people(id),
    case_id INTEGER REFERENCES cases(id),
    what TEXT NOT NULL,
    purpose TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX access_log_subject ON access_log (subject_person_id, at);
CREATE INDEX access_log_at ON access_log (at);

-- The history stays append-only, with one exception: erasing a person may
-- replace their name in `actor_label` by a pseudonym, changing nothing else.
DROP TRIGGER case_events_no_update;
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
WHEN NOT (
    NEW.actor_label = '已注销用户'
    AND NEW.id = OLD.id AND NEW.case_id = OLD.case_id AND NEW.action = OLD.action
    AND NEW.from_status IS OLD.from_status AND NEW.to_status = OLD.to_status
    AND NEW.actor_kind = OLD.actor_kind AND NEW.actor_person_id IS OLD.actor_person_id
    AND NEW.actor_client_id IS OLD.actor_client_id AND NEW.note IS OLD.note
    AND NEW.data = OLD.data AND NEW.at = OLD.at
)
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;
