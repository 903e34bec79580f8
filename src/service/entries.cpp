#include "service/entries.h"

#include <nlohmann/json.hpp>

#include "infra/crypto.h"
#include "service/calls.h"
#include "service/notices.h"
#include "service/write.h"
#include "store/audit.h"
#include "store/entries.h"

namespace laurel::service {

using nlohmann::json;
namespace entries = store::entries;

namespace {

EntryAccess access_of(const Entry& s) { return EntryAccess{s.owner_id, s.status}; }
Error entry_not_found() { return Error::make(Code::not_found, "error.submission_not_found"); }

// The entry if `actor` may read it (core/policy.h); "not_found" otherwise (never reveal that it
// exists). With whole = false only the titles and organisations of the fields are read.
Result<Entry> load(store::Conn& c, const Actor& actor, const std::string& id, bool whole = true) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  auto e = entries::find(c, id, whole);
  if (!e || !can_read_entry(actor, access_of(*e))) return entry_not_found();
  return std::move(*e);
}

// Runs `attempt` again (on the entry as it then is) while it ends in "conflict": another
// change of the same entry won the race between reading it and writing.
template <class F>
Result<Entry> retrying(F attempt) {
  for (int i = 0;; ++i) {
    Result<Entry> r = attempt(i);
    if (r || r.error().code != Code::conflict || i >= 5) return r;
  }
}

Error invalid(std::map<std::string, Message> problems) {
  Error e = Error::make(Code::invalid, "error.entry_invalid");
  e.fields = std::move(problems);
  return e;
}

struct Target {
  Entry entry;
  Call call;
};

// The entry `actor` may change now, and its call (`whole`: with all its fields; otherwise only
// the titles and organisations).
Result<Target> changeable(Env& env, const Actor& actor, const std::string& id, bool whole) {
  Entry s;
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

// One save of `patch` (already checked against the call) over `base`: an entry read with all
// its fields (whole), or only with its titles (then a draft's save reads the parts it names).
// Everything that reads, merges and serialises happens before the write; the write stores the
// result only if the entry is still at base's version ("conflict" otherwise).
Result<Entry> save_over(Env& env, const Actor& actor, Entry base, bool whole, const Call& call, const json& patch) {
  if (!whole) {
    if (base.status == EntryStatus::submitted) {
      // A submitted entry must still meet every rule after the change: read all of it.
      auto c = env.db.acquire();
      auto all = load(*c, actor, base.id);
      if (!all) return all.error();
      base = std::move(*all);
    } else {
      // A draft's save reads only the fields it names (and the titles, kept in the row).
      json keys = json::array();
      bool all_criteria = false;
      for (const auto& [key, v] : patch.items()) {
        if (key != "criteria") keys.push_back(key);
        else if (v.is_object())
          for (const auto& [slug, statement] : v.items()) keys.push_back("criteria." + slug);
        else all_criteria = true;
      }
      json parts;
      {
        auto c = env.db.acquire();
        parts = entries::parts(*c, base.id, keys, all_criteria);
      }
      EntryFields fields = from_json_parts(parts);
      fields.title_zh = base.fields.title_zh;
      fields.title_en = base.fields.title_en;
      base.fields = std::move(fields);
    }
  }
  if (call_status(call, env.now()) == CallStatus::closed) return Error::make(Code::deadline_passed, "error.deadline_passed");
  auto f = apply_fields(base.fields, patch);
  if (!f) return f.error();
  if (*f == base.fields) return base;  // nothing changed: no new version
  Entry next = base;
  next.fields = std::move(*f);
  next.version = base.version + 1;
  if (next.status == EntryStatus::submitted) {
    auto problems = entry_problems(env, call, next);
    if (!problems.empty()) return invalid(std::move(problems));
  }
  auto changes = changed_parts(base.fields, next.fields);  // only these are written
  return in_write(env, [&](store::Conn& c) -> Result<Entry> {
    Instant now = env.now();  // the deadline holds at the moment of writing, to the second
    if (call_status(call, now) == CallStatus::closed) return Error::make(Code::deadline_passed, "error.deadline_passed");
    next.updated_at = now;
    if (!entries::update(c, next, base.version, changes)) return Error::make(Code::conflict, "error.conflict");
    if (next.status == EntryStatus::submitted) {
      entries::write_version(c, next.id, actor.id, unix_seconds(now));
      store::audit(c, unix_seconds(now), actor.id, "edit_submitted", "submission", next.id,
                   json{{"version", next.version}}.dump());
    }
    return next;
  });
}

// Submits `s` (read whole; the actor may change it — checked by the caller): every rule checked
// before the write; the write numbers the receipt and moves the status if `s` is still current.
Result<Entry> submit_whole(Env& env, const Actor& actor, const Entry& s, const Call& call) {
  if (s.status == EntryStatus::submitted) return s;  // already in: same receipt
  auto problems = entry_problems(env, call, s);
  if (!problems.empty()) return invalid(std::move(problems));
  const Category* cat = call.category(s.category);
  if (!cat) return Error::make(Code::not_found, "error.category_not_found");
  return in_write(env, [&](store::Conn& c) -> Result<Entry> {
    Instant now = env.now();  // the deadline holds at the moment of writing, to the second
    if (auto st = call_accepts_changes(call, now); !st) return st.error();
    auto current = entries::version(c, s.id);
    if (!current || *current != s.version) return Error::make(Code::conflict, "error.conflict");
    Entry next = s;
    if (!next.receipt)
      next.receipt = format_receipt(call.receipt_prefix, cat->code,
                                    entries::next_receipt_number(c, call.receipt_prefix, cat->code));
    next.status = EntryStatus::submitted;
    next.submitted_at = now;
    next.updated_at = now;
    next.version = s.version + 1;
    if (!entries::change_status(c, next, s.version)) return Error::make(Code::conflict, "error.conflict");
    entries::write_version(c, next.id, actor.id, unix_seconds(now));
    store::audit(c, unix_seconds(now), actor.id, "submit", "submission", next.id, json{{"receipt", *next.receipt}}.dump());
    queue_receipt_mail(c, env, call, next);  // in this transaction: no receipt for a submit that rolled back
    return next;
  });
}

}  // namespace

std::map<std::string, Message> entry_problems(Env& env, const Call& call, const Entry& s) {
  const Category* cat = call.category(s.category);
  if (!cat) return {{"category", Message{"error.category_not_found", {}}}};
  auto problems = validate_entry(call, *cat, s.fields, [&](std::string_view code) { return env.countries.valid(code); },
                                 local_date(env.now(), call.time_zone));
  std::map<std::string, int> counts;
  {
    auto c = env.db.acquire();
    counts = entries::material_counts(*c, s.id);
  }
  problems.merge(material_problems(call, s.category, counts));
  return problems;
}

std::map<std::string, int> material_counts(store::Conn& c, const std::string& submission_id) {
  return entries::material_counts(c, submission_id);
}

Result<ChangeTarget> changeable_entry(Env& env, const Actor& actor, const std::string& id) {
  auto t = changeable(env, actor, id, false);
  if (!t) return t.error();
  return ChangeTarget{std::move(t->entry), std::move(t->call)};
}

Status call_accepting(const Call& call, Instant now) { return call_accepts_changes(call, now); }

void record_change(store::Conn& c, const std::string& id, const std::string& author, Instant now,
                   const std::string& action, const std::string& detail_json) {
  if (entries::touch(c, id, unix_seconds(now)) == "submitted") {
    entries::write_version(c, id, author, unix_seconds(now));
    store::audit(c, unix_seconds(now), author, action, "submission", id, detail_json);
  }
}

Result<Entry> create_entry(Env& env, const Actor& actor, const std::string& call_slug,
                                const std::string& category, const json& fields) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  auto call = find_call(env, call_slug);
  if (!call) return call.error();
  Instant now = env.now();
  if (auto st = can_create_entry(actor, *call, call->category(category), now); !st) return st.error();
  static const json empty = json::object();
  const json& patch = fields.is_null() ? empty : fields;
  if (auto st = check_patch(*call, *call->category(category), patch); !st) return st.error();
  auto f = apply_fields(EntryFields{}, patch);
  if (!f) return f.error();
  Entry s;
  s.id = crypto::random_id();
  s.call = call_slug;
  s.category = category;
  s.owner_id = actor.id;
  s.fields = *f;
  s.version = 1;
  s.created_at = s.updated_at = now;
  return in_write(env, [&](store::Conn& c) -> Result<Entry> {
    entries::insert(c, s, to_json_parts(s.fields));
    store::audit(c, unix_seconds(now), actor.id, "create", "submission", s.id,
                 json{{"call", call_slug}, {"category", category}}.dump());
    s.owner_email = actor.email;
    return s;
  });
}

