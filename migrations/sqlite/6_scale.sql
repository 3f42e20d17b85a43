-- Scale: indexes for open-case lists, a closure of the organisation tree and
-- a daily roll-up of the indicators, so dashboards cost the same at ten
-- million cases as at ten thousand.

-- Open cases by place (covering: a list picks its ids from the index alone)
-- and by deadline. The predicate is spelt exactly as the
-- queries spell it (cases::store::OPEN), so both engines use these indexes.
CREATE INDEX cases_open_path ON cases (node_path, id, status)
    WHERE status NOT IN ('closed', 'evaluated', 'rejected', 'merged');
CREATE INDEX cases_open_due ON cases (due_at)
    WHERE status NOT IN ('closed', 'evaluated', 'rejected', 'merged');
-- Newest first within a subtree (lists, Open311 queries).
CREATE INDEX cases_path_id ON cases (node_path, id);
DROP INDEX cases_node_path;

-- Reports by people with accounts: most reporters have none, and an index
-- full of NULLs looks useless to the planner.
DROP INDEX case_reporters_person;
CREATE INDEX case_reporters_person ON case_reporters (person_id) WHERE person_id IS NOT NULL;

-- Every node with each of its ancestors and itself.
CREATE TABLE org_ancestors (
    node_id INTEGER NOT NULL REFERENCES org_nodes(id),
    ancestor_id INTEGER NOT NULL REFERENCES org_nodes(id),
    PRIMARY KEY (node_id, ancestor_id)
) WITHOUT ROWID;
INSERT INTO org_ancestors (node_id, ancestor_id)
    SELECT n.id, a.id FROM org_nodes n JOIN org_nodes a ON substr(n.path, 1, length(a.path)) = a.path;
CREATE TRIGGER org_ancestors_insert AFTER INSERT ON org_nodes
BEGIN
    INSERT INTO org_ancestors (node_id, ancestor_id) VALUES (NEW.id, NEW.id);
    INSERT INTO org_ancestors (node_id, ancestor_id)
        SELECT NEW.id, ancestor_id FROM org_ancestors WHERE node_id = NEW.parent_id;
END;
CREATE TRIGGER org_nodes_fixed_parent BEFORE UPDATE OF parent_id ON org_nodes
WHEN NEW.parent_id IS NOT OLD.parent_id
BEGIN
    SELECT RAISE(ABORT, 'a node keeps its parent');
END;

