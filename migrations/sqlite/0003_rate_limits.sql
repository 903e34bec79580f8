-- Counters for rate limits (failed logins per account), shared by every server process:
-- `count` events since `window_start` (UTC seconds); a new window starts when the old one ends.
CREATE TABLE rate_limits (
  key           TEXT PRIMARY KEY,
  window_start  BIGINT NOT NULL,
  count         INTEGER NOT NULL
);
