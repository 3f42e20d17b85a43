-- Foundation: the organisation tree, places, people and their roles, staff accounts.
-- Times are BIGINT milliseconds since the Unix epoch (UTC) on both backends.

CREATE TABLE org_nodes (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    parent_id INTEGER REFERENCES org_nodes(id),
    level TEXT NOT NULL CHECK (level IN ('district', 'street', 'community', 'grid', 'micro_grid')),
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    lat REAL,
    lng REAL,
    boundary TEXT,
    office_phone TEXT,
    office_address TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX org_nodes_parent ON org_nodes (parent_id);
CREATE INDEX org_nodes_path ON org_nodes (path);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('property_company', 'department', 'enterprise', 'partner')),
    department_kind TEXT,
    name TEXT NOT NULL,
    phone TEXT,
    address TEXT,
    node_id INTEGER NOT NULL REFERENCES org_nodes(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX organisations_node ON organisations (node_id);

CREATE TABLE estates (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES org_nodes(id),
    name TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '',
    address TEXT,
    built_year INTEGER,
    lat REAL,
    lng REAL,
    created_at INTEGER NOT NULL,
    UNIQUE (community_id, name)
);

CREATE TABLE buildings (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    estate_id INTEGER NOT NULL REFERENCES estates(id),
    node_id INTEGER NOT NULL REFERENCES org_nodes(id),
    number TEXT NOT NULL,
    name TEXT NOT NULL,
    floors INTEGER,
    lat REAL,
    lng REAL,
    footprint TEXT,
    property_company_id INTEGER REFERENCES organisations(id),
    search_text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (estate_id, number)
);
CREATE INDEX buildings_node ON buildings (node_id);
CREATE INDEX buildings_number ON buildings (number);
CREATE INDEX buildings_property ON buildings (property_company_id);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    number INTEGER NOT NULL,
    node_id INTEGER REFERENCES org_nodes(id),
    floors INTEGER,
    UNIQUE (building_id, number)
);

CREATE TABLE households (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    room TEXT NOT NULL,
    floor INTEGER,
    UNIQUE (unit_id, room)
);

CREATE TABLE places (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('charging_shed', 'garage', 'garbage_point', 'monitoring_point', 'enterprise_site', 'venue', 'other')),
    name TEXT NOT NULL,
    node_id INTEGER NOT NULL REFERENCES org_nodes(id),
    estate_id INTEGER REFERENCES estates(id),
    organisation_id INTEGER REFERENCES organisations(id),
    lat REAL,
    lng REAL,
    details TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);
CREATE INDEX places_node ON places (node_id);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT,
    id_number TEXT,
    address TEXT,
    created_at INTEGER NOT NULL,
    erased_at INTEGER
);

CREATE TABLE role_assignments (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    role TEXT NOT NULL CHECK (role IN ('resident', 'micro_grid_member', 'grid_head', 'community_staff', 'property_staff', 'department_officer', 'command_centre', 'party_member', 'admin')),
    node_id INTEGER REFERENCES org_nodes(id),
    organisation_id INTEGER REFERENCES organisations(id),
    title TEXT,
    duties TEXT NOT NULL DEFAULT '',
    publicised BOOLEAN NOT NULL DEFAULT TRUE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    CHECK (node_id IS NOT NULL OR organisation_id IS NOT NULL)
);
CREATE INDEX role_assignments_person ON role_assignments (person_id);
CREATE INDEX role_assignments_node ON role_assignments (node_id, role);
CREATE INDEX role_assignments_organisation ON role_assignments (organisation_id);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL UNIQUE REFERENCES people(id),
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
);
