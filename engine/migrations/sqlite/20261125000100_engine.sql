-- The redemption engine's storage. Portable SQL: TEXT ids, INTEGER timestamps (Unix milliseconds,
-- UTC), JSON documents in TEXT columns. `seq` orders rows (newest first = highest seq) for paging.

CREATE TABLE organizations (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    allowed_origins TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    key_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE connections (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source_organization_id TEXT NOT NULL REFERENCES organizations (id),
    destination_organization_id TEXT NOT NULL REFERENCES organizations (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'inactive')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX connections_source ON connections (source_organization_id, seq);
CREATE INDEX connections_destination ON connections (destination_organization_id, seq);

-- Inquiry templates, transaction types and account types: one table, told apart by `kind`.
CREATE TABLE schemas (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('inquiry-template', 'transaction-type', 'account-type')),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    fields TEXT NOT NULL,
    checks TEXT NOT NULL DEFAULT '{"verifications":[],"reports":[]}',
    created_at INTEGER NOT NULL
);
CREATE INDEX schemas_organization ON schemas (organization_id, kind, seq);

-- Inquiries, transactions and accounts: one table, told apart by `kind`.
CREATE TABLE objects (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('inquiry', 'transaction', 'account')),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    schema_id TEXT NOT NULL REFERENCES schemas (id),
    reference_id TEXT,
    fields TEXT NOT NULL DEFAULT '{}',
    -- inquiries only
    status TEXT CHECK (status IN ('created', 'pending', 'completed', 'failed', 'needs_review', 'expired')),
    run TEXT,
    session_token_hash TEXT,
    expires_at INTEGER,
    completed_at INTEGER,
    failed_at INTEGER,
    reviewed_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX objects_organization ON objects (organization_id, kind, seq);
CREATE INDEX objects_session ON objects (session_token_hash);

CREATE TABLE documents (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    byte_size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE share_tokens (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    connection_id TEXT NOT NULL REFERENCES connections (id),
    source_organization_id TEXT NOT NULL REFERENCES organizations (id),
    destination_organization_id TEXT NOT NULL REFERENCES organizations (id),
    source_type TEXT NOT NULL CHECK (source_type IN ('inquiry', 'transaction', 'account')),
    source_id TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('created', 'pending', 'redeemed', 'expired', 'failed')),
    destination_id TEXT,
    field_mappings TEXT,
    hydration_report TEXT,
    failure_reason TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    pending_at INTEGER,
    redeemed_at INTEGER,
    expires_at INTEGER NOT NULL,
    failed_at INTEGER
);
CREATE INDEX share_tokens_source ON share_tokens (source_organization_id, seq);
CREATE INDEX share_tokens_destination ON share_tokens (destination_organization_id, seq);

CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX events_organization ON events (organization_id, seq);

-- The background queue. A job is claimed by setting `locked_until` (its lease); a lease that runs
-- out makes the job claimable again, which is how work interrupted by a crash resumes.
CREATE TABLE jobs (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at INTEGER NOT NULL,
    locked_until INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);
