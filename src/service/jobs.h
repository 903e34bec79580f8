// Background jobs, kept in the database so that any server process may run any job and a job
// survives a crash: queued → running (claimed by one worker, with a lease) → done / failed.
// Every claim counts as an attempt. A job whose worker vanished is claimed again when its lease
// runs out; one that failed goes back to the queue (due again after 10 s × its attempts) until
// it fails on its third (or a later) attempt, when it stays failed. The one kind today is
// "process_material" (subject: the material id).
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
  // Runs due jobs on the calling thread until none is left; returns how many it ran. The
  // worker's own thread keeps running meanwhile and may take some of them (they are not counted).
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
