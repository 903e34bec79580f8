-- Mail (issue 11): the outbox, e-mail tokens (address verification, password reset), the
-- language mail is written in, and whether an address is verified.

-- Every message is a row, written in the same transaction as the change that caused it. The
-- sender (service/mail.h) claims a due row with a lease (claimed_by, claimed_at; a row left
-- 'sending' longer than the lease is claimed again), delivers it and records the outcome:
-- queued → sending → sent, or back to queued (run_after later, by exponential back-off) or
-- failed; cancelled: a reminder no longer needed (the entry was submitted, the deadline passed).
CREATE TABLE outbox (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,                 -- verify, password_reset, receipt, reminder, message, test
  to_address  TEXT NOT NULL,
  subject     TEXT NOT NULL,                 -- as the recipient reads it (UTF-8, not encoded)
  message     TEXT NOT NULL,                 -- the whole RFC 5322 message, CRLF line ends
  status      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  last_error  TEXT NOT NULL DEFAULT '',      -- why the last attempt failed (the server's answer)
  last_answer TEXT NOT NULL DEFAULT '',      -- the server's last answer, whatever it was
  run_after   BIGINT NOT NULL,
  claimed_by  TEXT,
  claimed_at  BIGINT,
  dedup_key   TEXT UNIQUE,                   -- at most one row per key (reminder:<entry>:<seconds>)
  entry_id    TEXT,                          -- reminders: the entry, re-checked before sending
  not_after   BIGINT,                        -- reminders: not sent from this instant on
  created_at  BIGINT NOT NULL,
  queued_at   BIGINT NOT NULL,               -- start of the back-off's 24 hours (an organiser's retry restarts it)
  sent_at     BIGINT
);
CREATE INDEX outbox_queue ON outbox (status, run_after);
CREATE INDEX outbox_created ON outbox (created_at);
CREATE INDEX outbox_claimed ON outbox (claimed_at);

-- Single-use links sent by mail; only the token's SHA-256 is stored.
CREATE TABLE email_tokens (
  token_hash  TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose     TEXT NOT NULL CHECK (purpose IN ('verify', 'reset')),
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  used_at     BIGINT
);
CREATE INDEX email_tokens_user ON email_tokens (user_id, purpose);

-- lang: the account's saved language ('' none: mail uses registered_lang, the language of the
-- registration). email_verified_at: when the owner followed the verification link.
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN registered_lang TEXT NOT NULL DEFAULT 'zh';
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
