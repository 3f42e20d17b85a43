-- Building chat channels, WeCom bindings and replay protection, outbound
-- robots, and e-mail addresses for staff notifications.

ALTER TABLE people ADD COLUMN email TEXT;

CREATE TABLE channel_messages (
    id INTEGER PRIMARY KEY,
    building_id INTEGER REFERENCES buildings(id),
    node_id INTEGER NOT NULL REFERENCES org_nodes(id),
    author_kind TEXT NOT NULL CHECK (author_kind IN ('resident', 'staff', 'system', 'bridge', 'wecom')),
    author_person_id INTEGER REFERENCES people(id),
    author_name TEXT NOT NULL,
    text TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('web', 'webhook', 'wecom', 'system')),
    external_id TEXT,
    triage TEXT,
    case_id INTEGER REFERENCES cases(id),
    case_state TEXT CHECK (case_state IN ('proposed', 'registered', 'dismissed', 'unlocated')),
    created_at INTEGER NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX channel_messages_building ON channel_messages (building_id, id);
CREATE INDEX channel_messages_node ON channel_messages (node_id, id);
CREATE INDEX channel_messages_case ON channel_messages (case_id);

CREATE TABLE wecom_bindings (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'chat')),
    external_id TEXT NOT NULL,
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    created_at INTEGER NOT NULL,
    UNIQUE (kind, external_id)
);

CREATE TABLE wecom_nonces (
    nonce TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (nonce, timestamp)
);

CREATE TABLE robots (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('wecom', 'dingtalk', 'feishu')),
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT,
    node_id INTEGER NOT NULL REFERENCES org_nodes(id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at INTEGER NOT NULL
);
CREATE INDEX robots_node ON robots (node_id);
CREATE INDEX outbox_recipient ON outbox (channel, recipient_address, sent_at);
