-- Expert review (issue 13): the expert pool and its invitations, committees, review rounds and
-- their entries, conflicts of interest, bids, assignment proposals and the reviews themselves.

-- An expert of the pool: invited by the organiser (a link, like a unit's invitation; only the
-- token's SHA-256 is kept), joined by an account when accepted. calls and categories: JSON arrays
-- of slugs the expert may review (empty: any); max_load applies per round.
CREATE TABLE experts (
  id            TEXT PRIMARY KEY,
  user_id       TEXT UNIQUE REFERENCES users (id),
  email         TEXT NOT NULL,
  name          TEXT NOT NULL,
  organization  TEXT NOT NULL DEFAULT '',
  country       TEXT NOT NULL DEFAULT '',
  expertise     TEXT NOT NULL DEFAULT '',   -- keywords, either language
  bio           TEXT NOT NULL DEFAULT '',
  calls         TEXT NOT NULL DEFAULT '[]',
  categories    TEXT NOT NULL DEFAULT '[]',
  max_load      INTEGER NOT NULL DEFAULT 10,
  token_hash    TEXT UNIQUE,
  invited_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL,
  accepted_at   BIGINT,
  created_by    TEXT NOT NULL
);
CREATE INDEX experts_email ON experts (email);

-- A committee: a named group of experts for one category of a call (the case call's domains).
CREATE TABLE committees (
  id         TEXT PRIMARY KEY,
  call_slug  TEXT NOT NULL,
  category   TEXT NOT NULL,
  name_zh    TEXT NOT NULL DEFAULT '',
  name_en    TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE TABLE committee_members (
  committee_id TEXT NOT NULL REFERENCES committees (id) ON DELETE CASCADE,
  expert_id    TEXT NOT NULL REFERENCES experts (id),
  PRIMARY KEY (committee_id, expert_id)
);

-- A round of review of a call: its entries, k reviews an entry, a deadline, the visibility of
-- other experts' reviews (never / after_submit / always), the score scale.
CREATE TABLE review_rounds (
  id                TEXT PRIMARY KEY,
  call_slug         TEXT NOT NULL,
  number            INTEGER NOT NULL,
  title_zh          TEXT NOT NULL DEFAULT '',
  title_en          TEXT NOT NULL DEFAULT '',
  reviews_per_entry INTEGER NOT NULL,
  deadline          BIGINT NOT NULL,
  visibility        TEXT NOT NULL DEFAULT 'after_submit' CHECK (visibility IN ('never', 'after_submit', 'always')),
  scale_min         INTEGER NOT NULL DEFAULT 1,
  scale_max         INTEGER NOT NULL DEFAULT 10,
  unit_conflicts    INTEGER NOT NULL DEFAULT 1,  -- the same recommending unit chain is a conflict
  created_by        TEXT NOT NULL,
  created_at        BIGINT NOT NULL
);
CREATE TABLE round_entries (
  round_id  TEXT NOT NULL REFERENCES review_rounds (id) ON DELETE CASCADE,
  entry_id  TEXT NOT NULL REFERENCES submissions (id),
  PRIMARY KEY (round_id, entry_id)
);

-- Conflicts of interest: detected (organisation, email-domain, unit), declared by the expert, or
-- added by the organiser; lifted_at set when the organiser lifts one (with a reason).
CREATE TABLE review_conflicts (
  round_id    TEXT NOT NULL REFERENCES review_rounds (id) ON DELETE CASCADE,
  expert_id   TEXT NOT NULL REFERENCES experts (id),
  entry_id    TEXT NOT NULL REFERENCES submissions (id),
  source      TEXT NOT NULL CHECK (source IN ('declared', 'organisation', 'email-domain', 'unit', 'organiser')),
  reason      TEXT NOT NULL DEFAULT '',
  created_by  TEXT,
  created_at  BIGINT NOT NULL,
  lifted_at   BIGINT,
  lifted_by   TEXT,
  lift_reason TEXT,
  PRIMARY KEY (round_id, expert_id, entry_id, source)
);
CREATE INDEX review_conflicts_entry ON review_conflicts (round_id, entry_id);

-- An expert's wish to review an entry: eager, willing, not-willing.
CREATE TABLE review_bids (
  round_id  TEXT NOT NULL REFERENCES review_rounds (id) ON DELETE CASCADE,
  expert_id TEXT NOT NULL REFERENCES experts (id),
  entry_id  TEXT NOT NULL REFERENCES submissions (id),
  bid       TEXT NOT NULL CHECK (bid IN ('eager', 'willing', 'not-willing')),
  PRIMARY KEY (round_id, expert_id, entry_id)
);

-- An automatic assignment shown to the organiser before it is applied (the whole proposal as JSON).
CREATE TABLE assignment_proposals (
  id         TEXT PRIMARY KEY,
  round_id   TEXT NOT NULL REFERENCES review_rounds (id) ON DELETE CASCADE,
  body       TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  applied_at BIGINT
);

-- A review: one expert, one entry, one round. assigned → (declared: no conflict) → draft →
-- submitted; the organiser may reopen a submitted review (back to draft).
CREATE TABLE reviews (
  id             TEXT PRIMARY KEY,
  round_id       TEXT NOT NULL REFERENCES review_rounds (id) ON DELETE CASCADE,
  entry_id       TEXT NOT NULL REFERENCES submissions (id),
  expert_id      TEXT NOT NULL REFERENCES experts (id),
  status         TEXT NOT NULL DEFAULT 'assigned' CHECK (status IN ('assigned', 'declared', 'draft', 'submitted')),
  scores         TEXT NOT NULL DEFAULT '{}',
  comments       TEXT NOT NULL DEFAULT '{}',
  comment        TEXT NOT NULL DEFAULT '',
  recommendation TEXT,
  confidence     INTEGER,
  assigned_by    TEXT NOT NULL,              -- an account id, or 'proposal:<id>'
  assigned_at    BIGINT NOT NULL,
  declared_at    BIGINT,
  opened_at      BIGINT,
  updated_at     BIGINT NOT NULL,
  submitted_at   BIGINT,
  UNIQUE (round_id, entry_id, expert_id)
);
CREATE INDEX reviews_expert ON reviews (expert_id, round_id);
CREATE INDEX reviews_entry ON reviews (round_id, entry_id);
