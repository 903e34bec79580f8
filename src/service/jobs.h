// Background jobs, kept in the database so that any server process may run any job and a job
// survives a crash: queued → running (claimed by one worker, with a lease) → done / failed.
// A job whose worker vanished is claimed again when its lease runs out; one that failed is
// tried again later, at most three times.
#pragma once
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/time.h"
#include "service/env.h"

namespace laurel::service {

struct Job {
  long long id = 0;
  std::string kind, subject;
  int attempts = 0;
};

void enqueue_job(store::Conn& c, const std::string& kind, const std::string& subject, Instant now);
// Claims the oldest due job for `worker` (SQLite: inside the serialised write; PostgreSQL:
// FOR UPDATE SKIP LOCKED, so two processes never claim the same job).
std::optional<Job> claim_job(Env& env, const std::string& worker, std::chrono::seconds lease);
void finish_job(Env& env, const Job& job, bool ok, const std::string& error);

// Runs jobs and periodic upkeep (expired uploads) on one thread until stopped.
class Worker {
 public:
  explicit Worker(Env& env);
  ~Worker();  // stops and joins
  void wake();
  // Runs every due job now, on the calling thread (tests and `laurel jobs`); returns how many.
  int drain();

 private:
  void run();
  bool run_one();
  Env& env_;
  std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace laurel::service
