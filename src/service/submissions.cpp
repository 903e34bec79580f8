#include "service/submissions.h"

#include <nlohmann/json.hpp>

#include "infra/crypto.h"
#include "service/calls.h"
#include "service/notices.h"
#include "service/write.h"
#include "store/audit.h"
#include "store/dialect.h"

namespace laurel::service {

using nlohmann::json;

namespace {

// The entry's columns, with its fields as one JSON object of parts (whole) or, for lists, only
// its titles and organisations (short, bounded): a list never reads the long texts.
const std::string& entry_cols(std::string_view backend, bool whole) {
  auto make = [](std::string_view b, bool all) {
    std::string orgs = "(SELECT " + std::string(store::sql::postgres(b) ? "value::json" : "json(value)") +
                       " FROM submission_fields WHERE submission_id = s.id AND key = 'organizations')";
    std::string fields = all ? "(SELECT " + store::sql::object_agg(b, "key", "value") +
                                   " FROM submission_fields WHERE submission_id = s.id)"
                             : store::sql::object_fn(b) + "('title_zh', s.title_zh, 'title_en', s.title_en, "
                                                          "'organizations', " + orgs + ")";
    return "s.id, s.call_slug, s.category, s.owner_id, s.status, s.receipt, " + fields +
           ", s.version, s.created_at, s.updated_at, s.submitted_at, u.email, u.org_name_zh, u.org_name_en, u.country";
  };
  static const std::string sqlite_whole = make("sqlite", true), sqlite_list = make("sqlite", false),
                           pg_whole = make("postgresql", true), pg_list = make("postgresql", false);
  bool pg = store::sql::postgres(backend);
  return pg ? (whole ? pg_whole : pg_list) : (whole ? sqlite_whole : sqlite_list);
}
constexpr const char* kFrom = " FROM submissions s JOIN users u ON u.id = s.owner_id ";


Submission decode(const store::Row& r) {
  Submission s;
  s.id = r.str(0);
  s.call = r.str(1);
  s.category = r.str(2);
  s.owner_id = r.str(3);
  s.status = submission_status_from(r.str(4)).value_or(SubmissionStatus::draft);
  if (!r.null(5)) s.receipt = r.str(5);
  auto j = json::parse(r.str(6), nullptr, false);
  s.fields = from_json_parts(j);
  s.version = r.num(7);
  s.created_at = Instant{std::chrono::seconds{r.num(8)}};
  s.updated_at = Instant{std::chrono::seconds{r.num(9)}};
  if (!r.null(10)) s.submitted_at = Instant{std::chrono::seconds{r.num(10)}};
  s.owner_email = r.str(11);
  s.owner_org_zh = r.str(12);
  s.owner_org_en = r.str(13);
  s.owner_country = r.str(14);
  return s;
}

long long secs(Instant t) { return t.time_since_epoch().count(); }

// The entry if `actor` may see it; "not_found" otherwise (never reveal that it exists).
EntryAccess access_of(const Submission& s) { return EntryAccess{s.owner_id, s.status}; }

// With whole = false only the titles of the fields are read.
Result<Submission> load(store::Conn& c, const Actor& actor, const std::string& id, bool whole = true) {
  if (!actor.signed_in()) return Error::make("unauthenticated", "error.unauthenticated");
  auto row = c.query_one("SELECT " + entry_cols(c.backend(), whole) + kFrom + "WHERE s.id = ?", {id});
  if (!row) return Error::make("not_found", "error.submission_not_found");
  Submission s = decode(*row);
  if (!can_read_entry(actor, access_of(s))) return Error::make("not_found", "error.submission_not_found");
  return s;
}

// The stored parts a patch touches, as one JSON object of parts. One SQL text whatever the
// patch names (the keys travel as one JSON array parameter); the patch's keys are already known
// to be valid (apply_fields ran first).
json read_parts(store::Conn& c, const std::string& id, const json& patch) {
  static const auto make = [](std::string_view b) {
    return "SELECT " + store::sql::object_agg(b, "key", "value") +
           " FROM submission_fields WHERE submission_id = ? AND (" + store::sql::in_json_array(b, "key") +
           " OR (? = 1 AND key LIKE 'criteria.%'))";
  };
  static const std::string sqlite_sql = make("sqlite"), pg_sql = make("postgresql");
  json keys = json::array();
  long long all_criteria = 0;
  if (patch.is_object())
    for (const auto& [key, v] : patch.items()) {
      if (key != "criteria") keys.push_back(key);
      else if (v.is_object())
        for (const auto& [slug, statement] : v.items()) keys.push_back("criteria." + slug);
      else all_criteria = 1;
    }
  auto row = c.query_one(store::sql::postgres(c.backend()) ? pg_sql : sqlite_sql, {id, keys.dump(), all_criteria});
  auto j = json::parse(row ? row->str(0) : "{}", nullptr, false);
  return j.is_object() ? j : json::object();
}

struct Target {
  Submission entry;
  Call call;
};

// The entry `actor` may change, and its call, while the call accepts changes (`whole`: with
// all its fields; otherwise only the titles).
Result<Target> changeable(Env& env, const Actor& actor, const std::string& id, bool whole);

Status accepting(const Call& call, Instant now) { return call_accepts_changes(call, now); }

// Keeps the entry as it now stands (after its UPDATE in the same transaction) as a version:
// copied row to row, never serialised again.
void write_version(store::Conn& c, const std::string& id, const std::string& author, long long now) {
  auto b = c.backend();
  static const auto make = [](std::string_view b) {
    return "INSERT INTO submission_versions (submission_id, version, status, fields, materials, author_id, created_at) "
           "SELECT s.id, s.version, s.status, "
           "(SELECT " + store::sql::object_agg(b, "key", "value") + " FROM submission_fields WHERE submission_id = s.id), "
           "(SELECT " + store::sql::array_agg(b, store::sql::object_fn(b) +
               "('id', m.id, 'kind', m.kind, 'filename', m.filename, 'size', m.size, 'sha256', m.sha256, "
               "'content_type', m.content_type, 'caption_zh', m.caption_zh, 'caption_en', m.caption_en)", "m.position") +
           "  FROM (SELECT * FROM materials WHERE submission_id = s.id AND removed_at IS NULL AND status <> 'rejected' "
           "        ORDER BY position) m), ?, ? "
           "FROM submissions s WHERE s.id = ?";
  };
  static const std::string sqlite_sql = make("sqlite"), pg_sql = make("postgresql");
  c.exec(store::sql::postgres(b) ? pg_sql : sqlite_sql, {author, now, id});
}

// Moves an entry to `next.status` if it is still at `from_version`; "conflict" otherwise.
// Only the small columns change: the fields stay as stored.
Status change_status(store::Conn& c, const Submission& next, long long from_version) {
  c.exec("UPDATE submissions SET status = ?, receipt = ?, version = ?, updated_at = ?, submitted_at = ? "
         "WHERE id = ? AND version = ?",
         {std::string(to_string(next.status)), next.receipt ? store::Value(*next.receipt) : store::Value(nullptr),
          next.version, secs(next.updated_at),
          next.submitted_at ? store::Value(secs(*next.submitted_at)) : store::Value(nullptr), next.id, from_version});
  if (c.changes() == 0) return Error::make("conflict", "error.conflict");
  return Ok{};
}

// Runs `attempt` again (on the entry as it then is) while it ends in "conflict": another
// change of the same entry won the race between reading it and writing.
template <class F>
Result<Submission> retrying(F attempt) {
  for (int i = 0;; ++i) {
    Result<Submission> r = attempt();
    if (r || r.error().code != "conflict" || i >= 5) return r;
  }
}

Error invalid(std::map<std::string, Message> problems) {
  Error e = Error::make("invalid", "error.entry_invalid");
  e.fields = std::move(problems);
  return e;
}

Result<Target> changeable(Env& env, const Actor& actor, const std::string& id, bool whole) {
  Submission s;
  {
    auto c = env.db.acquire();
    auto loaded = load(*c, actor, id, whole);
    if (!loaded) return loaded.error();
    s = std::move(*loaded);
  }
  auto call = find_call(env, s.call);
  if (!call) return call.error();
  if (auto st = can_change_entry(actor, access_of(s), *call, env.now()); !st) return st.error();
  return Target{std::move(s), std::move(*call)};
}

}  // namespace

json to_json(const Submission& s) {
  json j{{"id", s.id},
         {"call", s.call},
         {"category", s.category},
         {"status", to_string(s.status)},
         {"fields", to_json(s.fields)},
         {"version", s.version},
         {"created_at", iso_utc(s.created_at)},
         {"updated_at", iso_utc(s.updated_at)}};
  j["receipt"] = s.receipt ? json(*s.receipt) : json(nullptr);
  j["submitted_at"] = s.submitted_at ? json(iso_utc(*s.submitted_at)) : json(nullptr);
  return j;
}

std::map<std::string, Message> submission_problems(Env& env, const Call& call, const Submission& s) {
  const Category* cat = call.category(s.category);
  if (!cat) return {{"category", Message{"error.category_not_found", {}}}};
  auto problems = validate_entry(call, *cat, s.fields, [&](std::string_view code) { return env.countries.valid(code); },
                                 local_date(env.now(), call.time_zone));
  std::map<std::string, int> counts;
  {
    auto c = env.db.acquire();
    counts = material_counts(*c, s.id);
  }
  problems.merge(material_problems(call, s.category, counts));
  return problems;
}

std::map<std::string, int> material_counts(store::Conn& c, const std::string& submission_id) {
  std::map<std::string, int> counts;
  for (const auto& r : c.query("SELECT kind, COUNT(*) FROM materials WHERE submission_id = ? AND removed_at IS NULL "
                               "AND status <> 'rejected' GROUP BY kind",
                               {submission_id}))
    counts[r.str(0)] = int(r.num(1));
  return counts;
}

Result<ChangeTarget> changeable_entry(Env& env, const Actor& actor, const std::string& id) {
  auto t = changeable(env, actor, id, false);
  if (!t) return t.error();
  return ChangeTarget{std::move(t->entry), std::move(t->call)};
}

Status call_accepting(const Call& call, Instant now) { return accepting(call, now); }

void record_change(store::Conn& c, const std::string& id, const std::string& author, Instant now,
                   const std::string& action, const std::string& detail_json) {
  c.exec("UPDATE submissions SET version = version + 1, updated_at = ? WHERE id = ?", {secs(now), id});
  auto row = c.query_one("SELECT status FROM submissions WHERE id = ?", {id});
  if (row && row->str(0) == "submitted") {
    write_version(c, id, author, secs(now));
    store::audit(c, secs(now), author, action, "submission", id, detail_json);
  }
}

Result<Submission> create_submission(Env& env, const Actor& actor, const std::string& call_slug,
                                     const std::string& category, const json& fields) {
  if (!actor.signed_in()) return Error::make("unauthenticated", "error.unauthenticated");
  auto call = find_call(env, call_slug);
  if (!call) return call.error();
  Instant now = env.now();
  if (auto st = can_create_entry(actor, *call, call->category(category), now); !st) return st.error();
  static const json empty = json::object();
  const json& patch = fields.is_null() ? empty : fields;
  if (auto st = check_patch(*call, *call->category(category), patch); !st) return st.error();
  auto f = apply_fields(EntryFields{}, patch);
  if (!f) return f.error();
  Submission s;
  s.id = crypto::random_id();
  s.call = call_slug;
  s.category = category;
  s.owner_id = actor.id;
  s.fields = *f;
  s.version = 1;
  s.created_at = s.updated_at = now;
  return in_write(env, [&](store::Conn& conn) -> Result<Submission> {
    store::Conn* c = &conn;
    c->exec("INSERT INTO submissions (id, call_slug, category, owner_id, status, title_zh, title_en, version, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, 'draft', ?, ?, 1, ?, ?)",
            {s.id, s.call, s.category, s.owner_id, s.fields.title_zh, s.fields.title_en, secs(now), secs(now)});
    for (const auto& [key, value] : to_json_parts(s.fields))
      c->exec("INSERT INTO submission_fields (submission_id, key, value) VALUES (?, ?, ?)", {s.id, key, value});
    store::audit(*c, secs(now), actor.id, "create", "submission", s.id,
                 json{{"call", call_slug}, {"category", category}}.dump());
    s.owner_email = actor.email;
    return s;
  });
}

Result<std::vector<Submission>> my_submissions(Env& env, const Actor& actor, bool titles_only) {
  if (!actor.signed_in()) return Error::make("unauthenticated", "error.unauthenticated");
  auto c = env.db.acquire();
  std::vector<Submission> out;
  for (const auto& r : c->query("SELECT " + entry_cols(env.db.backend(), !titles_only) + kFrom +
                                    "WHERE s.owner_id = ? ORDER BY s.updated_at DESC, s.id",
                                {actor.id}))
    out.push_back(decode(r));
  return out;
}

Result<Submission> get_submission(Env& env, const Actor& actor, const std::string& id) {
  auto c = env.db.acquire();
  return load(*c, actor, id);
}

Result<Submission> save_submission(Env& env, const Actor& actor, const std::string& id, const json& patch) {
  // Read, merge, check and serialise outside the write (the serial part of group commit);
  // the write then only stores the result if nobody changed the entry meanwhile (its version),
  // otherwise the save is done again on the newer entry.
  return retrying([&]() -> Result<Submission> {
    std::optional<Submission> head;
    {
      auto c = env.db.acquire();
      auto loaded = load(*c, actor, id, false);
      if (!loaded) return loaded.error();
      head = std::move(*loaded);
    }
    // The patch is checked against the call before any of it reaches SQL: known keys, types,
    // the call's limits (a draft is never larger than a finished entry may be).
    auto call = find_call(env, head->call);
    if (!call) return call.error();
    const Category* cat = call->category(head->category);
    if (auto st = can_change_entry(actor, access_of(*head), *call, env.now()); !st) return st.error();
    if (!cat) return Error::make("not_found", "error.category_not_found");
    if (auto st = check_patch(*call, *cat, patch); !st) return st.error();
    Submission s;
    {
      auto c = env.db.acquire();
      if (head->status == SubmissionStatus::submitted) {
        // A submitted entry must still meet every rule after the change: read all of it.
        auto whole = load(*c, actor, id);
        if (!whole) return whole.error();
        s = std::move(*whole);
      } else {
        // A draft's save reads only the fields it names (and the titles, kept in the row).
        s = std::move(*head);
        auto parts = read_parts(*c, id, patch);
        EntryFields base = from_json_parts(parts);
        base.title_zh = s.fields.title_zh;
        base.title_en = s.fields.title_en;
        s.fields = std::move(base);
      }
    }
    if (call_status(*call, env.now()) == CallStatus::closed) return Error::make("deadline_passed", "error.deadline_passed");
    auto f = apply_fields(s.fields, patch);
    if (!f) return f.error();
    if (*f == s.fields) return s;  // nothing changed: no new version
    Submission next = s;
    next.fields = std::move(*f);
    next.version = s.version + 1;
    if (next.status == SubmissionStatus::submitted) {
      auto problems = submission_problems(env, *call, next);
      if (!problems.empty()) return invalid(std::move(problems));
    }
    auto changes = changed_parts(s.fields, next.fields);  // only these are written
    return in_write(env, [&](store::Conn& c) -> Result<Submission> {
      Instant now = env.now();  // the deadline holds at the moment of writing, to the second
      if (call_status(*call, now) == CallStatus::closed) return Error::make("deadline_passed", "error.deadline_passed");
      next.updated_at = now;
      c.exec("UPDATE submissions SET title_zh = ?, title_en = ?, version = ?, updated_at = ? "
             "WHERE id = ? AND version = ?",
             {next.fields.title_zh, next.fields.title_en, next.version, secs(now), id, s.version});
      if (c.changes() == 0) return Error::make("conflict", "error.conflict");
      for (const auto& [key, value] : changes) {
        if (value.has_value())
          c.exec("INSERT INTO submission_fields (submission_id, key, value) VALUES (?, ?, ?) "
                 "ON CONFLICT (submission_id, key) DO UPDATE SET value = excluded.value",
                 {id, key, *value});
        else
          c.exec("DELETE FROM submission_fields WHERE submission_id = ? AND key = ?", {id, key});
      }
      if (next.status == SubmissionStatus::submitted) {
        write_version(c, next.id, actor.id, secs(now));
        store::audit(c, secs(now), actor.id, "edit_submitted", "submission", next.id,
                     json{{"version", next.version}}.dump());
      }
      return next;
    });
  });
}

Result<Submission> submit_submission(Env& env, const Actor& actor, const std::string& id) {
  // Everything that reads, decodes or validates happens before the write; the write (the
  // serial part of group commit) only numbers the receipt and moves the entry's status.
  return retrying([&]() -> Result<Submission> {
    auto target = changeable(env, actor, id, true);  // whole: every rule is checked
    if (!target) return target.error();
    const Submission& s = target->entry;
    const Call& call = target->call;
    if (s.status == SubmissionStatus::submitted) return s;  // already in: same receipt
    auto problems = submission_problems(env, call, s);
    if (!problems.empty()) return invalid(std::move(problems));
    const Category* cat = call.category(s.category);
    return in_write(env, [&](store::Conn& c) -> Result<Submission> {
      Instant now = env.now();  // the deadline holds at the moment of writing, to the second
      if (auto st = accepting(call, now); !st) return st.error();
      auto current = c.query_one("SELECT version FROM submissions WHERE id = ?", {id});
      if (!current || current->num(0) != s.version) return Error::make("conflict", "error.conflict");
      Submission next = s;
      if (!next.receipt) {
        c.exec("INSERT INTO receipt_counters (prefix, code, last) VALUES (?, ?, 1) "
               "ON CONFLICT (prefix, code) DO UPDATE SET last = receipt_counters.last + 1",
               {call.receipt_prefix, cat->code});
        auto n = c.query_one("SELECT last FROM receipt_counters WHERE prefix = ? AND code = ?",
                             {call.receipt_prefix, cat->code});
        next.receipt = format_receipt(call.receipt_prefix, cat->code, n->num(0));
      }
      next.status = SubmissionStatus::submitted;
      next.submitted_at = now;
      next.updated_at = now;
      next.version = s.version + 1;
      if (auto st = change_status(c, next, s.version); !st) return st.error();
      write_version(c, next.id, actor.id, secs(now));
      store::audit(c, secs(now), actor.id, "submit", "submission", next.id, json{{"receipt", *next.receipt}}.dump());
      queue_receipt_mail(c, env, call, next);  // in this transaction: no receipt for a submit that rolled back
      return next;
    });
  });
}

Result<Submission> withdraw_submission(Env& env, const Actor& actor, const std::string& id) {
  return retrying([&]() -> Result<Submission> {
    auto target = changeable(env, actor, id, false);  // the texts are not needed
    if (!target) return target.error();
    const Submission& s = target->entry;
    const Call& call = target->call;
    if (auto st = can_withdraw(actor, access_of(s), call, env.now()); !st) return st.error();
    return in_write(env, [&](store::Conn& c) -> Result<Submission> {
      Instant now = env.now();
      if (auto st = accepting(call, now); !st) return st.error();
      Submission next = s;
      next.status = SubmissionStatus::withdrawn;
      next.updated_at = now;
      next.version = s.version + 1;
      if (auto st = change_status(c, next, s.version); !st) return st.error();
      write_version(c, next.id, actor.id, secs(now));
      store::audit(c, secs(now), actor.id, "withdraw", "submission", next.id);
      return next;
    });
  });
}

Result<std::vector<Submission>> call_submissions(Env& env, const Actor& actor, const std::string& call_slug,
                                                 const SubmissionFilter& filter) {
Result<std::map<std::string, EntryCounts>> entry_counts(Env& env, const Actor& actor) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  std::map<std::string, EntryCounts> out;
  auto c = env.db.acquire();
  for (const auto& r : c->query("SELECT call_slug, COUNT(*), SUM(CASE WHEN status = 'submitted' THEN 1 ELSE 0 END) "
                                "FROM submissions GROUP BY call_slug"))
    out[r.str(0)] = EntryCounts{r.num(1), r.num(2)};
  return out;
}

  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto call = find_call(env, call_slug);
  if (!call) return call.error();
  std::string sql = "SELECT " + entry_cols(env.db.backend(), false) + kFrom + "WHERE s.call_slug = ?";
  store::Params p{call_slug};
  if (!filter.category.empty()) sql += " AND s.category = ?", p.push_back(filter.category);
  if (!filter.status.empty()) sql += " AND s.status = ?", p.push_back(filter.status);
  sql += " ORDER BY s.category, s.receipt IS NULL, s.receipt, s.created_at";
  auto c = env.db.acquire();
  std::vector<Submission> out;
  for (const auto& r : c->query(sql, p)) out.push_back(decode(r));
  return out;
}

}  // namespace laurel::service
