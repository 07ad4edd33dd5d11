-- Responses to POST requests sent with an Idempotency-Key, kept 24 hours for replay.
-- `status` is NULL while the first request is still being handled.
CREATE TABLE idempotency_keys (
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER,
    body BLOB,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (organization_id, key)
);
