// Rate limits kept in the database, so every server process counts the same events: a fixed
// window per key (e.g. failed logins of one account). Windows are per key and start at the
// first event after the previous window ended.
//
// Abuse-resistant use (logins, registrations): reserve() counts an attempt *before* the
// expensive work runs, atomically (increment and read back in one statement, every key in one
// write), so parallel requests cannot all pass a check made before any of them was counted.
// HashGate bounds how many password hashes (argon2id, 64 MiB each) a process runs at once.
#pragma once
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "service/env.h"

namespace laurel::service {

struct RateLimit {
  int max_events;
  std::chrono::seconds window;
};

struct Reservation {
  std::string key;
  RateLimit limit;
};

// Counts one event for every key, in one write, if each stays within its limit; otherwise counts
// none and returns the seconds until the key that is over its limit may act again (the longest).
std::optional<long long> reserve(Env& env, const std::vector<Reservation>& keys);
// Gives back one event counted by reserve() (e.g. the attempt succeeded).
void refund(Env& env, const std::string& key);

// Seconds until `key` may act again when it already had `limit.max_events` in its window.
std::optional<long long> rate_limited(Env& env, const std::string& key, const RateLimit& limit);
// Counts one event for `key` (in a write of its own).
void count_event(Env& env, const std::string& key, const RateLimit& limit);
void clear_events(Env& env, const std::string& key);

// A counting semaphore for password hashes, with a bounded queue: at most `slots` hashes run at
// once, at most `max_waiting` callers wait (each at most `wait`); the others are refused at
// once, so waiting callers never occupy every request thread. Thread-safe.
class HashGate {
 public:
  HashGate(int slots, int max_waiting) : free_(slots), max_waiting_(max_waiting) {}
  HashGate(const HashGate&) = delete;
  // Holds a slot while alive (ok() false: none was given).
  class Slot {
   public:
    explicit Slot(HashGate* g) : g_(g) {}
    Slot(Slot&& o) noexcept : g_(o.g_) { o.g_ = nullptr; }
    Slot(const Slot&) = delete;
    ~Slot() {
      if (g_) g_->release();
    }
    bool ok() const { return g_ != nullptr; }

   private:
    HashGate* g_;
  };
  Slot acquire(std::chrono::milliseconds wait);

 private:
  void release();
  std::mutex mu_;
  std::condition_variable cv_;
  int free_;
  int waiting_ = 0;
  int max_waiting_;
};

// The process's gate, sized from env.password_hashes (0: half the hardware threads) on first use.
HashGate& password_hash_gate(const Env& env);

}  // namespace laurel::service
