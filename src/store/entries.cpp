#include "store/entries.h"

#include <nlohmann/json.hpp>

#include "store/dialect.h"

namespace laurel::store::entries {
namespace {

using nlohmann::json;


// The entry's columns, with its fields as one JSON object of parts (whole) or, for lists, only
// its titles and organisations (short, bounded): a list never reads the long texts.
const std::string& columns(std::string_view backend, bool whole) {
  auto make = [](std::string_view b, bool all) {
    std::string orgs = "(SELECT " + std::string(sql::postgres(b) ? "value::json" : "json(value)") +
                       " FROM submission_fields WHERE submission_id = s.id AND key = 'organizations')";
    std::string fields = all ? "(SELECT " + sql::object_agg(b, "key", "value") +
                                   " FROM submission_fields WHERE submission_id = s.id)"
                             : sql::object_fn(b) + "('title_zh', s.title_zh, 'title_en', s.title_en, "
                                                   "'organizations', " + orgs + ")";
    return "s.id, s.call_slug, s.category, s.owner_id, s.status, s.receipt, " + fields +
           " AS fields, s.version, s.created_at, s.updated_at, s.submitted_at, u.email, u.org_name_zh, u.org_name_en, "
           "u.country";
  };
  static const std::string sqlite_whole = make("sqlite", true), sqlite_list = make("sqlite", false),
                           pg_whole = make("postgresql", true), pg_list = make("postgresql", false);
  bool pg = sql::postgres(backend);
  return pg ? (whole ? pg_whole : pg_list) : (whole ? sqlite_whole : sqlite_list);
}
constexpr const char* kFrom = " FROM submissions s JOIN users u ON u.id = s.owner_id ";

Entry decode(const Row& r) {
  Entry e;
  e.id = r.str("id");
  e.call = r.str("call_slug");
  e.category = r.str("category");
  e.owner_id = r.str("owner_id");
  e.status = entry_status_from(r.str("status")).value_or(EntryStatus::draft);
  if (!r.null("receipt")) e.receipt = r.str("receipt");
  e.fields = from_json_parts(json::parse(r.str("fields"), nullptr, false));
  e.version = r.num("version");
  e.created_at = from_unix_seconds(r.num("created_at"));
  e.updated_at = from_unix_seconds(r.num("updated_at"));
  if (!r.null("submitted_at")) e.submitted_at = from_unix_seconds(r.num("submitted_at"));
  e.owner_email = r.str("email");
  e.owner_org_zh = r.str("org_name_zh");
  e.owner_org_en = r.str("org_name_en");
  e.owner_country = r.str("country");
  return e;
}

}  // namespace

std::optional<Entry> find(Conn& c, const std::string& id, bool whole) {
  auto row = c.query_one("SELECT " + columns(c.backend(), whole) + kFrom + "WHERE s.id = ?", {id});
  if (!row) return std::nullopt;
  return decode(*row);
}

std::vector<Entry> of_owner(Conn& c, const std::string& owner_id, bool whole) {
  std::vector<Entry> out;
  for (const auto& r : c.query("SELECT " + columns(c.backend(), whole) + kFrom +
                                   "WHERE s.owner_id = ? ORDER BY s.updated_at DESC, s.id",
                               {owner_id}))
    out.push_back(decode(r));
  return out;
}

std::vector<Entry> of_call(Conn& c, const std::string& call, const std::string& category, const std::string& status) {
  // Four fixed SQL texts (with or without each filter): never a shape from request data.
  std::string q = "SELECT " + columns(c.backend(), false) + kFrom + "WHERE s.call_slug = ?";
  Params p{call};
  if (!category.empty()) q += " AND s.category = ?", p.push_back(category);
  if (!status.empty()) q += " AND s.status = ?", p.push_back(status);
  q += " ORDER BY s.category, s.receipt IS NULL, s.receipt, s.created_at";
  std::vector<Entry> out;
  for (const auto& r : c.query(q, p)) out.push_back(decode(r));
  return out;
}

std::map<std::string, std::pair<long long, long long>> counts_by_call(Conn& c) {
  std::map<std::string, std::pair<long long, long long>> out;
  for (const auto& r : c.query("SELECT call_slug, COUNT(*) AS total, "
                               "SUM(CASE WHEN status = 'submitted' THEN 1 ELSE 0 END) AS submitted "
                               "FROM submissions GROUP BY call_slug"))
    out[r.str("call_slug")] = {r.num("total"), r.num("submitted")};
  return out;
}

std::optional<std::pair<std::string, EntryStatus>> owner_and_status(Conn& c, const std::string& id) {
  auto row = c.query_one("SELECT owner_id, status FROM submissions WHERE id = ?", {id});
  if (!row) return std::nullopt;
  return std::pair{row->str("owner_id"), entry_status_from(row->str("status")).value_or(EntryStatus::draft)};
}

std::optional<long long> version(Conn& c, const std::string& id) {
  auto row = c.query_one("SELECT version FROM submissions WHERE id = ?", {id});
  if (!row) return std::nullopt;
  return row->num("version");
}

json parts(Conn& c, const std::string& id, const json& keys, bool all_criteria) {
  static const auto make = [](std::string_view b) {
    return "SELECT " + sql::object_agg(b, "key", "value") + " AS parts FROM submission_fields WHERE submission_id = ? AND (" +
           sql::in_json_array(b, "key") + " OR (? = 1 AND key LIKE 'criteria.%'))";
  };
  static const std::string sqlite_sql = make("sqlite"), pg_sql = make("postgresql");
  auto row = c.query_one(sql::postgres(c.backend()) ? pg_sql : sqlite_sql, {id, keys.dump(), all_criteria ? 1LL : 0LL});
  auto j = json::parse(row ? row->str("parts") : "{}", nullptr, false);
  return j.is_object() ? j : json::object();
}

void insert(Conn& c, const Entry& e, const std::map<std::string, std::string>& parts) {
  c.exec("INSERT INTO submissions (id, call_slug, category, owner_id, status, title_zh, title_en, version, "
         "created_at, updated_at) VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?)",
         {e.id, e.call, e.category, e.owner_id, e.fields.title_zh, e.fields.title_en, e.version, unix_seconds(e.created_at),
          unix_seconds(e.updated_at)});
  for (const auto& [key, value] : parts)
    c.exec("INSERT INTO submission_fields (submission_id, key, value) VALUES (?, ?, ?)", {e.id, key, value});
}

bool update(Conn& c, const Entry& next, long long from_version,
            const std::map<std::string, std::optional<std::string>>& changes) {
  c.exec("UPDATE submissions SET title_zh = ?, title_en = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?",
         {next.fields.title_zh, next.fields.title_en, next.version, unix_seconds(next.updated_at), next.id, from_version});
  if (c.changes() == 0) return false;
  for (const auto& [key, value] : changes) {
    if (value.has_value())
      c.exec("INSERT INTO submission_fields (submission_id, key, value) VALUES (?, ?, ?) "
             "ON CONFLICT (submission_id, key) DO UPDATE SET value = excluded.value",
             {next.id, key, *value});
    else
      c.exec("DELETE FROM submission_fields WHERE submission_id = ? AND key = ?", {next.id, key});
  }
  return true;
}

bool change_status(Conn& c, const Entry& next, long long from_version) {
  c.exec("UPDATE submissions SET status = ?, receipt = ?, version = ?, updated_at = ?, submitted_at = ? "
         "WHERE id = ? AND version = ?",
         {std::string(to_string(next.status)), next.receipt ? Value(*next.receipt) : Value(nullptr), next.version,
          unix_seconds(next.updated_at), next.submitted_at ? Value(unix_seconds(*next.submitted_at)) : Value(nullptr), next.id,
          from_version});
  return c.changes() > 0;
}

std::string touch(Conn& c, const std::string& id, long long now) {
  c.exec("UPDATE submissions SET version = version + 1, updated_at = ? WHERE id = ?", {now, id});
  auto row = c.query_one("SELECT status FROM submissions WHERE id = ?", {id});
  return row ? row->str("status") : std::string();
}

void write_version(Conn& c, const std::string& id, const std::string& author, long long now) {
  static const auto make = [](std::string_view b) {
    return "INSERT INTO submission_versions (submission_id, version, status, fields, materials, author_id, created_at) "
           "SELECT s.id, s.version, s.status, "
           "(SELECT " + sql::object_agg(b, "key", "value") + " FROM submission_fields WHERE submission_id = s.id), "
           "(SELECT " + sql::array_agg(b, sql::object_fn(b) +
               "('id', m.id, 'kind', m.kind, 'filename', m.filename, 'size', m.size, 'sha256', m.sha256, "
               "'content_type', m.content_type, 'caption_zh', m.caption_zh, 'caption_en', m.caption_en)", "m.position") +
           "  FROM (SELECT * FROM materials WHERE submission_id = s.id AND removed_at IS NULL AND status <> 'rejected' "
           "        ORDER BY position) m), ?, ? "
           "FROM submissions s WHERE s.id = ?";
  };
  static const std::string sqlite_sql = make("sqlite"), pg_sql = make("postgresql");
  c.exec(sql::postgres(c.backend()) ? pg_sql : sqlite_sql, {author, now, id});
}

long long next_receipt_number(Conn& c, const std::string& prefix, const std::string& code) {
  c.exec("INSERT INTO receipt_counters (prefix, code, last) VALUES (?, ?, 1) "
         "ON CONFLICT (prefix, code) DO UPDATE SET last = receipt_counters.last + 1",
         {prefix, code});
  auto n = c.query_one("SELECT last FROM receipt_counters WHERE prefix = ? AND code = ?", {prefix, code});
  return n ? n->num("last") : 0;
}

std::map<std::string, int> material_counts(Conn& c, const std::string& id) {
  std::map<std::string, int> counts;
  for (const auto& r : c.query("SELECT kind, COUNT(*) AS n FROM materials WHERE submission_id = ? AND removed_at IS NULL "
                               "AND status <> 'rejected' GROUP BY kind",
                               {id}))
    counts[r.str("kind")] = int(r.num("n"));
  return counts;
}

void lock(Conn& c, const std::string& id) {
  if (sql::postgres(c.backend())) c.query("SELECT id FROM submissions WHERE id = ? FOR UPDATE", {id});
}

}  // namespace laurel::store::entries
