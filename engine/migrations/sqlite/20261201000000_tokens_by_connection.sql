-- A connection's change of status reads its tokens by status: an index instead of a scan.
CREATE INDEX share_tokens_connection ON share_tokens (connection_id, status);
