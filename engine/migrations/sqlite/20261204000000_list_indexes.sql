-- Every list filter gets an index that serves it newest first (the list statements name each
-- filter plainly, so the planner can use these): share tokens by side and status and by
-- connection, events by name, objects by template or type and by status.
CREATE INDEX share_tokens_source_status ON share_tokens (source_organization_id, status, seq);
CREATE INDEX share_tokens_destination_status ON share_tokens (destination_organization_id, status, seq);
DROP INDEX share_tokens_connection;
CREATE INDEX share_tokens_connection ON share_tokens (connection_id, status, seq);
CREATE INDEX share_tokens_connection_seq ON share_tokens (connection_id, seq);
CREATE INDEX events_organization_name ON events (organization_id, name, seq);
CREATE INDEX objects_organization_schema ON objects (organization_id, kind, schema_id, seq);
CREATE INDEX objects_organization_status ON objects (organization_id, kind, status, seq);