-- Indicator figures per node (every ancestor of the case's node) and China
-- Standard Time day of the deadline. Triggers append signed deltas as cases
-- change; cases::rollup compacts them. Only time-independent figures are
-- kept: open cases past their deadline are counted live.
CREATE TABLE case_daily (
    id INTEGER PRIMARY KEY,
    node_id INTEGER NOT NULL REFERENCES org_nodes(id),
    day INTEGER NOT NULL,
    due INTEGER NOT NULL,
    suspended INTEGER NOT NULL,
    suspended_rework INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    closed_on_time INTEGER NOT NULL,
    closed_late INTEGER NOT NULL,
    rework INTEGER NOT NULL,
    rated INTEGER NOT NULL,
    satisfied INTEGER NOT NULL,
    handling_ms INTEGER NOT NULL
);
CREATE INDEX case_daily_node_day ON case_daily (node_id, day);

INSERT INTO case_daily (node_id, day, due, suspended, suspended_rework, closed, closed_on_time, closed_late,
                        rework, rated, satisfied, handling_ms)
    SELECT a.ancestor_id, (c.due_at + 28800000) / 86400000, COUNT(*),
           SUM(c.status = 'suspended'), SUM(CASE WHEN c.status = 'suspended' THEN c.rework_count ELSE 0 END),
           SUM(c.closed_at IS NOT NULL), SUM(coalesce(c.closed_at <= c.due_at, 0)), SUM(coalesce(c.closed_at > c.due_at, 0)),
           SUM(c.rework_count), SUM(c.rating IS NOT NULL), SUM(coalesce(c.rating >= 4, 0)),
           SUM(CASE WHEN c.closed_at IS NOT NULL THEN c.closed_at - c.created_at ELSE 0 END)
    FROM cases c JOIN org_ancestors a ON a.node_id = c.node_id
    WHERE c.due_at IS NOT NULL AND c.status NOT IN ('rejected', 'merged')
    GROUP BY a.ancestor_id, (c.due_at + 28800000) / 86400000;

CREATE TRIGGER cases_daily_insert AFTER INSERT ON cases
WHEN NEW.due_at IS NOT NULL AND NEW.status NOT IN ('rejected', 'merged')
BEGIN
    INSERT INTO case_daily (node_id, day, due, suspended, suspended_rework, closed, closed_on_time, closed_late,
                            rework, rated, satisfied, handling_ms)
        SELECT ancestor_id, (NEW.due_at + 28800000) / 86400000, 1,
               NEW.status = 'suspended', CASE WHEN NEW.status = 'suspended' THEN NEW.rework_count ELSE 0 END,
               NEW.closed_at IS NOT NULL, coalesce(NEW.closed_at <= NEW.due_at, 0),
               coalesce(NEW.closed_at > NEW.due_at, 0), NEW.rework_count, NEW.rating IS NOT NULL,
               coalesce(NEW.rating >= 4, 0), coalesce(NEW.closed_at - NEW.created_at, 0)
        FROM org_ancestors WHERE node_id = NEW.node_id;
END;

CREATE TRIGGER cases_daily_update AFTER UPDATE OF status, due_at, closed_at, rework_count, rating, node_id, created_at
ON cases
WHEN OLD.status IS NOT NEW.status OR OLD.due_at IS NOT NEW.due_at OR OLD.closed_at IS NOT NEW.closed_at
  OR OLD.rework_count IS NOT NEW.rework_count OR OLD.rating IS NOT NEW.rating OR OLD.node_id IS NOT NEW.node_id
  OR OLD.created_at IS NOT NEW.created_at
BEGIN
    INSERT INTO case_daily (node_id, day, due, suspended, suspended_rework, closed, closed_on_time, closed_late,
                            rework, rated, satisfied, handling_ms)
        SELECT ancestor_id, (OLD.due_at + 28800000) / 86400000, -1,
               -(OLD.status = 'suspended'), -(CASE WHEN OLD.status = 'suspended' THEN OLD.rework_count ELSE 0 END),
               -(OLD.closed_at IS NOT NULL), -coalesce(OLD.closed_at <= OLD.due_at, 0),
               -coalesce(OLD.closed_at > OLD.due_at, 0), -OLD.rework_count, -(OLD.rating IS NOT NULL),
               -coalesce(OLD.rating >= 4, 0), -coalesce(OLD.closed_at - OLD.created_at, 0)
        FROM org_ancestors
        WHERE node_id = OLD.node_id AND OLD.due_at IS NOT NULL AND OLD.status NOT IN ('rejected', 'merged');
    INSERT INTO case_daily (node_id, day, due, suspended, suspended_rework, closed, closed_on_time, closed_late,
                            rework, rated, satisfied, handling_ms)
        SELECT ancestor_id, (NEW.due_at + 28800000) / 86400000, 1,
               NEW.status = 'suspended', CASE WHEN NEW.status = 'suspended' THEN NEW.rework_count ELSE 0 END,
               NEW.closed_at IS NOT NULL, coalesce(NEW.closed_at <= NEW.due_at, 0),
               coalesce(NEW.closed_at > NEW.due_at, 0), NEW.rework_count, NEW.rating IS NOT NULL,
               coalesce(NEW.rating >= 4, 0), coalesce(NEW.closed_at - NEW.created_at, 0)
        FROM org_ancestors
        WHERE node_id = NEW.node_id AND NEW.due_at IS NOT NULL AND NEW.status NOT IN ('rejected', 'merged');
END;

CREATE TRIGGER cases_daily_delete AFTER DELETE ON cases
WHEN OLD.due_at IS NOT NULL AND OLD.status NOT IN ('rejected', 'merged')
BEGIN
    INSERT INTO case_daily (node_id, day, due, suspended, suspended_rework, closed, closed_on_time, closed_late,
                            rework, rated, satisfied, handling_ms)
        SELECT ancestor_id, (OLD.due_at + 28800000) / 86400000, -1,
               -(OLD.status = 'suspended'), -(CASE WHEN OLD.status = 'suspended' THEN OLD.rework_count ELSE 0 END),
               -(OLD.closed_at IS NOT NULL), -coalesce(OLD.closed_at <= OLD.due_at, 0),
               -coalesce(OLD.closed_at > OLD.due_at, 0), -OLD.rework_count, -(OLD.rating IS NOT NULL),
               -coalesce(OLD.rating >= 4, 0), -coalesce(OLD.closed_at - OLD.created_at, 0)
        FROM org_ancestors WHERE node_id = OLD.node_id;
END;
