-- Materials (an entry's files), the tus uploads that bring them, and background jobs.
-- Files live in the file store (content-addressed by sha256); these tables hold what is known
-- about them, so any server process can continue an upload or a job another one started.

-- An upload in progress (tus). `received` is the durable offset: the bytes before it are fsynced
-- in the upload's part file and `hash_state` is the SHA-256 state after them (libsodium's
-- crypto_hash_sha256_state), so a resumed upload need not read back what it already has.
CREATE TABLE uploads (
  id            TEXT PRIMARY KEY,                 -- opaque, random
  owner_id      TEXT NOT NULL REFERENCES users (id),
  submission_id TEXT NOT NULL REFERENCES submissions (id),
  kind          TEXT NOT NULL,
  filename      TEXT NOT NULL,
  length        BIGINT NOT NULL,
  received      BIGINT NOT NULL DEFAULT 0,
  hash_state    TEXT NOT NULL DEFAULT '',         -- hex
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL,
  material_id   TEXT                              -- set once the last byte arrived
);
CREATE INDEX uploads_owner ON uploads (owner_id);
CREATE INDEX uploads_submission ON uploads (submission_id);
CREATE INDEX uploads_expiry ON uploads (expires_at);

-- A material of an entry. Removing one sets removed_at (earlier versions of a submitted entry
-- still name it); its bytes stay in the store while any material row names them.
CREATE TABLE materials (
  id            TEXT PRIMARY KEY,                 -- opaque, random
  submission_id TEXT NOT NULL REFERENCES submissions (id),
  owner_id      TEXT NOT NULL REFERENCES users (id),
  kind          TEXT NOT NULL,
  filename      TEXT NOT NULL,
  size          BIGINT NOT NULL,
  sha256        TEXT NOT NULL,
  content_type  TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('processing', 'ready', 'rejected')),
  error         TEXT NOT NULL DEFAULT '',         -- JSON {"key","params"} when rejected
  caption_zh    TEXT NOT NULL DEFAULT '',
  caption_en    TEXT NOT NULL DEFAULT '',
  position      INTEGER NOT NULL,
  width         INTEGER,
  height        INTEGER,
  duration      TEXT,                             -- seconds, decimal
  thumbnail     TEXT,                             -- sha256 of the JPEG thumbnail / poster
  created_at    BIGINT NOT NULL,
  removed_at    BIGINT
);
CREATE INDEX materials_submission ON materials (submission_id, removed_at, position);
CREATE INDEX materials_owner ON materials (owner_id, removed_at);
CREATE INDEX materials_sha ON materials (sha256);

-- Background work (thumbnails, probing video, cleaning expired uploads). A worker claims a job
-- by moving it to 'running' with its name and the time; a job left running longer than the
-- lease is claimed again.
CREATE TABLE jobs (
  id          BIGSERIAL PRIMARY KEY,
  kind        TEXT NOT NULL,
  subject     TEXT NOT NULL,
  state       TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  claimed_by  TEXT,
  claimed_at  BIGINT,
  run_after   BIGINT NOT NULL,
  error       TEXT NOT NULL DEFAULT '',
  created_at  BIGINT NOT NULL
);
CREATE INDEX jobs_queue ON jobs (state, run_after);

-- A submitted entry's versions record the materials it had (a JSON list: id, kind, filename,
-- size, sha256, content_type, captions).
ALTER TABLE submission_versions ADD COLUMN materials TEXT NOT NULL DEFAULT '[]';
