-- Environmental patrols (issue 14, first part): zones around the
-- air-quality monitoring point owned by named people, their checkpoints
-- (garbage points, building sites, enterprises, the monitoring point) with
-- a QR plate each, and the visits made by scanning them.

CREATE TABLE patrol_zones (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    node_id INTEGER NOT NULL REFERENCES org_nodes(id),
    node_path TEXT NOT NULL,
    -- A GeoJSON Polygon (WGS 84), and/or a centre (the monitoring point) with a radius.
    boundary TEXT,
    centre_lat REAL,
    centre_lng REAL,
    radius_m INTEGER,
    created_by_person_id INTEGER NOT NULL REFERENCES people(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX patrol_zones_path ON patrol_zones (node_path);

-- 分片包干, 专人负责: the people a zone is owned by.
CREATE TABLE patrol_zone_owners (
    zone_id INTEGER NOT NULL REFERENCES patrol_zones(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (zone_id, person_id)
);
CREATE INDEX patrol_zone_owners_person ON patrol_zone_owners (person_id);

CREATE TABLE patrol_checkpoints (
    id INTEGER PRIMARY KEY,
    zone_id INTEGER NOT NULL REFERENCES patrol_zones(id),
    kind TEXT NOT NULL CHECK (kind IN ('garbage_point', 'building_site', 'enterprise', 'monitoring_point', 'other')),
    name TEXT NOT NULL,
    lat REAL,
    lng REAL,
    place_id INTEGER REFERENCES places(id),
    organisation_id INTEGER REFERENCES organisations(id),
    -- The registered building nearest the checkpoint: where its cases are filed.
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    -- What the plate's QR carries: /patrol/{token}.
    token TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE INDEX patrol_checkpoints_zone ON patrol_checkpoints (zone_id);

CREATE TABLE patrol_visits (
    id INTEGER PRIMARY KEY,
    checkpoint_id INTEGER NOT NULL REFERENCES patrol_checkpoints(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    at INTEGER NOT NULL,
    lat REAL,
    lng REAL,
    distance_m REAL,
    -- Where the phone said it was: near the checkpoint, far from it, or no position given.
    position TEXT NOT NULL CHECK (position IN ('near', 'far', 'missing', 'unknown')),
    result TEXT NOT NULL CHECK (result IN ('ok', 'problem', 'coached')),
    problem TEXT,
    note TEXT,
    photos TEXT NOT NULL DEFAULT '[]',
    case_id INTEGER REFERENCES cases(id),
    idempotency_key TEXT NOT NULL UNIQUE
);
CREATE INDEX patrol_visits_checkpoint ON patrol_visits (checkpoint_id, at);
CREATE INDEX patrol_visits_person ON patrol_visits (person_id, at);
