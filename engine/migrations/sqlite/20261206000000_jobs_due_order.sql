-- The claim reads due jobs in (run_at, seq) order along this index and stops after a batch:
-- with seq in the key the order needs no sort on either database (SQLite's rowid is seq already;
-- PostgreSQL's index needs it spelled out).
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (status, run_at, seq);
