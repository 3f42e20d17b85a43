-- Publicity: whether a grid worker agrees to publish their work phone in
-- full (notice board, building page, directory, work-card check), as an
-- append-only history per person. The current value is the latest row (by
-- id); no row means "not published". Who recorded each row, and when, is
-- kept: the person themselves, the staff member who set it, or linli when a
-- grid role was assigned with publishing on by default.

CREATE TABLE phone_publicity (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    published BOOLEAN NOT NULL,
    recorded_by_person_id INTEGER REFERENCES people(id),
    recorded_by_label TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    note TEXT
);
CREATE INDEX phone_publicity_person ON phone_publicity (person_id, id);
CREATE INDEX phone_publicity_recorded_by ON phone_publicity (recorded_by_person_id)
    WHERE recorded_by_person_id IS NOT NULL;

-- Append-only, with one exception (as for case_events): erasing a person
-- may replace their name in `recorded_by_label` by a pseudonym.
CREATE TRIGGER phone_publicity_no_delete BEFORE DELETE ON phone_publicity
BEGIN
    SELECT RAISE(ABORT, 'phone_publicity is append-only');
END;
CREATE TRIGGER phone_publicity_no_update BEFORE UPDATE ON phone_publicity
WHEN NOT (
    NEW.recorded_by_label = '已注销用户'
    AND NEW.id = OLD.id AND NEW.person_id = OLD.person_id AND NEW.published = OLD.published
    AND NEW.recorded_by_person_id IS OLD.recorded_by_person_id
    AND NEW.recorded_at = OLD.recorded_at AND NEW.note IS OLD.note
)
BEGIN
    SELECT RAISE(ABORT, 'phone_publicity is append-only');
END;