Result<std::vector<Entry>> my_entries(Env& env, const Actor& actor, bool titles_only) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  auto c = env.db.acquire();
  return entries::of_owner(*c, actor.id, !titles_only);
}

Result<Entry> get_entry(Env& env, const Actor& actor, const std::string& id) {
  auto c = env.db.acquire();
  return load(*c, actor, id);
}

Result<Entry> save_entry(Env& env, const Actor& actor, const std::string& id, const json& patch) {
  return retrying([&](int) -> Result<Entry> {
    auto target = changeable(env, actor, id, false);
    if (!target) return target.error();
    // The patch is checked against the call before any of it reaches SQL: known keys, types,
    // the call's limits (a draft is never larger than a finished entry may be).
    const Category* cat = target->call.category(target->entry.category);
    if (!cat) return Error::make(Code::not_found, "error.category_not_found");
    if (auto st = check_patch(target->call, *cat, patch); !st) return st.error();
    return save_over(env, actor, std::move(target->entry), false, target->call, patch);
  });
}

Result<Entry> submit_entry(Env& env, const Actor& actor, const std::string& id) {
  return retrying([&](int) -> Result<Entry> {
    auto target = changeable(env, actor, id, true);  // whole: every rule is checked
    if (!target) return target.error();
    return submit_whole(env, actor, target->entry, target->call);
  });
}

