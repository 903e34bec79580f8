#include "service/rate_limits.h"

namespace laurel::service {

namespace {
long long secs(Instant t) { return t.time_since_epoch().count(); }
}  // namespace

std::optional<long long> rate_limited(Env& env, const std::string& key, const RateLimit& limit) {
  long long now = secs(env.now());
  auto c = env.db.acquire();
  auto row = c->query_one("SELECT window_start, count FROM rate_limits WHERE key = ?", {key});
  if (!row) return std::nullopt;
  long long ends = row->num(0) + limit.window.count();
  if (ends <= now || row->num(1) < limit.max_events) return std::nullopt;
  return ends - now;
}

void count_event(Env& env, const std::string& key, const RateLimit& limit) {
  long long now = secs(env.now());
  long long expired_if_before = now - limit.window.count();
  env.db.write([&](store::Conn& c) {
    c.exec("INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1) "
           "ON CONFLICT (key) DO UPDATE SET "
           "count = CASE WHEN rate_limits.window_start <= ? THEN 1 ELSE rate_limits.count + 1 END, "
           "window_start = CASE WHEN rate_limits.window_start <= ? THEN excluded.window_start "
           "ELSE rate_limits.window_start END",
           {key, now, expired_if_before, expired_if_before});
    return true;
  });
}

void clear_events(Env& env, const std::string& key) {
  env.db.write([&](store::Conn& c) {
    c.exec("DELETE FROM rate_limits WHERE key = ?", {key});
    return true;
  });
}

}  // namespace laurel::service
