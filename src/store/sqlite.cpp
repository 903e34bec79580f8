// SQLite back end: WAL, synchronous=FULL (a commit is on disk before it returns), foreign keys
// on, a busy timeout so writers queue instead of failing. Statements are prepared once per
// connection and reused (at most kStatementCacheSize of them, least recently used evicted).
#include <sqlite3.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "store/db.h"
#include "store/statement_cache.h"

namespace laurel::store {
namespace {

class SqliteConn final : public Conn {
 public:
  explicit SqliteConn(const std::string& path) {
    int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw DbError(DbError::Kind::other, "cannot open database " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 10000);
    // A 512 KiB page cache per connection (SQLite's default is 2 MiB): the pool holds a connection
    // per busy handler thread, and the OS page cache is shared by all of them anyway.
    script("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-512;");
  }
  ~SqliteConn() override {
    stmts_.clear();
    sqlite3_close(db_);
  }

  void exec(std::string_view sql, const Params& params) override {
    sqlite3_stmt* st = prepare(sql, params);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    finish(st, rc);
  }

  std::vector<Row> query(std::string_view sql, const Params& params) override {
    sqlite3_stmt* st = prepare(sql, params);
    std::vector<Row> rows;
    int rc;
    int n = sqlite3_column_count(st);
    auto names = std::make_shared<std::vector<std::string>>();
    for (int i = 0; i < n; ++i) names->emplace_back(sqlite3_column_name(st, i));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      Row r;
      r.names = names;
      r.cols.reserve(n);
      for (int i = 0; i < n; ++i) {
        if (sqlite3_column_type(st, i) == SQLITE_NULL) r.cols.emplace_back(std::nullopt);
        else
          r.cols.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, i)),
                                          sqlite3_column_bytes(st, i)));
      }
      rows.push_back(std::move(r));
    }
    finish(st, rc);
    return rows;
  }

  long long changes() override { return sqlite3_changes64(db_); }
  std::string_view backend() const override { return "sqlite"; }

  void script(std::string_view sql) override {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      throw error(rc, msg);
    }
  }

  void begin(bool write) override { exec(write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", {}); }
  void commit() override { exec("COMMIT", {}); }
  void rollback() override {
    if (!sqlite3_get_autocommit(db_)) exec("ROLLBACK", {});
  }

 private:
  static DbError error(int rc, const std::string& msg) {
    int primary = rc & 0xff;
    auto kind = primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? DbError::Kind::busy
                : primary == SQLITE_CONSTRAINT                       ? DbError::Kind::constraint
                                                                     : DbError::Kind::other;
    return DbError(kind, "sqlite: " + msg);
  }

  sqlite3_stmt* prepare(std::string_view sql, const Params& params) {
    sqlite3_stmt* st;
    if (sqlite3_stmt** cached = stmts_.find(sql)) {
      st = *cached;
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
    } else {
      int rc = sqlite3_prepare_v2(db_, sql.data(), int(sql.size()), &st, nullptr);
      if (rc != SQLITE_OK) throw error(rc, std::string(sqlite3_errmsg(db_)) + " in: " + std::string(sql));
      stmts_.put(std::string(sql), st);
    }
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = int(i) + 1;
      const Value& v = params[i];
      if (std::holds_alternative<std::nullptr_t>(v)) sqlite3_bind_null(st, idx);
      else if (auto* n = std::get_if<long long>(&v)) sqlite3_bind_int64(st, idx, *n);
      else {
        const auto& s = std::get<std::string>(v);
        sqlite3_bind_text(st, idx, s.data(), int(s.size()), SQLITE_TRANSIENT);
      }
    }
    return st;
  }

  void finish(sqlite3_stmt* st, int rc) {
    if (rc != SQLITE_DONE) {
      auto e = error(rc, sqlite3_errmsg(db_));
      sqlite3_reset(st);
      throw e;
    }
    sqlite3_reset(st);
  }

  sqlite3* db_ = nullptr;
  StatementCache<sqlite3_stmt*> stmts_{kStatementCacheSize, [](sqlite3_stmt*& st) { sqlite3_finalize(st); }};
};

