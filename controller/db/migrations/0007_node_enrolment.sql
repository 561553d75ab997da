-- 0006: per-node credentials (docs/design/security.md, finding #6 of issue 11). A node agent
-- exchanges the join token once for its own secret; the address it enrolled with is pinned.

ALTER TABLE nodes
  ADD COLUMN secret_hash    text,         -- SHA-256 (hex) of the node's own secret; NULL = not enrolled
  ADD COLUMN api_key_sealed text,         -- AES-GCM sealed key the controller sends to this node agent
  ADD COLUMN enrolled_at    timestamptz;  -- when the node enrolled; NULL = not enrolled (or reset by an admin)

COMMENT ON COLUMN nodes.secret_hash IS
  'SHA-256 hex of the per-node secret the node agent authenticates with; NULL until it enrols or after an admin reset';
COMMENT ON COLUMN nodes.api_key_sealed IS
  'sealed bearer key the controller presents to this node agent (the node chose it at enrolment)';
COMMENT ON COLUMN nodes.enrolled_at IS
  'time of enrolment; the address column is pinned from then on (heartbeats cannot change it)';

-- Requests are authenticated by the hash of the presented secret.
CREATE UNIQUE INDEX nodes_secret_hash ON nodes (secret_hash) WHERE secret_hash IS NOT NULL;
