-- The expiry sweep finds the `created` tokens past their expiry along this index, and the
-- list's expired filter reads the few it has not reached yet the same way.
CREATE INDEX share_tokens_expiry ON share_tokens (status, expires_at);
