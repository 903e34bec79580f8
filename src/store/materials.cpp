#include "store/materials.h"

#include <nlohmann/json.hpp>

namespace laurel::store::materials {
namespace {

using nlohmann::json;

constexpr const char* kColumns =
    "id, submission_id, owner_id, kind, filename, size, sha256, content_type, status, error, caption_zh, caption_en, "
    "position, width, height, duration, thumbnail, created_at";

Material decode(const Row& r) {
  Material m;
  m.id = r.str("id");
  m.submission_id = r.str("submission_id");
  m.owner_id = r.str("owner_id");
  m.kind = r.str("kind");
  m.filename = r.str("filename");
  m.size = r.num("size");
  m.sha256 = r.str("sha256");
  m.content_type = r.str("content_type");
  m.status = r.str("status");
  if (!r.str("error").empty()) {
    auto j = json::parse(r.str("error"), nullptr, false);
    if (j.is_object()) {
      Message msg{j.value("key", "material.rejected"), {}};
      const json params = j.value("params", json::object());  // kept alive while iterated
      for (const auto& [k, v] : params.items())
        if (v.is_string()) msg.params[k] = v.get<std::string>();
      m.error = msg;
    }
  }
  m.caption = {r.str("caption_zh"), r.str("caption_en")};
  m.position = int(r.num("position"));
  if (!r.null("width")) m.width = int(r.num("width"));
  if (!r.null("height")) m.height = int(r.num("height"));
  if (!r.null("duration")) try {
      m.duration = std::stod(r.str("duration"));
    } catch (...) {
    }
  m.thumbnail = r.str("thumbnail");
  m.created_at = from_unix_seconds(r.num("created_at"));
  return m;
}

std::optional<Material> one(Conn& c, const std::string& sql, const Params& p) {
  auto row = c.query_one(sql, p);
  if (!row) return std::nullopt;
  return decode(*row);
}

}  // namespace

std::optional<Material> find(Conn& c, const std::string& id) {
  return one(c, std::string("SELECT ") + kColumns + " FROM materials WHERE id = ? AND removed_at IS NULL", {id});
}

std::optional<Material> find_any(Conn& c, const std::string& id) {
  return one(c, std::string("SELECT ") + kColumns + " FROM materials WHERE id = ?", {id});
}

std::vector<Material> of_entry(Conn& c, const std::string& entry_id) {
  std::vector<Material> out;
  for (const auto& r : c.query(std::string("SELECT ") + kColumns +
                                   " FROM materials WHERE submission_id = ? AND removed_at IS NULL ORDER BY position, created_at",
                               {entry_id}))
    out.push_back(decode(r));
  return out;
}

long long count_of_kind(Conn& c, const std::string& entry_id, const std::string& kind) {
  auto r = c.query_one("SELECT COUNT(*) AS n FROM materials WHERE submission_id = ? AND kind = ? AND removed_at IS NULL "
                       "AND status <> 'rejected'",
                       {entry_id, kind});
  return r ? r->num("n") : 0;
}

long long entry_bytes(Conn& c, const std::string& entry_id) {
  auto r = c.query_one("SELECT COALESCE(SUM(size), 0) AS n FROM materials WHERE submission_id = ? AND removed_at IS NULL "
                       "AND status <> 'rejected'",
                       {entry_id});
  return r ? r->num("n") : 0;
}

long long account_bytes(Conn& c, const std::string& owner_id) {
  auto r = c.query_one("SELECT COALESCE(SUM(size), 0) AS n FROM materials WHERE owner_id = ? AND status <> 'rejected'",
                       {owner_id});
  return r ? r->num("n") : 0;
}

int next_position(Conn& c, const std::string& entry_id) {
  auto r = c.query_one("SELECT COALESCE(MAX(position), 0) + 1 AS n FROM materials WHERE submission_id = ?", {entry_id});
  return r ? int(r->num("n")) : 1;
}

void insert(Conn& c, const Material& m, const std::string& error_json) {
  c.exec("INSERT INTO materials (id, submission_id, owner_id, kind, filename, size, sha256, content_type, status, "
         "error, position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         {m.id, m.submission_id, m.owner_id, m.kind, m.filename, m.size, m.sha256, m.content_type,
          std::string(error_json.empty() ? "processing" : "rejected"), error_json, (long long)m.position,
          unix_seconds(m.created_at)});
}

bool set_caption(Conn& c, const std::string& id, const Text& caption) {
  c.exec("UPDATE materials SET caption_zh = ?, caption_en = ? WHERE id = ? AND removed_at IS NULL",
         {caption.zh, caption.en, id});
  return c.changes() > 0;
}

void set_position(Conn& c, const std::string& entry_id, const std::string& id, int position) {
  c.exec("UPDATE materials SET position = ? WHERE id = ? AND submission_id = ?", {(long long)position, id, entry_id});
}

bool mark_removed(Conn& c, const std::string& id, long long now) {
  c.exec("UPDATE materials SET removed_at = ? WHERE id = ? AND removed_at IS NULL", {now, id});
  return c.changes() > 0;
}

bool erase(Conn& c, const std::string& id) {
  c.exec("DELETE FROM materials WHERE id = ?", {id});
  return c.changes() > 0;
}

long long references(Conn& c, const std::string& sha256, bool count_rejected) {
  auto r = count_rejected
               ? c.query_one("SELECT COUNT(*) AS n FROM materials WHERE sha256 = ? OR thumbnail = ?", {sha256, sha256})
               : c.query_one("SELECT COUNT(*) AS n FROM materials WHERE (sha256 = ? AND status <> 'rejected') OR thumbnail = ?",
                             {sha256, sha256});
  return r ? r->num("n") : 0;
}

void mark_ready(Conn& c, const std::string& id, std::optional<int> width, std::optional<int> height,
                const std::string& duration, const std::string& thumbnail) {
  auto opt_int = [](const std::optional<int>& v) { return v ? Value((long long)*v) : Value(nullptr); };
  c.exec("UPDATE materials SET status = 'ready', width = ?, height = ?, duration = ?, thumbnail = ? "
         "WHERE id = ? AND status = 'processing'",
         {opt_int(width), opt_int(height), duration.empty() ? Value(nullptr) : Value(duration),
          thumbnail.empty() ? Value(nullptr) : Value(thumbnail), id});
}

void mark_rejected(Conn& c, const std::string& id, const std::string& error_json) {
  c.exec("UPDATE materials SET status = 'rejected', error = ? WHERE id = ? AND status = 'processing'", {error_json, id});
}

}  // namespace laurel::store::materials
