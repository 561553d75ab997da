-- 0002: accounts, per-camera access, sessions, API tokens, audit log.

CREATE TABLE users (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username            text NOT NULL,                   -- login name, compared case-insensitively
  password_hash       text NOT NULL,                   -- argon2id encoded hash
  role                text NOT NULL CHECK (role IN ('admin', 'viewer')),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  password_changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_uniq ON users (lower(username));

-- Cameras a viewer may see; admins see every camera.
CREATE TABLE camera_grants (
  user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  camera_id uuid NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, camera_id)
);
CREATE INDEX camera_grants_camera_idx ON camera_grants (camera_id);

CREATE TABLE sessions (
  id_hash      text PRIMARY KEY,                        -- SHA-256 (hex) of the cookie value
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token   text NOT NULL,                           -- sent back in X-CSRF-Token on writes
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),      -- idle expiry counts from here
  expires_at   timestamptz NOT NULL,                    -- absolute expiry
  ip           text,                                    -- address at login
  user_agent   text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         text NOT NULL,                           -- what the token is for
  scope        text NOT NULL CHECK (scope IN ('read', 'full')),
  prefix       text NOT NULL,                           -- first characters, to recognise a token
  token_hash   text NOT NULL UNIQUE,                    -- SHA-256 (hex) of the token
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE audit_log (
  id         bigserial PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  actor_id   uuid,                                      -- user who acted; NULL for anonymous
  actor_name text,                                      -- user name as typed or stored
  action     text NOT NULL,                             -- e.g. auth.login.failure, camera.update
  target     text,                                      -- id or name acted on
  ip         text,                                      -- client address
  details    jsonb NOT NULL DEFAULT '{}'                -- never secrets
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
