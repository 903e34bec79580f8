#include "store/uploads.h"

#include "store/dialect.h"

namespace laurel::store::uploads {
namespace {

constexpr const char* kColumns =
    "id, owner_id, submission_id, kind, filename, length, received, created_at, expires_at, material_id";

Upload decode(const Row& r) {
  Upload u;
  u.id = r.str("id");
  u.owner_id = r.str("owner_id");
  u.submission_id = r.str("submission_id");
  u.kind = r.str("kind");
  u.filename = r.str("filename");
  u.length = r.num("length");
  u.received = r.num("received");
  u.created_at = from_unix_seconds(r.num("created_at"));
  u.expires_at = from_unix_seconds(r.num("expires_at"));
  u.material_id = r.str("material_id");
  return u;
}

long long number(Conn& c, const std::string& sql, const Params& p) {
  auto r = c.query_one(sql, p);
  return r ? r->num("n") : 0;
}

}  // namespace

std::optional<Upload> find(Conn& c, const std::string& id) {
  auto row = c.query_one(std::string("SELECT ") + kColumns + " FROM uploads WHERE id = ?", {id});
  if (!row) return std::nullopt;
  return decode(*row);
}

std::string hash_state(Conn& c, const std::string& id) {
  auto row = c.query_one("SELECT hash_state FROM uploads WHERE id = ?", {id});
  return row ? row->str("hash_state") : std::string();
}

long long pending_of_kind(Conn& c, const std::string& entry_id, const std::string& kind, long long now) {
  return number(c, "SELECT COUNT(*) AS n FROM uploads WHERE submission_id = ? AND kind = ? AND material_id IS NULL "
                   "AND expires_at > ?",
                {entry_id, kind, now});
}

long long pending_entry_bytes(Conn& c, const std::string& entry_id, long long now) {
  return number(c, "SELECT COALESCE(SUM(length), 0) AS n FROM uploads WHERE submission_id = ? AND material_id IS NULL "
                   "AND expires_at > ?",
                {entry_id, now});
}

long long pending_account_bytes(Conn& c, const std::string& owner_id, long long now) {
  return number(c, "SELECT COALESCE(SUM(length), 0) AS n FROM uploads WHERE owner_id = ? AND material_id IS NULL "
                   "AND expires_at > ?",
                {owner_id, now});
}

std::optional<std::string> of_material(Conn& c, const std::string& material_id) {
  auto row = c.query_one("SELECT id FROM uploads WHERE material_id = ?", {material_id});
  if (!row) return std::nullopt;
  return row->str("id");
}

void insert(Conn& c, const Upload& u, const std::string& hash_state) {
  c.exec("INSERT INTO uploads (id, owner_id, submission_id, kind, filename, length, received, hash_state, created_at, "
         "expires_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
         {u.id, u.owner_id, u.submission_id, u.kind, u.filename, u.length, hash_state, unix_seconds(u.created_at),
          unix_seconds(u.expires_at)});
}

bool checkpoint(Conn& c, const std::string& id, long long from, long long received, const std::string& hash_state) {
  c.exec("UPDATE uploads SET received = ?, hash_state = ? WHERE id = ? AND received = ?", {received, hash_state, id, from});
  return c.changes() > 0;
}

bool complete(Conn& c, const std::string& id, long long from, long long length, const std::string& material_id) {
  c.exec("UPDATE uploads SET received = ?, hash_state = '', material_id = ? WHERE id = ? AND received = ? "
         "AND material_id IS NULL",
         {length, material_id, id, from});
  return c.changes() > 0;
}

bool erase(Conn& c, const std::string& id, const std::string& owner_id) {
  c.exec("DELETE FROM uploads WHERE id = ? AND owner_id = ?", {id, owner_id});
  return c.changes() > 0;
}

std::vector<std::string> expired(Conn& c, long long now, int limit) {
  std::vector<std::string> ids;
  for (const auto& r : c.query("SELECT id FROM uploads WHERE expires_at <= ? LIMIT " + std::to_string(limit), {now}))
    ids.push_back(r.str("id"));
  return ids;
}

bool erase_expired(Conn& c, const std::string& id, long long now) {
  c.exec("DELETE FROM uploads WHERE id = ? AND expires_at <= ?", {id, now});
  return c.changes() > 0;
}

void lock_for_quota(Conn& c, const std::string& owner_id, const std::string& entry_id) {
  auto lock = std::string(sql::for_update(c.backend()));
  c.query("SELECT id FROM users WHERE id = ?" + lock, {owner_id});
  c.query("SELECT id FROM submissions WHERE id = ?" + lock, {entry_id});
}

}  // namespace laurel::store::uploads
