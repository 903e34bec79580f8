// PostgreSQL back end through libpq: a pool of connections of a configured size, statements
// prepared once per connection (at most kStatementCacheSize, least recently used deallocated), `?` placeholders turned into $1, $2, … . A write is one
// transaction (PostgreSQL commits concurrent transactions in parallel, so no group writer is
// needed); a serialization failure or deadlock is retried. A lost or refused connection raises
// DbError (the web layer answers 503) and the pool reconnects by itself on the next request.
#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <spdlog/spdlog.h>
#include <thread>
#include <unordered_map>

#include "store/db.h"
#include "store/statement_cache.h"

namespace laurel::store {
namespace {

// "… WHERE a = ? AND b = ?" → "… WHERE a = $1 AND b = $2" (not inside quotes).
std::string numbered(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$' + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

DbError error_of(PGresult* res, PGconn* conn, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = std::string(what) + ": " + (res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  std::string s = state ? state : "";
  if (s.rfind("23", 0) == 0) return DbError(DbError::Kind::constraint, msg);
  if (s == "40001" || s == "40P01" || s == "55P03") return DbError(DbError::Kind::busy, msg);
  return DbError(DbError::Kind::other, msg);
}

class PgConn final : public Conn {
 public:
  explicit PgConn(const std::string& url) {
    conn_ = PQconnectdb(url.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(conn_);
      PQfinish(conn_);
      conn_ = nullptr;
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      throw DbError(DbError::Kind::other, "cannot connect to PostgreSQL: " + msg);
    }
    script("SET client_min_messages = warning; SET TIME ZONE 'UTC'");
  }
  ~PgConn() override {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;  // the statement cache, destroyed after this, has nothing left to deallocate
  }
  bool healthy() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }
  bool idle() const { return conn_ && PQtransactionStatus(conn_) == PQTRANS_IDLE; }

  void exec(std::string_view sql, const Params& params) override { run(sql, params, nullptr); }

  std::vector<Row> query(std::string_view sql, const Params& params) override {
    std::vector<Row> rows;
    run(sql, params, &rows);
    return rows;
  }

  long long changes() override { return changes_; }
  std::string_view backend() const override { return "postgresql"; }

  void script(std::string_view sql) override {
    PGresult* res = PQexec(conn_, std::string(sql).c_str());
    auto st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      auto e = error_of(res, conn_, "script");
      PQclear(res);
      throw e;
    }
    PQclear(res);
  }

  void begin(bool) override { script("BEGIN"); }
  void commit() override { script("COMMIT"); }
  void rollback() override {
    if (conn_ && PQtransactionStatus(conn_) != PQTRANS_IDLE) script("ROLLBACK");
  }

 private:
  void run(std::string_view sql, const Params& params, std::vector<Row>* rows) {
    deallocate_pending();
    const std::string* name = prepared_.find(sql);
    if (!name) {
      std::string fresh = "s" + std::to_string(++statements_made_);
      PGresult* res = PQprepare(conn_, fresh.c_str(), numbered(sql).c_str(), 0, nullptr);
      if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        auto e = error_of(res, conn_, "prepare");
        PQclear(res);
        throw e;
      }
      PQclear(res);
      name = &prepared_.put(std::string(sql), std::move(fresh));
    }
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      if (std::holds_alternative<std::nullptr_t>(params[i])) {
        values[i] = nullptr;
      } else {
        text[i] = std::holds_alternative<long long>(params[i]) ? std::to_string(std::get<long long>(params[i]))
                                                                : std::get<std::string>(params[i]);
        values[i] = text[i].c_str();
      }
    }
    PGresult* res = PQexecPrepared(conn_, name->c_str(), int(values.size()), values.data(), nullptr, nullptr, 0);
    auto st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      auto e = error_of(res, conn_, "query");
      PQclear(res);
      throw e;
    }
    const char* tuples = PQcmdTuples(res);
    changes_ = tuples && *tuples ? std::stoll(tuples) : 0;
    if (rows) {
      int n = PQntuples(res), m = PQnfields(res);
      rows->reserve(size_t(n));
      auto names = std::make_shared<std::vector<std::string>>();
      for (int c = 0; c < m; ++c) names->emplace_back(PQfname(res, c));
      for (int r = 0; r < n; ++r) {
        Row row;
        row.names = names;
        row.cols.reserve(size_t(m));
        for (int c = 0; c < m; ++c) {
          if (PQgetisnull(res, r, c)) row.cols.emplace_back(std::nullopt);
          else row.cols.emplace_back(std::string(PQgetvalue(res, r, c), size_t(PQgetlength(res, r, c))));
        }
        rows->push_back(std::move(row));
      }
    }
    PQclear(res);
  }

  // Statements evicted from the cache are deallocated on the server too — at once, or, inside a
  // failed transaction (where PostgreSQL refuses every command), before the next statement.
  void deallocate_pending() {
    if (pending_deallocation_.empty() || !conn_ || PQtransactionStatus(conn_) == PQTRANS_INERROR) return;
    for (const auto& n : pending_deallocation_) PQclear(PQexec(conn_, ("DEALLOCATE " + n).c_str()));
    pending_deallocation_.clear();
  }

  PGconn* conn_ = nullptr;
  std::vector<std::string> pending_deallocation_;
  long long statements_made_ = 0;
  StatementCache<std::string> prepared_{kStatementCacheSize, [this](std::string& n) {
                                          if (conn_) pending_deallocation_.push_back(n);
                                        }};
  long long changes_ = 0;
};

