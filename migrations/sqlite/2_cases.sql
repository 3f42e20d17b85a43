-- Cases: the seven-step workflow, its append-only history, attachments,
-- durable jobs (deadlines, reminders), the notification outbox, routing
-- overrides, Open311 clients and API sessions.

CREATE TABLE api_clients (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL CHECK (kind IN ('api', 'web')),
    csrf_token TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    urgent BOOLEAN NOT NULL DEFAULT FALSE,
    description TEXT NOT NULL,
    source TEXT NOT NULL,
    building_id INTEGER REFERENCES buildings(id),
    unit INTEGER,
    room TEXT,
    floor INTEGER,
    address TEXT,
    lat REAL,
    lng REAL,
    node_id INTEGER NOT NULL REFERENCES org_nodes(id),
    node_path TEXT NOT NULL,
    property_company_id INTEGER REFERENCES organisations(id),
    assignee_kind TEXT,
    assignee_org_id INTEGER REFERENCES organisations(id),
    assignee_person_id INTEGER REFERENCES people(id),
    assignee_node_id INTEGER REFERENCES org_nodes(id),
    assignee_name TEXT,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    likely_duplicate_of INTEGER REFERENCES cases(id),
    duplicate_of INTEGER REFERENCES cases(id),
    resume_status TEXT,
    suspended_at INTEGER,
    rework_count INTEGER NOT NULL DEFAULT 0,
    rating INTEGER,
    created_at INTEGER NOT NULL,
    registered_at INTEGER,
    dispatched_at INTEGER,
    due_at INTEGER,
    resolved_at INTEGER,
    closed_at INTEGER,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cases_node_path ON cases (node_path);
CREATE INDEX cases_due ON cases (due_at);
CREATE INDEX cases_building_category ON cases (building_id, category, created_at);
CREATE INDEX cases_assignee ON cases (assignee_org_id, status);
CREATE INDEX cases_updated ON cases (updated_at);
CREATE INDEX cases_created ON cases (created_at);

CREATE TABLE case_events (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('person', 'api_client', 'system', 'public')),
    actor_person_id INTEGER REFERENCES people(id),
    actor_client_id INTEGER REFERENCES api_clients(id),
    actor_label TEXT NOT NULL,
    note TEXT,
    data TEXT NOT NULL DEFAULT '{}',
    at INTEGER NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);
CREATE INDEX case_events_at ON case_events (at);

-- The history is never edited.
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;

CREATE TABLE case_reporters (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    person_id INTEGER REFERENCES people(id),
    api_client_id INTEGER REFERENCES api_clients(id),
    name TEXT,
    phone TEXT,
    email TEXT,
    source TEXT NOT NULL,
    merged_from INTEGER REFERENCES cases(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX case_reporters_case ON case_reporters (case_id);
CREATE INDEX case_reporters_person ON case_reporters (person_id);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    width INTEGER,
    height INTEGER,
    data BLOB NOT NULL,
    thumbnail BLOB,
    created_at INTEGER NOT NULL
);

CREATE TABLE case_attachments (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    event_id INTEGER REFERENCES case_events(id),
    blob_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    created_at INTEGER NOT NULL,
    UNIQUE (case_id, blob_sha256)
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    case_id INTEGER REFERENCES cases(id),
    payload TEXT NOT NULL DEFAULT '{}',
    dedupe_key TEXT NOT NULL UNIQUE,
    run_at INTEGER NOT NULL,
    done_at INTEGER,
    cancelled_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE done_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX jobs_case ON jobs (case_id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    recipient_person_id INTEGER REFERENCES people(id),
    recipient_address TEXT,
    case_id INTEGER REFERENCES cases(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE status = 'pending';

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    case_id INTEGER REFERENCES cases(id),
    outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX notifications_person ON notifications (person_id, id);

CREATE TABLE routing_rules (
    id INTEGER PRIMARY KEY,
    category TEXT,
    node_id INTEGER REFERENCES org_nodes(id),
    handler TEXT NOT NULL,
    organisation_id INTEGER REFERENCES organisations(id),
    deadline_minutes INTEGER,
    note TEXT,
    created_at INTEGER NOT NULL
);
