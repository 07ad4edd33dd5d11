-- Members: the people of an organization who sign in to the dashboard. The e-mail address (stored
-- lower-cased) signs in, so it is unique across organizations; the password is an argon2id PHC
-- string, never the password.
CREATE TABLE members (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX members_organization ON members (organization_id, seq);

-- Signed-in sessions: the cookie's secret is stored as its SHA-256 hash; each session has its own
-- CSRF token for the forms it renders. A session ends at `expires_at` or when its member signs out.
CREATE TABLE member_sessions (
    token_hash TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX member_sessions_expiry ON member_sessions (expires_at);
CREATE INDEX member_sessions_member ON member_sessions (member_id);

-- Sign-in attempts that have not succeeded, by key (the hashed e-mail address, and that address with
-- the client's network): written before the password is checked, deleted when it matches; too many
-- within the window and sign-in is refused for that key until older ones leave it.
CREATE TABLE sign_in_failures (
    key TEXT NOT NULL,
    attempt TEXT NOT NULL,
    failed_at INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (key, failed_at);
