-- Optional mail (issue 11): an account may refuse the mail it does not need — deadline reminders
-- and the organiser's messages to applicants. optional_mail = 0: none of those are queued for it.
-- unsubscribe_token: the secret in those messages' List-Unsubscribe link (RFC 8058 one-click);
-- made when the first optional message is written. It can only turn optional mail off, so it is
-- kept as it is (the same link works in every message).
ALTER TABLE users ADD COLUMN optional_mail INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN unsubscribe_token TEXT;
CREATE UNIQUE INDEX users_unsubscribe_token ON users (unsubscribe_token);
