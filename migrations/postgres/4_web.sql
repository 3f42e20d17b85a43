-- Server-wide settings (the signing secret of work-card QR codes), shared
-- by every app server through the database.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