Result<EntryForm> save_entry_form(Env& env, const Actor& actor, const std::string& id, const PatchOf& patch_of,
                                  bool submit) {
  // One read of the whole entry and one of its call serve the permission check, the patch, the
  // save, the redisplay after a refusal and the submit; only a conflict reads again.
  auto target = changeable(env, actor, id, true);
  if (!target) {
    // Its owner sees the form again after the deadline (with the reason); anyone else: the error.
    if (target.error().code == Code::not_found || target.error().code == Code::unauthenticated) return target.error();
    auto c = env.db.acquire();
    auto e = load(*c, actor, id);
    if (!e || !owns_entry(actor, access_of(*e))) return target.error();
    auto call = find_call(env, e->call);
    if (!call) return call.error();
    return EntryForm{std::move(*e), std::move(*call), target.error(), false};
  }
  Entry& entry = target->entry;
  const Call& call = target->call;
  const Category* cat = call.category(entry.category);
  if (!cat) return Error::make(Code::not_found, "error.category_not_found");
  json patch = patch_of(call, *cat);
  auto refused = [&](const Error& e) {
    EntryForm form{entry, call, e, false};
    if (auto applied = apply_fields(entry.fields, patch)) form.entry.fields = *applied;  // nothing typed is lost
    return form;
  };
  if (auto st = check_patch(call, *cat, patch); !st) return refused(st.error());
  auto saved = retrying([&](int attempt) -> Result<Entry> {
    if (attempt == 0) return save_over(env, actor, entry, true, call, patch);
    auto again = changeable(env, actor, id, true);
    if (!again) return again.error();
    return save_over(env, actor, std::move(again->entry), true, again->call, patch);
  });
  if (!saved) return refused(saved.error());
  Entry whole = entry;  // the entry as saved: its fields with the patch, the saved state
  if (auto applied = apply_fields(entry.fields, patch)) whole.fields = *applied;
  whole.version = saved->version;
  whole.updated_at = saved->updated_at;
  if (!submit) return EntryForm{std::move(whole), call, std::nullopt, false};
  auto sub = submit_whole(env, actor, whole, call);
  if (!sub && sub.error().code == Code::conflict) sub = submit_entry(env, actor, id);
  if (!sub) return EntryForm{std::move(whole), call, sub.error(), false};
  return EntryForm{std::move(*sub), call, std::nullopt, true};
}

Result<Entry> withdraw_entry(Env& env, const Actor& actor, const std::string& id) {
  return retrying([&](int) -> Result<Entry> {
    auto target = changeable(env, actor, id, false);  // the texts are not needed
    if (!target) return target.error();
    const Entry& s = target->entry;
    const Call& call = target->call;
    if (auto st = can_withdraw(actor, access_of(s), call, env.now()); !st) return st.error();
    return in_write(env, [&](store::Conn& c) -> Result<Entry> {
      Instant now = env.now();
      if (auto st = call_accepts_changes(call, now); !st) return st.error();
      Entry next = s;
      next.status = EntryStatus::withdrawn;
      next.updated_at = now;
      next.version = s.version + 1;
      if (!entries::change_status(c, next, s.version)) return Error::make(Code::conflict, "error.conflict");
      entries::write_version(c, next.id, actor.id, unix_seconds(now));
      store::audit(c, unix_seconds(now), actor.id, "withdraw", "submission", next.id);
      return next;
    });
  });
}

Result<std::map<std::string, EntryCounts>> entry_counts(Env& env, const Actor& actor) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  std::map<std::string, EntryCounts> out;
  auto c = env.db.acquire();
  for (const auto& [call, n] : entries::counts_by_call(*c)) out[call] = EntryCounts{n.first, n.second};
  return out;
}

Result<std::vector<Entry>> call_entries(Env& env, const Actor& actor, const std::string& call_slug,
                                            const EntryFilter& filter) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto call = find_call(env, call_slug);
  if (!call) return call.error();
  auto c = env.db.acquire();
  return entries::of_call(*c, call_slug, filter.category, filter.status);
}

}  // namespace laurel::service
