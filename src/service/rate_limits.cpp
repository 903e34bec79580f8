#include "service/rate_limits.h"

#include <algorithm>
#include <thread>

#include "service/write.h"

namespace laurel::service {

namespace {

// Starts a new window when the key's last one ended at or before `now`.
constexpr const char* kUpsert =
    "INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN rate_limits.window_start <= ? THEN 1 ELSE rate_limits.count + 1 END, "
    "window_start = CASE WHEN rate_limits.window_start <= ? THEN excluded.window_start "
    "ELSE rate_limits.window_start END";
}  // namespace

std::optional<long long> reserve(Env& env, const std::vector<Reservation>& keys) {
  if (keys.empty()) return std::nullopt;
  long long now = unix_seconds(env.now());
  std::optional<long long> wait;
  env.db.write([&](store::Conn& c) {
    wait.reset();
    for (const auto& k : keys) {
      long long expired_if_before = now - k.limit.window.count();
      auto row = c.query_one(std::string(kUpsert) + " RETURNING window_start, count",
                             {k.key, now, expired_if_before, expired_if_before});
      if (row && row->num(1) > k.limit.max_events) {
        long long w = std::max(1LL, row->num(0) + k.limit.window.count() - now);
        wait = std::max(wait.value_or(0), w);
      }
    }
    return !wait.has_value();  // over a limit: none of the keys is counted
  });
  return wait;
}

void refund(Env& env, const std::string& key) {
  env.db.write([&](store::Conn& c) {
    c.exec("UPDATE rate_limits SET count = count - 1 WHERE key = ? AND count > 0", {key});
    return true;
  });
}

std::optional<long long> rate_limited(Env& env, const std::string& key, const RateLimit& limit) {
  long long now = unix_seconds(env.now());
  auto c = env.db.acquire();
  auto row = c->query_one("SELECT window_start, count FROM rate_limits WHERE key = ?", {key});
  if (!row) return std::nullopt;
  long long ends = row->num(0) + limit.window.count();
  if (ends <= now || row->num(1) < limit.max_events) return std::nullopt;
  return ends - now;
}

void count_event(Env& env, const std::string& key, const RateLimit& limit) {
  long long now = unix_seconds(env.now());
  long long expired_if_before = now - limit.window.count();
  env.db.write([&](store::Conn& c) {
    c.exec(kUpsert, {key, now, expired_if_before, expired_if_before});
    return true;
  });
}

void clear_events(Env& env, const std::string& key) {
  env.db.write([&](store::Conn& c) {
    c.exec("DELETE FROM rate_limits WHERE key = ?", {key});
    return true;
  });
}

HashGate::Slot HashGate::acquire(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  if (free_ == 0) {
    if (waiting_ >= max_waiting_) return Slot(nullptr);
    ++waiting_;
    bool got = cv_.wait_for(lock, wait, [&] { return free_ > 0; });
    --waiting_;
    if (!got) return Slot(nullptr);
  }
  --free_;
  return Slot(this);
}

void HashGate::release() {
  {
    std::lock_guard lock(mu_);
    ++free_;
  }
  cv_.notify_one();
}

HashGate& password_hash_gate(const Env& env) {
  static HashGate gate = [&] {
    // Half the hardware threads by default: a flood of logins from many addresses (each a full
    // argon2id at 64 MiB) must leave the other half to everyone else (bench/abuse: 2.1× p99 at
    // one per thread on 2 cores, 1.7× at one).
    int n = env.password_hashes > 0 ? env.password_hashes : int(std::max(1u, std::thread::hardware_concurrency() / 2));
    return HashGate(n, 4 * n);
  }();
  return gate;
}

}  // namespace laurel::service
