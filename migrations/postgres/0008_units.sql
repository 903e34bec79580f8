-- Recommending units (issue 12): the tree of offices, their members, invitations, recommendation
-- codes, endorsements, which units each entry came through, and the excellent-organisation honour.

CREATE TABLE units (
  id          TEXT PRIMARY KEY,
  name_zh     TEXT NOT NULL,
  name_en     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  parent_id   TEXT REFERENCES units (id),   -- NULL: top-level (made by the organiser)
  archived_at BIGINT,                       -- archived: no new codes, members or sub-units; history stays
  created_by  TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);
CREATE INDEX units_parent ON units (parent_id);

CREATE TABLE unit_members (
  unit_id    TEXT NOT NULL REFERENCES units (id),
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role       TEXT NOT NULL CHECK (role IN ('manager', 'member')),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (unit_id, user_id)
);
CREATE INDEX unit_members_user ON unit_members (user_id);

-- Single-use invitation links; only the token's SHA-256 is stored.
CREATE TABLE unit_invitations (
  id          TEXT PRIMARY KEY,
  unit_id     TEXT NOT NULL REFERENCES units (id),
  email       TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('manager', 'member')),
  token_hash  TEXT NOT NULL UNIQUE,
  created_by  TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  accepted_at BIGINT,
  accepted_by TEXT
);
CREATE INDEX unit_invitations_unit ON unit_invitations (unit_id);

CREATE TABLE recommendation_codes (
  code       TEXT PRIMARY KEY,
  unit_id    TEXT NOT NULL REFERENCES units (id),
  call_slug  TEXT NOT NULL,
  expires_at BIGINT,                         -- NULL: until the call closes
  max_uses   BIGINT,                         -- NULL: no limit
  uses       BIGINT NOT NULL DEFAULT 0,      -- entries holding the code now
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX recommendation_codes_unit ON recommendation_codes (unit_id);

-- The code an entry was given (NULL: applied directly, or through endorsements only).
ALTER TABLE submissions ADD COLUMN recommendation_code TEXT;

CREATE TABLE endorsements (
  id         TEXT PRIMARY KEY,
  unit_id    TEXT NOT NULL REFERENCES units (id),
  entry_id   TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
  text       TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (unit_id, entry_id)
);
CREATE INDEX endorsements_entry ON endorsements (entry_id);

-- Which units an entry came through: for each source (the unit whose code it used, or a unit
-- that endorsed it), that unit (depth 0) and every unit above it. Rewritten when the code changes
-- or the organiser moves a unit, so a dashboard is one indexed lookup.
CREATE TABLE entry_units (
  entry_id       TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
  how            TEXT NOT NULL CHECK (how IN ('code', 'endorsement')),
  source_unit_id TEXT NOT NULL,
  unit_id        TEXT NOT NULL,
  depth          INTEGER NOT NULL,
  PRIMARY KEY (entry_id, how, source_unit_id, unit_id)
);
CREATE INDEX entry_units_unit ON entry_units (unit_id);
CREATE INDEX entry_units_source ON entry_units (source_unit_id);

-- The excellent-organisation honour (卓越组织) a unit received for a call.
CREATE TABLE unit_honours (
  call_slug  TEXT NOT NULL,
  unit_id    TEXT NOT NULL REFERENCES units (id),
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (call_slug, unit_id)
);
