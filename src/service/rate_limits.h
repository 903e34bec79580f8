// Rate limits kept in the database, so every server process counts the same events: a fixed
// window per key (e.g. failed logins of one account). Windows are per key and start at the
// first event after the previous window ended.
#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "service/env.h"

namespace laurel::service {

struct RateLimit {
  int max_events;
  std::chrono::seconds window;
};

// Seconds until `key` may act again when it already had `limit.max_events` in its window.
std::optional<long long> rate_limited(Env& env, const std::string& key, const RateLimit& limit);
// Counts one event for `key` (in a write of its own).
void count_event(Env& env, const std::string& key, const RateLimit& limit);
void clear_events(Env& env, const std::string& key);

}  // namespace laurel::service
