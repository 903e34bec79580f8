#include "store/db.h"

#include <spdlog/spdlog.h>

#include "infra/resources.h"

namespace laurel::store {

const std::string& Row::str(size_t i) const {
  static const std::string empty;
  const auto& c = cols.at(i);
  return c ? *c : empty;
}

long long Row::num(size_t i) const {
  const auto& c = cols.at(i);
  return c ? std::stoll(*c) : 0;
}

size_t Row::index(std::string_view name) const {
  if (names)
    for (size_t i = 0; i < names->size(); ++i)
      if ((*names)[i] == name) return i;
  throw std::out_of_range("no column " + std::string(name) + " in the result");
}

std::optional<Row> Conn::query_one(std::string_view sql, const Params& params) {
  auto rows = query(sql, params);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

void Db::write(const std::function<bool(Conn&)>& step) {
  auto c = acquire();
  Tx tx(*c, true);
  if (step(*c)) tx.commit();
}

ConnHandle::~ConnHandle() {
  if (c_) db_->release(std::move(c_));
}

std::vector<std::string> migrate(Db& db) {
  auto c = db.acquire();
  // Several processes may start at once against one PostgreSQL: one migrates, the others wait.
  bool pg = db.backend() == "postgresql";
  if (pg) c->script("SELECT pg_advisory_lock(7254270)");
  struct Unlock {
    Conn& c;
    bool pg;
    ~Unlock() {
      if (pg) try {
          c.script("SELECT pg_advisory_unlock(7254270)");
        } catch (...) {
        }
    }
  } unlock{*c, pg};
  c->script(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at BIGINT NOT NULL)");
  std::string prefix = std::string("migrations/") + (pg ? "postgres" : "sqlite") + "/";
  std::vector<std::string> applied;
  for (const auto& [path, sql] : resources::all()) {  // sorted by path: 0001_…, 0002_…
    if (path.rfind(prefix, 0) != 0 || path.size() < prefix.size() + 5) continue;
    std::string name = path.substr(prefix.size());
    long long version = std::stoll(name.substr(0, 4));
    Tx tx(*c, true);
    if (c->query_one("SELECT 1 FROM schema_migrations WHERE version = ?", {version})) continue;
    c->script(sql);
    c->exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            {version, name, (long long)time(nullptr)});
    tx.commit();
    spdlog::info("migration applied: {}", name);
    applied.push_back(name);
  }
  return applied;
}

}  // namespace laurel::store