// Group commit: one writer thread owns the write connection. Writers queue their steps; the
// thread runs every queued step in one transaction (each in a savepoint, so one step's failure
// drops only its own changes), commits once — one fsync for the whole group — and only then
// wakes the writers. Nothing is acknowledged before the commit that holds it returns.
class GroupWriter {
 public:
  explicit GroupWriter(const std::string& path) : conn_(path), thread_([this] { run(); }) {}
  ~GroupWriter() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    work_.notify_one();
    thread_.join();
  }

  void write(const std::function<bool(Conn&)>& step) {
    Job job{&step, nullptr, false};
    {
      std::lock_guard lock(mu_);
      queue_.push_back(&job);
    }
    work_.notify_one();
    std::unique_lock lock(mu_);
    done_.wait(lock, [&] { return job.done; });
    if (job.error) std::rethrow_exception(job.error);
  }

 private:
  struct Job {
    const std::function<bool(Conn&)>* step;
    std::exception_ptr error;
    bool done;
  };

  void run() {
    for (;;) {
      std::deque<Job*> batch;
      {
        std::unique_lock lock(mu_);
        work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, nothing left
        size_t n = std::min<size_t>(queue_.size(), kMaxBatch);
        batch.assign(queue_.begin(), queue_.begin() + n);
        queue_.erase(queue_.begin(), queue_.begin() + n);
      }
      try {
        conn_.begin(true);
        for (Job* j : batch) {
          conn_.exec("SAVEPOINT step", {});
          try {
            if (!(*j->step)(conn_)) conn_.exec("ROLLBACK TO step", {});
          } catch (...) {
            j->error = std::current_exception();
            conn_.exec("ROLLBACK TO step", {});
          }
          conn_.exec("RELEASE step", {});
        }
        conn_.commit();
      } catch (...) {  // the group did not commit: none of it is acknowledged
        auto e = std::current_exception();
        try {
          conn_.rollback();
        } catch (...) {
        }
        for (Job* j : batch)
          if (!j->error) j->error = e;
      }
      {
        std::lock_guard lock(mu_);
        for (Job* j : batch) j->done = true;
      }
      done_.notify_all();
    }
  }

  static constexpr size_t kMaxBatch = 256;
  SqliteConn conn_;
  std::mutex mu_;
  std::condition_variable work_, done_;
  std::deque<Job*> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

class SqliteDb final : public Db {
 public:
  explicit SqliteDb(std::string path) : path_(std::move(path)) {
    auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    release(std::make_unique<SqliteConn>(path_));  // fail now if the file cannot be opened
    writer_ = std::make_unique<GroupWriter>(path_);
  }
  void write(const std::function<bool(Conn&)>& step) override { writer_->write(step); }
  ConnHandle acquire() override {
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        auto c = std::move(free_.back());
        free_.pop_back();
        return ConnHandle(this, std::move(c));
      }
    }
    return ConnHandle(this, std::make_unique<SqliteConn>(path_));
  }
  std::string_view backend() const override { return "sqlite"; }

 protected:
  void release(std::unique_ptr<Conn> c) override {
    try {
      c->rollback();  // never hand out a connection inside a transaction
    } catch (...) {
      return;
    }
    std::lock_guard lock(mu_);
    free_.push_back(std::move(c));
  }

 private:
  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Conn>> free_;
  std::unique_ptr<GroupWriter> writer_;
};

}  // namespace

std::unique_ptr<Db> open_database(const std::string& url, int pool_size) {
  if (url.rfind("sqlite:", 0) == 0) return std::make_unique<SqliteDb>(url.substr(7));
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) return open_postgres(url, pool_size);
  throw DbError(DbError::Kind::other, "unknown database URL \"" + url + "\" (expected sqlite:PATH or postgresql://…)");
}

}  // namespace laurel::store
