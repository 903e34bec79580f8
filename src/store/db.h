// The database seen by the rest of Laurel: connections from a pool, parameterised SQL,
// transactions. One implementation per back end behind it: SQLite (sqlite.cpp, the default) and
// PostgreSQL through libpq (postgres.cpp); the few SQL spellings that differ are in dialect.h.
// SQL uses `?` placeholders. Thread safety: a Db is shared by all threads; a Conn is used by
// one thread at a time (take it with acquire(), it returns to the pool when released).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace laurel::store {

using Value = std::variant<std::nullptr_t, long long, std::string>;
using Params = std::vector<Value>;

class DbError : public std::runtime_error {
 public:
  enum class Kind { other, busy, constraint };
  DbError(Kind kind, const std::string& what) : std::runtime_error(what), kind(kind) {}
  Kind kind;
};

// One result row. Columns by position, or by the name the query gave them (repositories decode
// by name, so a column added to a SELECT cannot shift the others).
struct Row {
  std::vector<std::optional<std::string>> cols;
  std::shared_ptr<const std::vector<std::string>> names;  // shared by the rows of one result
  bool null(size_t i) const { return !cols.at(i); }
  const std::string& str(size_t i) const;  // "" for NULL
  long long num(size_t i) const;           // 0 for NULL
  size_t index(std::string_view name) const;  // throws std::out_of_range for a name not in the result
  bool null(std::string_view name) const { return null(index(name)); }
  const std::string& str(std::string_view name) const { return str(index(name)); }
  long long num(std::string_view name) const { return num(index(name)); }
};

class Conn {
 public:
  virtual ~Conn() = default;
  virtual void exec(std::string_view sql, const Params& params = {}) = 0;
  virtual std::vector<Row> query(std::string_view sql, const Params& params = {}) = 0;
  virtual std::optional<Row> query_one(std::string_view sql, const Params& params = {});
  virtual long long changes() = 0;  // rows changed by the last exec
  virtual void script(std::string_view sql) = 0;  // several statements, no parameters
  virtual std::string_view backend() const = 0;  // "sqlite" or "postgresql"
  virtual void begin(bool write) = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
};

class Db;

class ConnHandle {
 public:
  ConnHandle(Db* db, std::unique_ptr<Conn> c) : db_(db), c_(std::move(c)) {}
  ConnHandle(ConnHandle&&) = default;
  ~ConnHandle();
  Conn& operator*() { return *c_; }
  Conn* operator->() { return c_.get(); }

 private:
  Db* db_;
  std::unique_ptr<Conn> c_;
};

class Db {
 public:
  virtual ~Db() = default;
  virtual ConnHandle acquire() = 0;
  virtual std::string_view backend() const = 0;
  // Runs `step` inside a write transaction and returns once the transaction that holds it is
  // committed (durably, for SQLite synchronous=FULL): an acknowledged write is on disk. `step`
  // returns true to keep its changes, false to drop them; an exception from it drops them and
  // is rethrown here. A back end may run several callers' steps in one transaction (group
  // commit), each in its own savepoint: a step must not wait for other writers.
  virtual void write(const std::function<bool(Conn&)>& step);

 protected:
  friend class ConnHandle;
  virtual void release(std::unique_ptr<Conn> c) = 0;
};

// "sqlite:path/to/file.db" (the default back end) or "postgresql://…" (a libpq connection URI;
// `pool_size` connections at most).
std::unique_ptr<Db> open_database(const std::string& url, int pool_size = 16);
std::unique_ptr<Db> open_postgres(const std::string& url, int pool_size);

// A transaction: commits on commit(), rolls back when left without it.
class Tx {
 public:
  Tx(Conn& c, bool write) : c_(c) { c_.begin(write); }
  Tx(const Tx&) = delete;
  ~Tx() {
    if (!done_) try {
        c_.rollback();
      } catch (...) {
      }
  }
  void commit() {
    c_.commit();
    done_ = true;
  }

 private:
  Conn& c_;
  bool done_ = false;
};

// Applies every migration of migrations/<backend>/ not yet applied, in order, each in its own
// transaction. Returns the names applied.
std::vector<std::string> migrate(Db& db);

}  // namespace laurel::store
