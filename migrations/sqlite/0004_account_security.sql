-- Account security (issue 9): known devices, what a session shows its owner, two-factor sign-in.

-- A browser that has signed in to an account before (cookie laurel_device; only its hash is
-- stored). Logins from it are not stopped by strangers' failed logins for that account.
CREATE TABLE known_devices (
  token_hash    TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at    BIGINT NOT NULL,
  last_seen_at  BIGINT NOT NULL
);
CREATE INDEX known_devices_user ON known_devices (user_id);

-- What the owner sees in the list of their sessions.
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT;

-- TOTP (RFC 6238): the secret (base32), when it was confirmed (NULL: enrolment begun, not
-- confirmed), and the last time step used (a code is never accepted twice).
CREATE TABLE two_factor (
  user_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret        TEXT NOT NULL,
  enabled_at    BIGINT,
  last_step     BIGINT NOT NULL DEFAULT 0,
  created_at    BIGINT NOT NULL
);

-- One-time recovery codes: `lookup` is the code's first part in clear (to find the row),
-- `code_hash` the whole code under argon2id.
CREATE TABLE recovery_codes (
  user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  lookup        TEXT NOT NULL,
  code_hash     TEXT NOT NULL,
  used_at       BIGINT,
  PRIMARY KEY (user_id, lookup)
);

-- Half a login: the password was right, the second factor is still to come. Short-lived, and
-- not a session (it opens nothing).
CREATE TABLE login_challenges (
  token_hash    TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  known_device  INTEGER NOT NULL DEFAULT 0,
  attempts      INTEGER NOT NULL DEFAULT 0,
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL
);
CREATE INDEX login_challenges_user ON login_challenges (user_id);
