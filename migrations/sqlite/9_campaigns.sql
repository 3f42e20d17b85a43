-- Hazard-sweep campaigns (地毯式排查): a campaign over a subtree with its own
-- checklist, one target per building × unit assigned from the org tree, the
-- findings filed as cases, their rectification notices, the street's joint
-- enforcement and the micro-grid member's re-inspection.

CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_by_person_id INTEGER NOT NULL REFERENCES people(id),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    ends_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

-- The subtree as chosen (a community, grids or buildings), with each node's
-- path for scope checks.
CREATE TABLE campaign_nodes (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    node_id INTEGER NOT NULL REFERENCES org_nodes(id),
    node_path TEXT NOT NULL,
    PRIMARY KEY (campaign_id, node_id)
);
CREATE INDEX campaign_nodes_path ON campaign_nodes (node_path);

-- The campaign's checklist: copied from the defaults, then editable.
CREATE TABLE campaign_checks (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    severity INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 3),
    legal_basis TEXT NOT NULL,
    fix_days INTEGER NOT NULL CHECK (fix_days BETWEEN 1 AND 90),
    by_floor BOOLEAN NOT NULL DEFAULT FALSE,
    position INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, code)
);

-- One row per building × unit to sweep, with whom it is assigned to.
CREATE TABLE campaign_targets (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    unit INTEGER NOT NULL,
    node_path TEXT NOT NULL,
    grid_node_id INTEGER REFERENCES org_nodes(id),
    assignee_person_id INTEGER REFERENCES people(id),
    swept_at INTEGER,
    swept_by_person_id INTEGER REFERENCES people(id),
    clean BOOLEAN,
    UNIQUE (campaign_id, building_id, unit)
);
CREATE INDEX campaign_targets_assignee ON campaign_targets (campaign_id, assignee_person_id);
CREATE INDEX campaign_targets_place ON campaign_targets (campaign_id, node_path);

CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    target_id INTEGER NOT NULL REFERENCES campaign_targets(id),
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    unit INTEGER NOT NULL,
    floor INTEGER,
    room TEXT,
    check_code TEXT NOT NULL,
    note TEXT,
    photos TEXT NOT NULL DEFAULT '[]',
    case_id INTEGER NOT NULL REFERENCES cases(id),
    -- `person:7/KEY`: the phone's key for this finding, so a resend files nothing.
    idempotency_key TEXT NOT NULL UNIQUE,
    found_by_person_id INTEGER NOT NULL REFERENCES people(id),
    found_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'notice', 'answered', 'enforcement', 'enforced', 'resolved', 'fixed')),
    due_at INTEGER,
    fixed_at INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX findings_campaign ON findings (campaign_id, state);
CREATE INDEX findings_place ON findings (building_id, unit, check_code, found_at);
CREATE INDEX findings_case ON findings (case_id);

-- The 整改告知单: at most one per finding; its token opens the public page.
CREATE TABLE finding_notices (
    finding_id INTEGER PRIMARY KEY REFERENCES findings(id),
    token TEXT NOT NULL UNIQUE,
    issued_by_person_id INTEGER NOT NULL REFERENCES people(id),
    issued_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    answered_at INTEGER,
    answer_note TEXT,
    answer_photos TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE enforcement_actions (
    id INTEGER PRIMARY KEY,
    finding_id INTEGER NOT NULL REFERENCES findings(id),
    outcome TEXT NOT NULL CHECK (outcome IN ('cleared', 'demolished', 'ordered', 'transferred')),
    note TEXT,
    photos TEXT NOT NULL DEFAULT '[]',
    by_person_id INTEGER NOT NULL REFERENCES people(id),
    at INTEGER NOT NULL
);
CREATE INDEX enforcement_actions_finding ON enforcement_actions (finding_id);

CREATE TABLE reinspections (
    id INTEGER PRIMARY KEY,
    finding_id INTEGER NOT NULL REFERENCES findings(id),
    fixed BOOLEAN NOT NULL,
    note TEXT,
    photos TEXT NOT NULL DEFAULT '[]',
    by_person_id INTEGER NOT NULL REFERENCES people(id),
    at INTEGER NOT NULL
);
CREATE INDEX reinspections_finding ON reinspections (finding_id);
