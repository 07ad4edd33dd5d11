-- The hosted flow (/verify): what an end user's flow was started with, the steps it settled on,
-- and each consent decision (what was shown, when, from where).
CREATE TABLE verify_flows (
    inquiry_id TEXT PRIMARY KEY REFERENCES objects (id),
    share_token_id TEXT REFERENCES share_tokens (id),
    field_mappings TEXT NOT NULL DEFAULT '[]',
    redirect_uri TEXT,
    -- JSON [{"group": "...", "fields": ["key", ...]}], fixed when collection starts
    steps TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE consents (
    seq INTEGER PRIMARY KEY,
    inquiry_id TEXT NOT NULL REFERENCES objects (id),
    share_token_id TEXT NOT NULL REFERENCES share_tokens (id),
    decision TEXT NOT NULL CHECK (decision IN ('accepted', 'declined')),
    text_version TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (inquiry_id, share_token_id)
);
