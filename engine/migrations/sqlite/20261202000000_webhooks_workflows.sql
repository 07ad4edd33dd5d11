-- Webhooks (CONTRACT.md §6): where an organization's events are delivered. The secret signs each
-- delivery (HMAC-SHA256), so it is kept as given, not hashed; during a rotation the previous one
-- signs too until `previous_secret_expires_at`.
CREATE TABLE webhooks (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    url TEXT NOT NULL,
    -- JSON array of event names, or ["*"]
    enabled_events TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_expires_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX webhooks_organization ON webhooks (organization_id, seq);

-- One row per (webhook, event), written in the transaction that records the event; the delivery
-- loop claims due rows with a lease (`sending` until `locked_until`), as the job queue does.
CREATE TABLE webhook_deliveries (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    event_id TEXT NOT NULL REFERENCES events (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'succeeded', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    -- attempts allowed before the delivery is failed (a redelivery raises it)
    max_attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    locked_until INTEGER,
    last_attempt_at INTEGER,
    last_status_code INTEGER,
    last_error TEXT,
    delivered_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, seq);

-- Workflows: on their trigger event, run their steps (today: redeem the event's share token).
CREATE TABLE workflows (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    trigger_event TEXT NOT NULL,
    -- JSON array of steps
    steps TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX workflows_organization ON workflows (organization_id, seq);
CREATE INDEX workflows_trigger ON workflows (organization_id, trigger_event);

-- A workflow's run for one event (at most one: UNIQUE), with the steps it was started with, the
-- share token it acts on and the object it created. Executed by a background job.
CREATE TABLE workflow_runs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workflow_id TEXT NOT NULL REFERENCES workflows (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    event_id TEXT NOT NULL REFERENCES events (id),
    status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    steps TEXT NOT NULL,
    share_token_id TEXT,
    destination_id TEXT,
    error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER,
    UNIQUE (workflow_id, event_id)
);
CREATE INDEX workflow_runs_organization ON workflow_runs (organization_id, seq);
CREATE INDEX workflow_runs_workflow ON workflow_runs (workflow_id, seq);
-- A redemption that ends finds the run waiting for it.
CREATE INDEX workflow_runs_share_token ON workflow_runs (share_token_id);
