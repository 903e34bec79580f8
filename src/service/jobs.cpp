#include "service/jobs.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "infra/crypto.h"
#include "service/processing.h"
#include "service/uploads.h"

namespace laurel::service {

namespace {
constexpr int kMaxAttempts = 3;
}  // namespace

void enqueue_job(store::Conn& c, const std::string& kind, const std::string& subject, Instant now) {
  c.exec("INSERT INTO jobs (kind, subject, state, run_after, created_at) VALUES (?, ?, 'queued', ?, ?)",
         {kind, subject, unix_seconds(now), unix_seconds(now)});
}

std::optional<Job> claim_job(Env& env, const std::string& worker, std::chrono::seconds lease) {
  std::optional<Job> job;
  long long now = unix_seconds(env.now());
  std::string pick =
      "SELECT id FROM jobs WHERE (state = 'queued' AND run_after <= ?) OR (state = 'running' AND claimed_at < ?) "
      "ORDER BY id LIMIT 1";
  if (env.db.backend() == "postgresql") pick += " FOR UPDATE SKIP LOCKED";
  env.db.write([&](store::Conn& c) {
    auto rows = c.query("UPDATE jobs SET state = 'running', claimed_by = ?, claimed_at = ?, attempts = attempts + 1 "
                        "WHERE id = (" + pick + ") RETURNING id, kind, subject, attempts",
                        {worker, now, now, now - lease.count()});
    if (!rows.empty()) job = Job{rows[0].num(0), rows[0].str(1), rows[0].str(2), int(rows[0].num(3))};
    return true;
  });
  return job;
}

void finish_job(Env& env, const Job& job, bool ok, const std::string& error) {
  long long now = unix_seconds(env.now());
  env.db.write([&](store::Conn& c) {
    if (ok) c.exec("UPDATE jobs SET state = 'done', error = '' WHERE id = ?", {job.id});
    else if (job.attempts >= kMaxAttempts) c.exec("UPDATE jobs SET state = 'failed', error = ? WHERE id = ?", {error, job.id});
    else  // try again later, backing off
      c.exec("UPDATE jobs SET state = 'queued', error = ?, run_after = ? WHERE id = ?",
             {error, now + 10LL * job.attempts, job.id});
    return true;
  });
}

Worker::Worker(Env& env) : env_(env) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  name_ = std::string(host) + ":" + std::to_string(::getpid()) + ":" + crypto::random_id().substr(0, 6);
  thread_ = std::thread([this] { run(); });
}

Worker::~Worker() {
  stop_ = true;
  wake();
  if (thread_.joinable()) thread_.join();
}

void Worker::wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

bool Worker::run_one() {
  auto job = claim_job(env_, name_, std::chrono::minutes(10));
  if (!job) return false;
  std::string error;
  bool ok = false;
  try {
    if (job->kind == "process_material") ok = process_material(env_, job->subject, error);
    else error = "unknown job kind " + job->kind;
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!ok) spdlog::warn("job {} {} {} failed (attempt {}): {}", job->id, job->kind, job->subject, job->attempts, error);
  finish_job(env_, *job, ok, error);
  return true;
}

int Worker::drain() {
  int n = 0;
  while (run_one()) ++n;
  return n;
}

void Worker::run() {
  auto upkeep_every = std::min<std::chrono::seconds>(std::chrono::seconds(60), std::max<std::chrono::seconds>(
                                                                                   std::chrono::seconds(1), env_.upload_expiry / 2));
  auto next_upkeep = std::chrono::steady_clock::now();
  while (!stop_) {
    try {
      while (!stop_ && run_one()) {
      }
      if (std::chrono::steady_clock::now() >= next_upkeep) {
        int n = expire_uploads(env_);
        if (n) spdlog::info("removed {} expired uploads", n);
        next_upkeep = std::chrono::steady_clock::now() + upkeep_every;
      }
    } catch (const std::exception& e) {
      spdlog::error("worker: {}", e.what());
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(1), [&] { return woken_ || stop_.load(); });
    woken_ = false;
  }
}

}  // namespace laurel::service