class PgDb final : public Db {
 public:
  PgDb(std::string url, int pool_size) : url_(std::move(url)), size_(std::max(1, pool_size)) {
    release(std::make_unique<PgConn>(url_));  // fail now if the database cannot be reached
    ++open_;
  }

  ConnHandle acquire() override {
    std::unique_lock lock(mu_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (free_.empty() && open_ >= size_) {
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && free_.empty() && open_ >= size_)
        throw DbError(DbError::Kind::busy, "no PostgreSQL connection free within 5 s (pool of " +
                                               std::to_string(size_) + ")");
    }
    if (!free_.empty()) {
      auto c = std::move(free_.back());
      free_.pop_back();
      return ConnHandle(this, std::move(c));
    }
    ++open_;
    lock.unlock();
    try {
      return ConnHandle(this, std::make_unique<PgConn>(url_));
    } catch (...) {
      std::lock_guard again(mu_);
      --open_;
      cv_.notify_one();
      throw;
    }
  }

  void write(const std::function<bool(Conn&)>& step) override {
    for (int attempt = 0;; ++attempt) {
      try {
        auto c = acquire();
        Tx tx(*c, true);
        if (step(*c)) tx.commit();
        return;
      } catch (const DbError& e) {
        if (e.kind != DbError::Kind::busy || attempt >= 4) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(5 << attempt));
      }
    }
  }

  std::string_view backend() const override { return "postgresql"; }

 protected:
  void release(std::unique_ptr<Conn> c) override {
    auto* pg = static_cast<PgConn*>(c.get());
    bool keep = pg->healthy();
    if (keep && !pg->idle()) {
      try {
        pg->rollback();  // never hand out a connection inside a transaction
      } catch (...) {
        keep = false;
      }
    }
    std::lock_guard lock(mu_);
    if (keep) free_.push_back(std::move(c));
    else --open_;  // a broken connection is dropped; the next acquire opens a fresh one
    cv_.notify_one();
  }

 private:
  std::string url_;
  int size_;
  int open_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> free_;
};

}  // namespace

std::unique_ptr<Db> open_postgres(const std::string& url, int pool_size) {
  return std::make_unique<PgDb>(url, pool_size);
}

}  // namespace laurel::store
