-- Accounts, sessions, calls, entries (submissions), their versions, receipt counters, audit log.
-- Instants are UTC seconds since the epoch.
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('applicant', 'admin')),
  contact_name  TEXT NOT NULL DEFAULT '',
  phone         TEXT NOT NULL DEFAULT '',
  org_name_zh   TEXT NOT NULL DEFAULT '',
  org_name_en   TEXT NOT NULL DEFAULT '',
  org_type      TEXT NOT NULL DEFAULT '',
  country       TEXT NOT NULL DEFAULT '',
  overseas      INTEGER NOT NULL DEFAULT 0,
  created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
  token_hash  TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token  TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE calls (
  slug        TEXT PRIMARY KEY,
  definition  TEXT NOT NULL,           -- JSON (core/call.h to_json)
  updated_at  BIGINT NOT NULL
);

CREATE TABLE submissions (
  id            TEXT PRIMARY KEY,      -- opaque, random
  call_slug     TEXT NOT NULL REFERENCES calls (slug),
  category      TEXT NOT NULL,
  owner_id      TEXT NOT NULL REFERENCES users (id),
  status        TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'withdrawn')),
  receipt       TEXT UNIQUE,
  title_zh      TEXT NOT NULL DEFAULT '',  -- copies of fields' titles, for lists
  title_en      TEXT NOT NULL DEFAULT '',
  version       INTEGER NOT NULL DEFAULT 1,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  submitted_at  BIGINT
);

-- An entry's fields, one row a field (core/entry.h to_json_parts: "title_zh", "criteria.<slug>",
-- …; the value is JSON), apart from the entry's small columns. SQLite rewrites a whole row on
-- UPDATE: a status change must not rewrite 20 KB of text, nor a save the fields it left alone.
CREATE TABLE submission_fields (
  submission_id TEXT NOT NULL REFERENCES submissions (id),
  key           TEXT NOT NULL,
  value         TEXT NOT NULL,
  PRIMARY KEY (submission_id, key)
);
CREATE INDEX submissions_owner ON submissions (owner_id, updated_at);
CREATE INDEX submissions_call ON submissions (call_slug, category, status);

-- Each submitted state of an entry: the submit itself, every edit after it, the withdrawal.
-- fields: a JSON object of the entry's parts (as submission_fields holds them).
CREATE TABLE submission_versions (
  submission_id TEXT NOT NULL REFERENCES submissions (id),
  version       INTEGER NOT NULL,
  status        TEXT NOT NULL,
  fields        TEXT NOT NULL,
  author_id     TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (submission_id, version)
);

-- Receipt numbers (PREFIX-CODE-NNNN): one counter per receipt prefix and category code, advanced
-- inside the submit transaction. Keyed by what the receipt shows, so a reloaded call whose codes
-- changed, or two calls sharing a prefix, can never issue the same receipt twice.
CREATE TABLE receipt_counters (
  prefix    TEXT NOT NULL,
  code      TEXT NOT NULL,
  last      INTEGER NOT NULL,
  PRIMARY KEY (prefix, code)
);

CREATE TABLE audit_log (
  id           BIGSERIAL PRIMARY KEY,
  at           BIGINT NOT NULL,
  actor_id     TEXT,
  action       TEXT NOT NULL,
  object_type  TEXT NOT NULL,
  object_id    TEXT NOT NULL,
  detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);
