-- A failed redemption records a code (its sentence is fixed per code); the free-text reasons
-- written before could carry internal error text, so they are erased.
ALTER TABLE share_tokens ADD COLUMN failure_code TEXT;
UPDATE share_tokens SET failure_code = 'internal-error' WHERE status = 'failed';
UPDATE share_tokens SET failure_reason = NULL;

-- Who deactivated a connection: a deactivation by the source is a revocation, and only the source
-- can bring the connection back.
ALTER TABLE connections ADD COLUMN deactivated_by TEXT CHECK (deactivated_by IN ('source', 'destination'));


-- What each file turned out to be (a PNG or JPEG of some size, a readable PDF, or neither),
-- inspected once when it arrived, outside the write lock; verifications read it, never the bytes.
-- NULL for files stored before: inspected when first needed.
ALTER TABLE documents ADD COLUMN inspection TEXT;

-- The walking skeleton's visit counter is gone: the start page no longer writes.
DROP TABLE visits;
