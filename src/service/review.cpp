#include "service/review.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/conflicts.h"
#include "core/spreadsheet.h"
#include "infra/xlsx_read.h"
#include "infra/affinity.h"
#include "infra/crypto.h"
#include "infra/mail_message.h"
#include "service/calls.h"
#include "service/mail.h"
#include "service/write.h"
#include "store/audit.h"
#include "store/entries.h"

namespace laurel::service {

using nlohmann::json;

namespace {

constexpr size_t kMaxText = 2000;
constexpr size_t kMaxComment = 10000;

Error invalid(const std::string& field, const std::string& key, std::map<std::string, std::string> params = {}) {
  Error e = Error::make(Code::invalid, "error.invalid");
  e.fields[field] = {key, std::move(params)};
  return e;
}
Error round_not_found() { return Error::make(Code::not_found, "error.round_not_found"); }
Error review_not_found() { return Error::make(Code::not_found, "error.review_not_found"); }
Error expert_not_found() { return Error::make(Code::not_found, "error.expert_not_found"); }

std::vector<std::string> string_list(const std::string& json_text) {
  std::vector<std::string> out;
  auto j = json::parse(json_text, nullptr, false);
  if (j.is_array())
    for (const auto& v : j)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

Expert expert_of(const store::Row& r) {
  Expert x;
  x.id = r.str("id");
  x.user_id = r.null("user_id") ? "" : r.str("user_id");
  x.email = r.str("email");
  x.name = r.str("name");
  x.organization = r.str("organization");
  x.country = r.str("country");
  x.expertise = r.str("expertise");
  x.bio = r.str("bio");
  x.calls = string_list(r.str("calls"));
  x.categories = string_list(r.str("categories"));
  x.max_load = int(r.num("max_load"));
  x.accepted = !r.null("accepted_at");
  x.declared_organizations = string_list(r.str("declared_organizations"));
  return x;
}
constexpr const char* kExpertCols =
    "id, user_id, email, name, organization, country, expertise, bio, calls, categories, max_load, accepted_at, "
    "declared_organizations";

Round round_of(const store::Row& r) {
  Round x;
  x.id = r.str("id");
  x.call = r.str("call_slug");
  x.number = int(r.num("number"));
  x.title_zh = r.str("title_zh");
  x.title_en = r.str("title_en");
  x.reviews_per_entry = int(r.num("reviews_per_entry"));
  x.deadline = from_unix_seconds(r.num("deadline"));
  x.visibility = r.str("visibility");
  x.scale_min = int(r.num("scale_min"));
  x.scale_max = int(r.num("scale_max"));
  x.unit_conflicts = r.num("unit_conflicts") != 0;
  return x;
}
constexpr const char* kRoundCols =
    "id, call_slug, number, title_zh, title_en, reviews_per_entry, deadline, visibility, scale_min, scale_max, "
    "unit_conflicts";

std::optional<Round> load_round(store::Conn& c, const std::string& id) {
  auto r = c.query_one(std::string("SELECT ") + kRoundCols + " FROM review_rounds WHERE id = ?", {id});
  if (!r) return std::nullopt;
  Round x = round_of(*r);
  x.entries = c.query_one("SELECT COUNT(*) FROM round_entries WHERE round_id = ?", {id})->num(0);
  return x;
}

bool bounded(const std::string& s, size_t max) { return valid_utf8(s) && utf8_length(s) <= max; }

// Which experts may review an entry of `category` in `call`: accepted, the call and category in
// their lists (an empty list: any); where the category has committees, only their members.
struct Pool {
  std::vector<Expert> experts;
  std::map<std::string, std::set<std::string>> committee_members;  // category → expert ids (when any)
  std::map<std::string, std::vector<std::string>> units;           // expert id → unit ids of its account
  bool eligible(const Expert& x, const std::string& call, const std::string& category) const {
    if (!x.accepted) return false;
    if (!x.calls.empty() && std::find(x.calls.begin(), x.calls.end(), call) == x.calls.end()) return false;
    if (auto it = committee_members.find(category); it != committee_members.end()) return it->second.count(x.id) > 0;
    return x.categories.empty() || std::find(x.categories.begin(), x.categories.end(), category) != x.categories.end();
  }
};
Pool load_pool(store::Conn& c, const std::string& call) {
  Pool p;
  for (const auto& r : c.query(std::string("SELECT ") + kExpertCols + " FROM experts ORDER BY id")) p.experts.push_back(expert_of(r));
  for (const auto& r : c.query("SELECT k.category, m.expert_id FROM committees k JOIN committee_members m ON "
                               "m.committee_id = k.id WHERE k.call_slug = ?",
                               {call}))
    p.committee_members[r.str(0)].insert(r.str(1));
  for (const auto& r : c.query("SELECT x.id, m.unit_id FROM experts x JOIN unit_members m ON m.user_id = x.user_id"))
    p.units[r.str(0)].push_back(r.str(1));
  return p;
}

// What conflict detection and affinity read of the round's entries.
struct RoundEntry {
  std::string id, category, receipt, owner_email, title_zh, title_en;
  std::vector<std::string> organizations, texts, units;
};
std::vector<RoundEntry> load_round_entries(store::Conn& c, const std::string& round_id) {
  std::vector<RoundEntry> out;
  std::map<std::string, size_t> at;
  for (const auto& r : c.query("SELECT s.id, s.category, s.receipt, u.email, s.title_zh, s.title_en FROM round_entries re "
                               "JOIN submissions s ON s.id = re.entry_id JOIN users u ON u.id = s.owner_id "
                               "WHERE re.round_id = ? ORDER BY s.receipt, s.id",
                               {round_id})) {
    at[r.str(0)] = out.size();
    out.push_back({r.str(0), r.str(1), r.null(2) ? "" : r.str(2), r.str(3), r.str(4), r.str(5), {}, {}, {}});
  }
  for (const auto& r : c.query("SELECT f.submission_id, f.key, f.value FROM submission_fields f JOIN round_entries re ON "
                               "re.entry_id = f.submission_id WHERE re.round_id = ?",
                               {round_id})) {
    auto it = at.find(r.str(0));
    if (it == at.end()) continue;
    RoundEntry& e = out[it->second];
    auto v = json::parse(r.str(2), nullptr, false);
    std::string key = r.str(1);
    if (key == "organizations" && v.is_array()) {
      for (const auto& o : v)
        if (o.is_string()) e.organizations.push_back(o.get<std::string>());
    } else if ((key.rfind("title_", 0) == 0 || key.rfind("summary_", 0) == 0 || key.rfind("criteria.", 0) == 0) &&
               v.is_string()) {
      e.texts.push_back(v.get<std::string>());
    }
  }
  for (const auto& r : c.query("SELECT DISTINCT eu.entry_id, eu.unit_id FROM entry_units eu JOIN round_entries re ON "
                               "re.entry_id = eu.entry_id WHERE re.round_id = ?",
                               {round_id}))
    if (auto it = at.find(r.str(0)); it != at.end()) out[it->second].units.push_back(r.str(1));
  return out;
}

// Writes the detected conflicts of every eligible (expert, entry) pair of the round that are not
// stored yet (a lifted one stays lifted).
void refresh_conflicts(store::Conn& c, const Round& round, long long now) {
  Pool pool = load_pool(c, round.call);
  auto entries = load_round_entries(c, round.id);
  ConflictRules rules{round.unit_conflicts};
  // Index the entries by what can tie them to an expert, so only the pairs that share something
  // are checked (500 experts × 2,000 entries would be a million pairs otherwise); the decision
  // itself stays core's detect_conflicts.
  std::map<std::string, std::set<size_t>> by_org, by_domain, by_unit;
  for (size_t i = 0; i < entries.size(); ++i) {
    for (const auto& o : entries[i].organizations)
      if (auto n = normalise_org_name(o); !n.empty()) by_org[n].insert(i);
    if (auto d = email_domain(entries[i].owner_email); !d.empty()) by_domain[d].insert(i);
    for (const auto& u : entries[i].units) by_unit[u].insert(i);
  }
  for (const auto& x : pool.experts) {
    if (!x.accepted) continue;
    ExpertFacts ef{{x.organization}, x.email, pool.units[x.id]};
    std::set<size_t> candidates;
    auto take = [&](const std::map<std::string, std::set<size_t>>& index, const std::string& key) {
      if (auto it = index.find(key); it != index.end()) candidates.insert(it->second.begin(), it->second.end());
    };
    take(by_org, normalise_org_name(x.organization));
    // Organisations the expert declared a conflict with: every entry naming one, source "declared".
    for (const auto& o : x.declared_organizations)
      if (auto it = by_org.find(normalise_org_name(o)); it != by_org.end())
        for (size_t i : it->second)
          if (pool.eligible(x, round.call, entries[i].category))
            c.exec("INSERT INTO review_conflicts (round_id, expert_id, entry_id, source, reason, created_by, created_at) "
                   "VALUES (?, ?, ?, 'declared', ?, ?, ?) ON CONFLICT DO NOTHING",
                   {round.id, x.id, entries[i].id, o, x.user_id.empty() ? store::Value(nullptr) : store::Value(x.user_id), now});
    take(by_domain, email_domain(x.email));
    for (const auto& u : ef.units) take(by_unit, u);
    for (size_t i : candidates) {
      const auto& e = entries[i];
      if (!pool.eligible(x, round.call, e.category)) continue;
      EntryFacts facts{e.organizations, e.owner_email, e.units};
      for (const auto& source : detect_conflicts(ef, facts, rules))
        c.exec("INSERT INTO review_conflicts (round_id, expert_id, entry_id, source, created_at) VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT DO NOTHING",
               {round.id, x.id, e.id, source, now});
    }
  }
}

bool conflicted(store::Conn& c, const std::string& round_id, const std::string& expert_id, const std::string& entry_id) {
  return c.query_one("SELECT 1 FROM review_conflicts WHERE round_id = ? AND expert_id = ? AND entry_id = ? AND "
                     "lifted_at IS NULL",
                     {round_id, expert_id, entry_id})
      .has_value();
}

std::map<std::string, double> number_map(const std::string& text) {
  std::map<std::string, double> out;
  auto j = json::parse(text, nullptr, false);
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.value().is_number()) out[it.key()] = it.value().get<double>();
  return out;
}
std::map<std::string, std::string> string_map(const std::string& text) {
  std::map<std::string, std::string> out;
  auto j = json::parse(text, nullptr, false);
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  return out;
}

constexpr const char* kReviewSelect =
    "SELECT r.id, r.round_id, r.entry_id, r.expert_id, r.status, r.scores, r.comments, r.comment, r.recommendation, "
    "r.confidence, r.submitted_at, r.updated_at, s.title_zh, s.title_en, s.receipt, s.category, s.call_slug, "
    "rr.title_zh AS round_title_zh, rr.title_en AS round_title_en, rr.visibility AS round_visibility, "
    "rr.deadline AS round_deadline FROM reviews r JOIN submissions s ON s.id = r.entry_id "
    "JOIN review_rounds rr ON rr.id = r.round_id ";

Review review_of(const store::Row& r) {
  Review v;
  v.id = r.str("id");
  v.round = r.str("round_id");
  v.entry = r.str("entry_id");
  v.expert = r.str("expert_id");
  v.status = r.str("status");
  v.input.scores = number_map(r.str("scores"));
  v.input.comments = string_map(r.str("comments"));
  v.input.comment = r.str("comment");
  if (!r.null("recommendation")) v.input.recommendation = r.str("recommendation");
  if (!r.null("confidence")) v.input.confidence = int(r.num("confidence"));
  if (!r.null("submitted_at")) v.submitted_at = from_unix_seconds(r.num("submitted_at"));
  v.updated_at = from_unix_seconds(r.num("updated_at"));
  v.title_zh = r.str("title_zh");
  v.title_en = r.str("title_en");
  v.receipt = r.null("receipt") ? "" : r.str("receipt");
  v.category = r.str("category");
  v.call = r.str("call_slug");
  v.round_title_zh = r.str("round_title_zh");
  v.round_title_en = r.str("round_title_en");
  v.round_visibility = r.str("round_visibility");
  v.round_deadline = from_unix_seconds(r.num("round_deadline"));
  return v;
}

// The expert row of the signed-in account (none: not an expert).
std::optional<std::string> expert_id_of(store::Conn& c, const Actor& actor) {
  if (!actor.signed_in()) return std::nullopt;
  auto r = c.query_one("SELECT id FROM experts WHERE user_id = ?", {actor.id});
  if (!r) return std::nullopt;
  return r->str(0);
}

// The actor's own review (not_found otherwise, whoever asks).
Result<Review> own_review(store::Conn& c, const Actor& actor, const std::string& review_id) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  auto me = expert_id_of(c, actor);
  if (!me || review_id.size() > 64) return review_not_found();
  auto r = c.query_one(std::string(kReviewSelect) + "WHERE r.id = ? AND r.expert_id = ?", {review_id, *me});
  if (!r) return review_not_found();
  return review_of(*r);
}

ScoreForm form_for(const Call& call, const std::string& category, const Round& round) {
  ScoreForm f;
  f.min = round.scale_min;
  f.max = round.scale_max;
  if (const Category* cat = call.category(category))
    for (const auto& k : cat->criteria) f.criteria.push_back({k.slug, k.weight, k.comment_required});
  return f;
}

json input_json_scores(const ReviewInput& in) {
  json s = json::object();
  for (const auto& [k, v] : in.scores) s[k] = v;
  return s;
}
json input_json_comments(const ReviewInput& in) {
  json s = json::object();
  for (const auto& [k, v] : in.comments) s[k] = v;
  return s;
}


}  // namespace

// ---------------------------------------------------------------- the pool

Result<ExpertInvited> invite_expert(Env& env, const Actor& actor, const ExpertInvite& in_raw) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  ExpertInvite in = in_raw;
  in.email = trim(in.email);
  std::transform(in.email.begin(), in.email.end(), in.email.begin(), [](unsigned char ch) { return std::tolower(ch); });
  Error e = Error::make(Code::invalid, "error.invalid");
  if (!mail::valid_address(in.email)) e.fields["email"] = {"rule.email", {}};
  if (trim(in.name).empty()) e.fields["name"] = {"rule.expert_name_required", {}};
  for (auto [k, v, max] : {std::tuple{"name", &in.name, size_t(200)}, std::tuple{"organization", &in.organization, size_t(300)},
                           std::tuple{"country", &in.country, size_t(8)}, std::tuple{"expertise", &in.expertise, kMaxText},
                           std::tuple{"bio", &in.bio, kMaxText}})
    if (!bounded(*v, max)) e.fields[k] = {"rule.too_long", {{"max", std::to_string(max)}}};
  if (in.max_load < 1 || in.max_load > 1000) e.fields["max_load"] = {"rule.max_load", {}};
  auto calls = list_calls(env);
  for (const auto& slug : in.calls)
    if (std::none_of(calls.begin(), calls.end(), [&](const Call& c) { return c.slug == slug; }))
      e.fields["calls"] = {"rule.unknown_call", {}};
  for (const auto& cat : in.categories)
    if (std::none_of(calls.begin(), calls.end(), [&](const Call& c) { return c.category(cat) != nullptr; }))
      e.fields["categories"] = {"rule.unknown_category", {}};
  if (in.calls.size() > 50 || in.categories.size() > 100) e.fields["categories"] = {"rule.too_many", {{"max", "100"}}};
  if (!e.fields.empty()) return e;
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Result<ExpertInvited> {
    ExpertInvited out{crypto::random_id(), crypto::random_token()};
    c.exec("INSERT INTO experts (id, email, name, organization, country, expertise, bio, calls, categories, max_load, "
           "token_hash, invited_at, expires_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
           {out.id, in.email, std::string(trim(in.name)), std::string(trim(in.organization)), std::string(trim(in.country)),
            in.expertise, in.bio, json(in.calls).dump(), json(in.categories).dump(), (long long)in.max_load,
            crypto::sha256_hex(out.token), now, now + kExpertInvitationSeconds, actor.id});
    store::audit(c, now, actor.id, "expert_invite", "expert", out.id, json{{"email", in.email}}.dump());
    auto acct = c.query_one("SELECT id FROM users WHERE lower(email) = ?", {in.email});
    Lang lang = acct ? recipient_lang(c, acct->str(0)) : recipient_lang(c, actor.id);
    json view{{"name", std::string(trim(in.name))}, {"path", "/invitations/" + out.token}};
    view["intro"] = mail_text(lang, "mail.expert_invitation.intro");
    enqueue_mail(c, env, "expert_invitation", in.email, lang, view);
    return out;
  });
}

namespace {
Result<std::vector<ExpertImportLine>> import_experts(Env& env, const Actor& actor, const std::vector<CsvRow>* rows);
}

Result<std::vector<ExpertImportLine>> import_experts_csv(Env& env, const Actor& actor, const std::string& csv) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  if (csv.size() > (4 << 20)) return invalid("csv", "rule.too_long", {{"max", std::to_string(4 << 20)}});
  auto rows = parse_csv(csv, 5001, 20);
  if (!rows) return invalid("csv", "rule.csv_malformed");
  return import_experts(env, actor, &*rows);
}

Result<std::vector<ExpertImportLine>> import_experts_xlsx(Env& env, const Actor& actor, const std::string& bytes) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  if (bytes.size() > (16 << 20)) return invalid("xlsx", "rule.too_long", {{"max", std::to_string(16 << 20)}});
  std::string why;
  xlsx::ReadLimits limits;
  limits.max_rows = 5001;
  limits.max_columns = 20;
  auto sheet = xlsx::read_first_sheet(bytes, limits, &why);
  if (!sheet) return invalid("xlsx", "rule.xlsx_unreadable", {{"reason", why}});
  std::vector<CsvRow> rows;
  for (size_t i = 0; i < sheet->size(); ++i) {
    const auto& cells = (*sheet)[i];
    if (std::all_of(cells.begin(), cells.end(), [](const std::string& v) { return trim(v).empty(); })) continue;
    rows.push_back({int(i + 1), cells});
  }
  return import_experts(env, actor, &rows);
}

namespace {
Result<std::vector<ExpertImportLine>> import_experts(Env& env, const Actor& actor, const std::vector<CsvRow>* rows) {
  if (rows->empty()) return invalid("csv", "rule.csv_header");
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < (*rows)[0].fields.size(); ++i) {
    std::string h = trim((*rows)[0].fields[i]);
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char ch) { return std::tolower(ch); });
    col[h] = i;
  }
  if (!col.count("email") || !col.count("name")) return invalid("csv", "rule.csv_header");
  auto get = [&](const CsvRow& r, const char* k) {
    auto it = col.find(k);
    return it == col.end() || it->second >= r.fields.size() ? std::string() : trim(r.fields[it->second]);
  };
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i <= s.size()) {
      size_t j = s.find(';', i);
      if (j == std::string::npos) j = s.size();
      if (auto p = trim(s.substr(i, j - i)); !p.empty()) out.push_back(p);
      i = j + 1;
    }
    return out;
  };
  std::vector<ExpertImportLine> out;
  for (size_t i = 1; i < rows->size(); ++i) {
    const CsvRow& r = (*rows)[i];
    ExpertImportLine line;
    line.line = r.line;
    ExpertInvite in;
    in.email = get(r, "email");
    line.email = in.email;
    in.name = get(r, "name");
    in.organization = get(r, "organization");
    in.country = get(r, "country");
    in.expertise = get(r, "expertise");
    in.bio = get(r, "bio");
    in.calls = split(get(r, "calls"));
    in.categories = split(get(r, "categories"));
    if (std::string load = get(r, "max_load"); !load.empty()) {
      try {
        size_t used = 0;
        long long n = std::stoll(load, &used);
        in.max_load = used == load.size() ? int(std::clamp(n, -1LL, 100000LL)) : -1;
      } catch (...) {
        in.max_load = -1;
      }
    }
    {
      auto c = env.db.acquire();
      std::string lower = in.email;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
      if (c->query_one("SELECT 1 FROM experts WHERE lower(email) = ?", {lower})) {
        line.skipped = true;
        out.push_back(std::move(line));
        continue;
      }
    }
    auto made = invite_expert(env, actor, in);
    if (made) {
      line.id = made->id;
      line.token = made->token;
    } else {
      line.error = made.error();
    }
    out.push_back(std::move(line));
  }
  return out;
}
}  // namespace

Result<Expert> expert_invitation(Env& env, const std::string& token) {
  if (token.size() < 20 || token.size() > 100) return Error::make(Code::token_expired, "error.token_expired");
  auto c = env.db.acquire();
  auto r = c->query_one(std::string("SELECT ") + kExpertCols +
                            " FROM experts WHERE token_hash = ? AND accepted_at IS NULL AND expires_at > ?",
                        {crypto::sha256_hex(token), unix_seconds(env.now())});
  if (!r) return Error::make(Code::token_expired, "error.token_expired");
  return expert_of(*r);
}

Result<Expert> accept_expert_invitation(Env& env, const Actor& actor, const std::string& token) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  if (token.size() < 20 || token.size() > 100) return Error::make(Code::token_expired, "error.token_expired");
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Result<Expert> {
    auto pending = c.query_one("SELECT id FROM experts WHERE token_hash = ? AND accepted_at IS NULL AND expires_at > ?",
                               {crypto::sha256_hex(token), now});
    if (!pending) return Error::make(Code::token_expired, "error.token_expired");
    if (c.query_one("SELECT 1 FROM experts WHERE user_id = ?", {actor.id}))
      return Error::make(Code::conflict, "error.already_expert");
    c.exec("UPDATE experts SET user_id = ?, accepted_at = ?, token_hash = NULL WHERE id = ?", {actor.id, now, pending->str(0)});
    store::audit(c, now, actor.id, "expert_join", "expert", pending->str(0));
    auto r = c.query_one(std::string("SELECT ") + kExpertCols + " FROM experts WHERE id = ?", {pending->str(0)});
    return expert_of(*r);
  });
}

Result<std::vector<Expert>> list_experts(Env& env, const Actor& actor) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto c = env.db.acquire();
  std::vector<Expert> out;
  for (const auto& r : c->query(std::string("SELECT ") + kExpertCols + " FROM experts ORDER BY name, id"))
    out.push_back(expert_of(r));
  return out;
}

Result<Expert> my_expert_profile(Env& env, const Actor& actor) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  auto c = env.db.acquire();
  auto r = c->query_one(std::string("SELECT ") + kExpertCols + " FROM experts WHERE user_id = ?", {actor.id});
  if (!r) return expert_not_found();
  return expert_of(*r);
}

Result<Expert> update_expert_profile(Env& env, const Actor& actor, const json& patch) {
  auto me = my_expert_profile(env, actor);
  if (!me) return me.error();
  Expert x = *me;
  Error e = Error::make(Code::invalid, "error.invalid");
  auto text = [&](const char* key, std::string& slot, size_t max) {
    if (!patch.contains(key)) return;
    if (!patch[key].is_string() || !bounded(patch[key].get<std::string>(), max))
      e.fields[key] = {"rule.too_long", {{"max", std::to_string(max)}}};
    else slot = patch[key].get<std::string>();
  };
  text("name", x.name, 200);
  text("organization", x.organization, 300);
  text("country", x.country, 8);
  text("expertise", x.expertise, kMaxText);
  text("bio", x.bio, kMaxText);
  if (patch.contains("name") && trim(x.name).empty()) e.fields["name"] = {"rule.expert_name_required", {}};
  auto calls = list_calls(env);
  auto list = [&](const char* key, std::vector<std::string>& slot, bool is_call) {
    if (!patch.contains(key)) return;
    std::vector<std::string> v;
    if (!patch[key].is_array() || patch[key].size() > 100) {
      e.fields[key] = {"rule.too_many", {{"max", "100"}}};
      return;
    }
    for (const auto& s : patch[key]) {
      bool known = s.is_string() && std::any_of(calls.begin(), calls.end(), [&](const Call& c) {
                     return is_call ? c.slug == s.get<std::string>() : c.category(s.get<std::string>()) != nullptr;
                   });
      if (!known) {
        e.fields[key] = {is_call ? "rule.unknown_call" : "rule.unknown_category", {}};
        return;
      }
      v.push_back(s.get<std::string>());
    }
    slot = v;
  };
  list("calls", x.calls, true);
  list("categories", x.categories, false);
  if (patch.contains("declared_organizations")) {
    const json& v = patch["declared_organizations"];
    std::vector<std::string> orgs;
    bool good = v.is_array() && v.size() <= 50;
    if (good)
      for (const auto& o : v) {
        if (!o.is_string() || !bounded(o.get<std::string>(), 300)) {
          good = false;
          break;
        }
        if (auto t = trim(o.get<std::string>()); !t.empty()) orgs.push_back(t);
      }
    if (!good) e.fields["declared_organizations"] = {"rule.declared_organizations", {}};
    else x.declared_organizations = orgs;
  }
  if (patch.contains("max_load")) {
    if (!patch["max_load"].is_number_integer() || patch["max_load"].get<long long>() < 1 ||
        patch["max_load"].get<long long>() > 1000)
      e.fields["max_load"] = {"rule.max_load", {}};
    else x.max_load = patch["max_load"].get<int>();
  }
  if (!e.fields.empty()) return e;
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Result<Expert> {
    c.exec("UPDATE experts SET name = ?, organization = ?, country = ?, expertise = ?, bio = ?, calls = ?, categories = ?, "
           "max_load = ?, declared_organizations = ? WHERE id = ?",
           {std::string(trim(x.name)), std::string(trim(x.organization)), std::string(trim(x.country)), x.expertise, x.bio,
            json(x.calls).dump(), json(x.categories).dump(), (long long)x.max_load, json(x.declared_organizations).dump(),
            x.id});
    store::audit(c, now, actor.id, "expert_profile", "expert", x.id);
    return x;
  });
}

Result<Committee> create_committee(Env& env, const Actor& actor, const std::string& call_slug, const Committee& in) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto call = find_call(env, call_slug);
  if (!call) return call.error();
  Error e = Error::make(Code::invalid, "error.invalid");
  if (!call->category(in.category)) e.fields["category"] = {"rule.unknown_category", {}};
  if (trim(in.name_zh).empty() && trim(in.name_en).empty()) e.fields["name_zh"] = {"rule.committee_name_required", {}};
  if (!bounded(in.name_zh, 200) || !bounded(in.name_en, 200)) e.fields["name_en"] = {"rule.too_long", {{"max", "200"}}};
  if (in.experts.size() > 1000) e.fields["experts"] = {"rule.too_many", {{"max", "1000"}}};
  if (!e.fields.empty()) return e;
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Result<Committee> {
    for (const auto& x : in.experts)
      if (!c.query_one("SELECT 1 FROM experts WHERE id = ?", {x})) return invalid("experts", "rule.unknown_expert");
    Committee k = in;
    k.id = crypto::random_id();
    k.call = call_slug;
    c.exec("INSERT INTO committees (id, call_slug, category, name_zh, name_en, created_at) VALUES (?, ?, ?, ?, ?, ?)",
           {k.id, call_slug, k.category, std::string(trim(k.name_zh)), std::string(trim(k.name_en)), now});
    for (const auto& x : std::set<std::string>(in.experts.begin(), in.experts.end()))
      c.exec("INSERT INTO committee_members (committee_id, expert_id) VALUES (?, ?)", {k.id, x});
    store::audit(c, now, actor.id, "committee_create", "call", call_slug, json{{"committee", k.id}, {"category", k.category}}.dump());
    return k;
  });
}

Result<std::vector<Committee>> list_committees(Env& env, const Actor& actor, const std::string& call_slug) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto c = env.db.acquire();
  std::vector<Committee> out;
  for (const auto& r : c->query("SELECT id, call_slug, category, name_zh, name_en FROM committees WHERE call_slug = ? "
                                "ORDER BY category, created_at",
                                {call_slug})) {
    Committee k{r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), {}};
    for (const auto& m : c->query("SELECT expert_id FROM committee_members WHERE committee_id = ? ORDER BY expert_id", {k.id}))
      k.experts.push_back(m.str(0));
    out.push_back(std::move(k));
  }
  return out;
}

// ---------------------------------------------------------------- rounds

Result<Round> create_round(Env& env, const Actor& actor, const std::string& call_slug, const NewRound& in) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto call = find_call(env, call_slug);
  if (!call) return call.error();
  Error e = Error::make(Code::invalid, "error.invalid");
  if (trim(in.title_zh).empty() && trim(in.title_en).empty()) e.fields["title"] = {"rule.round_title_required", {}};
  if (!bounded(in.title_zh, 200) || !bounded(in.title_en, 200)) e.fields["title"] = {"rule.too_long", {{"max", "200"}}};
  if (in.reviews_per_entry < 1 || in.reviews_per_entry > 50) e.fields["reviews_per_entry"] = {"rule.reviews_per_entry", {}};
  if (!in.deadline) e.fields["deadline"] = {"rule.instant", {}};
  else if (*in.deadline <= env.now()) e.fields["deadline"] = {"rule.round_deadline_past", {}};
  if (in.visibility != "never" && in.visibility != "after_submit" && in.visibility != "always")
    e.fields["visibility"] = {"rule.visibility", {}};
  if (in.scale_min >= in.scale_max || in.scale_min < 0 || in.scale_max > 100) e.fields["scale"] = {"rule.scale_order", {}};
  if (!in.all_submitted && (in.entry_ids.empty() || in.entry_ids.size() > 100000)) e.fields["entries"] = {"rule.round_entries", {}};
  if (!e.fields.empty()) return e;
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Result<Round> {
    Round r;
    r.id = crypto::random_id();
    r.call = call_slug;
    r.number = int(c.query_one("SELECT COUNT(*) FROM review_rounds WHERE call_slug = ?", {call_slug})->num(0)) + 1;
    r.title_zh = trim(in.title_zh);
    r.title_en = trim(in.title_en);
    r.reviews_per_entry = in.reviews_per_entry;
    r.deadline = *in.deadline;
    r.visibility = in.visibility;
    r.scale_min = in.scale_min;
    r.scale_max = in.scale_max;
    r.unit_conflicts = in.unit_conflicts;
    c.exec("INSERT INTO review_rounds (id, call_slug, number, title_zh, title_en, reviews_per_entry, deadline, visibility, "
           "scale_min, scale_max, unit_conflicts, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
           {r.id, call_slug, (long long)r.number, r.title_zh, r.title_en, (long long)r.reviews_per_entry,
            unix_seconds(r.deadline), r.visibility, (long long)r.scale_min, (long long)r.scale_max,
            r.unit_conflicts ? 1LL : 0LL, actor.id, now});
    if (in.all_submitted) {
      c.exec("INSERT INTO round_entries (round_id, entry_id) SELECT ?, id FROM submissions WHERE call_slug = ? AND "
             "status = 'submitted'",
             {r.id, call_slug});
    } else {
      for (const auto& id : std::set<std::string>(in.entry_ids.begin(), in.entry_ids.end())) {
        auto s = c.query_one("SELECT status FROM submissions WHERE id = ? AND call_slug = ?", {id, call_slug});
        if (!s || s->str(0) != "submitted") return invalid("entries", "rule.round_entry_unknown", {{"id", id}});
        c.exec("INSERT INTO round_entries (round_id, entry_id) VALUES (?, ?)", {r.id, id});
      }
    }
    r.entries = c.query_one("SELECT COUNT(*) FROM round_entries WHERE round_id = ?", {r.id})->num(0);
    refresh_conflicts(c, r, now);
    store::audit(c, now, actor.id, "round_create", "call", call_slug,
                 json{{"round", r.id}, {"entries", r.entries}, {"reviews_per_entry", r.reviews_per_entry}}.dump());
    return r;
  });
}

Result<std::vector<Round>> list_rounds(Env& env, const Actor& actor, const std::string& call_slug) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto c = env.db.acquire();
  std::vector<Round> out;
  for (const auto& r : c->query(std::string("SELECT ") + kRoundCols + " FROM review_rounds WHERE call_slug = ? ORDER BY number",
                                {call_slug}))
    if (auto x = load_round(*c, r.str(0))) out.push_back(*x);
  return out;
}

Result<Round> get_round(Env& env, const Actor& actor, const std::string& round_id) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto c = env.db.acquire();
  auto r = load_round(*c, round_id);
  if (!r) return round_not_found();
  return *r;
}

// ---------------------------------------------------------------- conflicts

Result<std::vector<Conflict>> list_conflicts(Env& env, const Actor& actor, const std::string& round_id) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  return in_write(env, [&](store::Conn& c) -> Result<std::vector<Conflict>> {
    auto r = load_round(c, round_id);
    if (!r) return round_not_found();
    refresh_conflicts(c, *r, unix_seconds(env.now()));
    std::vector<Conflict> out;
    for (const auto& row : c.query("SELECT expert_id, entry_id, source, reason FROM review_conflicts WHERE round_id = ? AND "
                                   "lifted_at IS NULL ORDER BY entry_id, expert_id, source",
                                   {round_id}))
      out.push_back({row.str(0), row.str(1), row.str(2), row.str(3)});
    return out;
  });
}

Status add_conflict(Env& env, const Actor& actor, const std::string& round_id, const std::string& expert_id,
                    const std::string& entry_id, const std::string& reason) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  if (!bounded(reason, kMaxText)) return invalid("reason", "rule.too_long", {{"max", std::to_string(kMaxText)}});
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Status {
    if (!load_round(c, round_id)) return round_not_found();
    if (!c.query_one("SELECT 1 FROM experts WHERE id = ?", {expert_id})) return invalid("expert", "rule.unknown_expert");
    if (!c.query_one("SELECT 1 FROM round_entries WHERE round_id = ? AND entry_id = ?", {round_id, entry_id}))
      return invalid("submission", "rule.round_entry_unknown", {{"id", entry_id}});
    c.exec("INSERT INTO review_conflicts (round_id, expert_id, entry_id, source, reason, created_by, created_at) VALUES "
           "(?, ?, ?, 'organiser', ?, ?, ?) ON CONFLICT (round_id, expert_id, entry_id, source) DO UPDATE SET "
           "lifted_at = NULL, lifted_by = NULL, lift_reason = NULL, reason = excluded.reason",
           {round_id, expert_id, entry_id, std::string(trim(reason)), actor.id, now});
    // A conflicted expert never reads the entry, and their review never counts: withdrawn, even
    // a submitted one (its scores stay in the audit line).
    for (const auto& r : c.query("SELECT id, status, scores FROM reviews WHERE round_id = ? AND expert_id = ? AND entry_id = ?",
                                 {round_id, expert_id, entry_id}))
      store::audit(c, now, actor.id, "review_withdraw", "review", r.str(0),
                   json{{"status", r.str(1)}, {"scores", json::parse(r.str(2), nullptr, false)}, {"reason", "conflict"}}.dump());
    c.exec("DELETE FROM reviews WHERE round_id = ? AND expert_id = ? AND entry_id = ?", {round_id, expert_id, entry_id});
    store::audit(c, now, actor.id, "conflict_add", "round", round_id,
                 json{{"expert", expert_id}, {"submission", entry_id}, {"reason", reason}}.dump());
    return Ok{};
  });
}

Status lift_conflict(Env& env, const Actor& actor, const std::string& round_id, const std::string& expert_id,
                     const std::string& entry_id, const std::string& reason) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  if (trim(reason).empty()) return invalid("reason", "rule.lift_reason_required");
  if (!bounded(reason, kMaxText)) return invalid("reason", "rule.too_long", {{"max", std::to_string(kMaxText)}});
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Status {
    c.exec("UPDATE review_conflicts SET lifted_at = ?, lifted_by = ?, lift_reason = ? WHERE round_id = ? AND expert_id = ? "
           "AND entry_id = ? AND lifted_at IS NULL",
           {now, actor.id, std::string(trim(reason)), round_id, expert_id, entry_id});
    if (c.changes() == 0) return Error::make(Code::not_found, "error.conflict_not_found");
    store::audit(c, now, actor.id, "conflict_lift", "round", round_id,
                 json{{"expert", expert_id}, {"submission", entry_id}, {"reason", reason}}.dump());
    return Ok{};
  });
}

Status set_bid(Env& env, const Actor& actor, const std::string& round_id, const std::string& expert_id,
               const std::string& entry_id, const std::string& bid) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  if (!bid.empty() && bid != "eager" && bid != "willing" && bid != "not-willing") return invalid("bid", "rule.bid");
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Status {
    if (!load_round(c, round_id)) return round_not_found();
    if (!c.query_one("SELECT 1 FROM experts WHERE id = ?", {expert_id})) return invalid("expert", "rule.unknown_expert");
    if (!c.query_one("SELECT 1 FROM round_entries WHERE round_id = ? AND entry_id = ?", {round_id, entry_id}))
      return invalid("submission", "rule.round_entry_unknown", {{"id", entry_id}});
    c.exec("DELETE FROM review_bids WHERE round_id = ? AND expert_id = ? AND entry_id = ?", {round_id, expert_id, entry_id});
    if (!bid.empty())
      c.exec("INSERT INTO review_bids (round_id, expert_id, entry_id, bid) VALUES (?, ?, ?, ?)", {round_id, expert_id, entry_id, bid});
    store::audit(c, now, actor.id, "bid", "round", round_id, json{{"expert", expert_id}, {"submission", entry_id}, {"bid", bid}}.dump());
    return Ok{};
  });
}

// ---------------------------------------------------------------- assignment

namespace {

struct Candidates {
  AssignmentProblem problem;
  std::vector<std::string> entry_ids, expert_ids;
};

Bid bid_of(const std::string& s) {
  if (s == "eager") return Bid::eager;
  if (s == "willing") return Bid::willing;
  if (s == "not-willing") return Bid::not_willing;
  return Bid::none;
}

// The round's assignment problem: entries wanting reviews, experts with load to spare, the pairs
// allowed (eligible, not conflicted, not assigned) with their affinities and bids.
Candidates build_problem(store::Conn& c, const Round& round, size_t top_n) {
  Candidates out;
  Pool pool = load_pool(c, round.call);
  auto entries = load_round_entries(c, round.id);
  std::map<std::string, int> have_entry, have_expert;
  std::set<std::pair<std::string, std::string>> assigned;
  for (const auto& r : c.query("SELECT entry_id, expert_id FROM reviews WHERE round_id = ?", {round.id})) {
    ++have_entry[r.str(0)];
    ++have_expert[r.str(1)];
    assigned.insert({r.str(0), r.str(1)});
  }
  std::set<std::pair<std::string, std::string>> conflicts;
  for (const auto& r : c.query("SELECT entry_id, expert_id FROM review_conflicts WHERE round_id = ? AND lifted_at IS NULL",
                               {round.id}))
    conflicts.insert({r.str(0), r.str(1)});
  std::map<std::pair<std::string, std::string>, Bid> bids;
  for (const auto& r : c.query("SELECT entry_id, expert_id, bid FROM review_bids WHERE round_id = ?", {round.id}))
    bids[{r.str(0), r.str(1)}] = bid_of(r.str(2));

  std::vector<affinity::Expert> profiles;
  std::vector<const Expert*> accepted;
  for (const auto& x : pool.experts) {
    if (!x.accepted) continue;
    accepted.push_back(&x);
    out.expert_ids.push_back(x.id);
    out.problem.experts.push_back({x.id, std::max(0, x.max_load - have_expert[x.id])});
    affinity::Expert p{x.id, {x.expertise, x.bio, x.organization}, {}};
    // Groups: every category the expert may review in this call.
    std::set<std::string> cats;
    for (const auto& e : entries)
      if (pool.eligible(x, round.call, e.category)) cats.insert(e.category);
    for (const auto& k : cats) p.groups.push_back("cat:" + k);
    profiles.push_back(std::move(p));
  }
  std::vector<affinity::Entry> queries;
  for (const auto& e : entries) {
    out.entry_ids.push_back(e.id);
    out.problem.entries.push_back({e.id, std::max(0, round.reviews_per_entry - have_entry[e.id])});
    queries.push_back({e.id, e.texts, std::vector<std::string>{"cat:" + e.category}});
  }
  std::vector<std::vector<affinity::Match>> matches;
  if (!profiles.empty() && !queries.empty()) {
    affinity::Options o;
    o.top_n = top_n;
    matches = affinity::top_experts(profiles, queries, o);
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    std::map<size_t, double> aff;
    if (i < matches.size())
      for (const auto& m : matches[i]) aff[m.expert] = m.affinity;
    // Every eligible expert is a candidate (affinity 0 when the index found no common term), so
    // an entry with an unusual vocabulary still gets reviewers.
    for (size_t x = 0; x < accepted.size(); ++x) {
      const Expert& ex = *accepted[x];
      if (!pool.eligible(ex, round.call, e.category)) continue;
      if (conflicts.count({e.id, ex.id})) continue;
      if (assigned.count({e.id, ex.id})) {
        out.problem.existing.push_back({std::uint32_t(i), std::uint32_t(x)});
        continue;
      }
      Bid b = bids.count({e.id, ex.id}) ? bids[{e.id, ex.id}] : Bid::none;
      double a = aff.count(x) ? std::clamp(aff[x], 0.0, 1.0) : 0.0;
      out.problem.candidates.push_back({std::uint32_t(i), std::uint32_t(x), a, b});
    }
  }
  return out;
}

}  // namespace

Result<Proposal> propose_assignment(Env& env, const Actor& actor, const std::string& round_id) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Result<Proposal> {
    auto round = load_round(c, round_id);
    if (!round) return round_not_found();
    refresh_conflicts(c, *round, now);
    Candidates cand = build_problem(c, *round, 200);
    auto solved = laurel::propose_assignment(cand.problem);
    if (!solved) return solved.error();
    Proposal p;
    p.id = crypto::random_id();
    p.total_affinity = solved->total_affinity;
    for (const auto& a : solved->assignments)
      p.assignments.push_back({cand.entry_ids[a.entry], cand.expert_ids[a.expert], a.affinity});
    for (size_t x = 0; x < solved->loads.size(); ++x)
      if (solved->loads[x] > 0) p.loads[cand.expert_ids[x]] = solved->loads[x];
    for (const auto& s : solved->short_entries)
      p.short_entries.push_back({cand.entry_ids[s.entry], std::string(short_reason_code(s.reason)), s.wanted, s.assigned});
    json body{{"assignments", json::array()}};
    for (const auto& a : p.assignments) body["assignments"].push_back({{"submission", a.submission}, {"expert", a.expert}, {"affinity", a.affinity}});
    c.exec("INSERT INTO assignment_proposals (id, round_id, body, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
           {p.id, round_id, body.dump(), actor.id, now});
    store::audit(c, now, actor.id, "assignment_propose", "round", round_id,
                 json{{"proposal", p.id}, {"assignments", p.assignments.size()}, {"short", p.short_entries.size()}}.dump());
    return p;
  });
}

Result<int> apply_proposal(Env& env, const Actor& actor, const std::string& round_id, const std::string& proposal_id) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Result<int> {
    auto round = load_round(c, round_id);
    if (!round) return round_not_found();
    auto p = c.query_one("SELECT body, applied_at FROM assignment_proposals WHERE id = ? AND round_id = ?",
                         {proposal_id, round_id});
    if (!p) return invalid("proposal", "rule.proposal_unknown");
    if (!p->null(1)) return Error::make(Code::conflict, "error.proposal_applied");
    int n = 0;
    const json body = json::parse(p->str(0), nullptr, false);
    if (!body.is_object() || !body.contains("assignments")) return invalid("proposal", "rule.proposal_unknown");
    for (const auto& a : body["assignments"]) {
      std::string entry = a["submission"], expert = a["expert"];
      if (conflicted(c, round_id, expert, entry)) continue;
      if (c.query_one("SELECT 1 FROM reviews WHERE round_id = ? AND entry_id = ? AND expert_id = ?", {round_id, entry, expert}))
        continue;
      // Reviews assigned by hand since the proposal count too: neither the entry's k nor the
      // expert's load is exceeded by applying it.
      if (c.query_one("SELECT COUNT(*) FROM reviews WHERE round_id = ? AND entry_id = ?", {round_id, entry})->num(0) >=
          round->reviews_per_entry)
        continue;
      auto load = c.query_one("SELECT x.max_load, (SELECT COUNT(*) FROM reviews r WHERE r.round_id = ? AND r.expert_id = x.id) "
                              "FROM experts x WHERE x.id = ?",
                              {round_id, expert});
      if (!load || load->num(1) >= load->num(0)) continue;
      c.exec("INSERT INTO reviews (id, round_id, entry_id, expert_id, assigned_by, assigned_at, updated_at) VALUES "
             "(?, ?, ?, ?, ?, ?, ?)",
             {crypto::random_id(), round_id, entry, expert, "proposal:" + proposal_id, now, now});
      ++n;
    }
    c.exec("UPDATE assignment_proposals SET applied_at = ? WHERE id = ?", {now, proposal_id});
    store::audit(c, now, actor.id, "assignment_apply", "round", round_id, json{{"proposal", proposal_id}, {"reviews", n}}.dump());
    return n;
  });
}

namespace {
Result<std::string> assign_in(store::Conn& c, const Actor& actor, const Round& round, const std::string& entry_id,
                              const std::string& expert_id, long long now) {
  auto s = c.query_one("SELECT s.category FROM round_entries re JOIN submissions s ON s.id = re.entry_id WHERE "
                       "re.round_id = ? AND re.entry_id = ?",
                       {round.id, entry_id});
  if (!s) return invalid("submission", "rule.round_entry_unknown", {{"id", entry_id}});
  auto xr = c.query_one(std::string("SELECT ") + kExpertCols + " FROM experts WHERE id = ?", {expert_id});
  if (!xr) return invalid("expert", "rule.unknown_expert");
  Expert x = expert_of(*xr);
  Pool pool = load_pool(c, round.call);
  if (!pool.eligible(x, round.call, s->str(0))) return invalid("expert", "rule.expert_not_eligible");
  if (conflicted(c, round.id, expert_id, entry_id)) return invalid("expert", "rule.expert_conflicted");
  if (c.query_one("SELECT 1 FROM reviews WHERE round_id = ? AND entry_id = ? AND expert_id = ?", {round.id, entry_id, expert_id}))
    return Error::make(Code::conflict, "error.already_assigned");
  long long load = c.query_one("SELECT COUNT(*) FROM reviews WHERE round_id = ? AND expert_id = ?", {round.id, expert_id})->num(0);
  if (load >= x.max_load) return invalid("expert", "rule.expert_full", {{"max", std::to_string(x.max_load)}});
  std::string id = crypto::random_id();
  c.exec("INSERT INTO reviews (id, round_id, entry_id, expert_id, assigned_by, assigned_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
         {id, round.id, entry_id, expert_id, actor.id, now, now});
  store::audit(c, now, actor.id, "assign", "round", round.id, json{{"submission", entry_id}, {"expert", expert_id}, {"review", id}}.dump());
  return id;
}
}  // namespace

Result<std::string> assign_review(Env& env, const Actor& actor, const std::string& round_id, const std::string& entry_id,
                                  const std::string& expert_id) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Result<std::string> {
    auto round = load_round(c, round_id);
    if (!round) return round_not_found();
    refresh_conflicts(c, *round, now);
    return assign_in(c, actor, *round, entry_id, expert_id, now);
  });
}

Result<std::vector<CsvAssignment>> assign_from_csv(Env& env, const Actor& actor, const std::string& round_id,
                                                   const std::string& csv) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  if (csv.size() > (1 << 20)) return invalid("csv", "rule.too_long", {{"max", "1048576"}});
  long long now = unix_seconds(env.now());
  std::vector<CsvAssignment> out;
  auto st = in_write(env, [&](store::Conn& c) -> Status {
    auto round = load_round(c, round_id);
    if (!round) return round_not_found();
    refresh_conflicts(c, *round, now);
    std::istringstream in(csv);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (trim(line).empty()) continue;
      auto comma = line.find(',');
      CsvAssignment a;
      a.line = n;
      a.receipt = trim(comma == std::string::npos ? line : line.substr(0, comma));
      a.email = comma == std::string::npos ? "" : trim(line.substr(comma + 1));
      std::transform(a.email.begin(), a.email.end(), a.email.begin(), [](unsigned char ch) { return std::tolower(ch); });
      if (n == 1 && a.email.find('@') == std::string::npos) continue;  // a header line
      auto e = c.query_one("SELECT s.id FROM round_entries re JOIN submissions s ON s.id = re.entry_id WHERE re.round_id = ? "
                           "AND s.receipt = ?",
                           {round_id, a.receipt});
      auto x = c.query_one("SELECT id FROM experts WHERE lower(email) = ?", {a.email});
      if (!e) a.error = invalid("submission", "rule.round_entry_unknown", {{"id", a.receipt}});
      else if (!x) a.error = invalid("expert", "rule.unknown_expert");
      else if (auto id = assign_in(c, actor, *round, e->str(0), x->str(0), now); !id) a.error = id.error();
      else a.review_id = *id;
      out.push_back(std::move(a));
      if (out.size() > 20000) break;
    }
    return Ok{};
  });
  if (!st) return st.error();
  return out;
}

// ---------------------------------------------------------------- reviews

Result<std::vector<Review>> my_reviews(Env& env, const Actor& actor) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  auto c = env.db.acquire();
  std::vector<Review> out;
  auto me = expert_id_of(*c, actor);
  if (!me) return out;
  for (const auto& r : c->query(std::string(kReviewSelect) + "WHERE r.expert_id = ? ORDER BY s.receipt, r.id", {*me}))
    out.push_back(review_of(r));
  return out;
}

Result<Review> get_review(Env& env, const Actor& actor, const std::string& review_id) {
  auto c = env.db.acquire();
  return own_review(*c, actor, review_id);
}

Result<ScoreForm> review_form(Env& env, const Review& r) {
  auto call = find_call(env, r.call);
  if (!call) return call.error();
  auto c = env.db.acquire();
  auto round = load_round(*c, r.round);
  if (!round) return round_not_found();
  return form_for(*call, r.category, *round);
}

Status declare(Env& env, const Actor& actor, const std::string& review_id, bool conflict) {
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Status {
    auto r = own_review(c, actor, review_id);
    if (!r) return r.error();
    if (conflict) {
      if (r->status == "submitted") return Error::make(Code::conflict, "error.review_submitted");
      c.exec("DELETE FROM reviews WHERE id = ?", {review_id});
      c.exec("INSERT INTO review_conflicts (round_id, expert_id, entry_id, source, created_by, created_at) VALUES "
             "(?, ?, ?, 'declared', ?, ?) ON CONFLICT DO NOTHING",
             {r->round, r->expert, r->entry, actor.id, now});
      store::audit(c, now, actor.id, "conflict_declare", "round", r->round, json{{"submission", r->entry}}.dump());
      return Ok{};
    }
    if (r->status == "assigned") {
      c.exec("UPDATE reviews SET status = 'declared', declared_at = ?, updated_at = ? WHERE id = ?", {now, now, review_id});
      store::audit(c, now, actor.id, "declare_no_conflict", "review", review_id);
    }
    return Ok{};
  });
}

Result<Entry> review_entry(Env& env, const Review& r) {
  if (r.status == "assigned") return Error::make(Code::conflict, "error.declare_first");
  auto c = env.db.acquire();
  auto e = store::entries::find(*c, r.entry, true);
  if (!e) return Error::make(Code::not_found, "error.submission_not_found");
  return std::move(*e);
}

void mark_opened(Env& env, const std::string& review_id) {
  long long now = unix_seconds(env.now());
  env.db.write([&](store::Conn& c) {
    c.exec("UPDATE reviews SET opened_at = ? WHERE id = ? AND opened_at IS NULL", {now, review_id});
    return true;
  });
}

namespace {
Status writable(store::Conn& c, const Review& r, Instant now) {
  if (r.status == "assigned") return Error::make(Code::conflict, "error.declare_first");
  if (r.status == "submitted") return Error::make(Code::conflict, "error.review_submitted");
  auto round = load_round(c, r.round);
  if (!round) return round_not_found();
  if (now >= round->deadline) return Error::make(Code::deadline_passed, "error.review_deadline_passed");
  return Ok{};
}
}  // namespace

Result<Review> save_review(Env& env, const Actor& actor, const std::string& review_id, const ReviewInput& in) {
  Instant now = env.now();
  for (const auto& [k, v] : in.comments)
    if (!bounded(v, kMaxComment)) return invalid("comments." + k, "rule.too_long", {{"max", std::to_string(kMaxComment)}});
  if (!bounded(in.comment, kMaxComment)) return invalid("comment", "rule.too_long", {{"max", std::to_string(kMaxComment)}});
  std::optional<Review> current;
  {
    auto c = env.db.acquire();
    auto r = own_review(*c, actor, review_id);
    if (!r) return r.error();
    current = *r;
  }
  auto form = review_form(env, *current);
  if (!form) return form.error();
  if (auto st = validate_review(*form, in, false); !st) return st.error();
  return in_write(env, [&](store::Conn& c) -> Result<Review> {
    auto r = own_review(c, actor, review_id);
    if (!r) return r.error();
    if (auto st = writable(c, *r, now); !st) return st.error();
    c.exec("UPDATE reviews SET status = 'draft', scores = ?, comments = ?, comment = ?, recommendation = ?, confidence = ?, "
           "updated_at = ? WHERE id = ?",
           {input_json_scores(in).dump(), input_json_comments(in).dump(), in.comment,
            in.recommendation ? store::Value(*in.recommendation) : store::Value(nullptr),
            in.confidence ? store::Value((long long)*in.confidence) : store::Value(nullptr), unix_seconds(now), review_id});
    Review out = *r;
    out.status = "draft";
    out.input = in;
    out.updated_at = now;
    return out;
  });
}

Result<Review> submit_review(Env& env, const Actor& actor, const std::string& review_id) {
  Instant now = env.now();
  std::optional<Review> current;
  {
    auto c = env.db.acquire();
    auto r = own_review(*c, actor, review_id);
    if (!r) return r.error();
    current = *r;
  }
  auto form = review_form(env, *current);
  if (!form) return form.error();
  return in_write(env, [&](store::Conn& c) -> Result<Review> {
    auto r = own_review(c, actor, review_id);
    if (!r) return r.error();
    if (auto st = writable(c, *r, now); !st) return st.error();
    if (auto st = validate_review(*form, r->input, true); !st) return st.error();
    c.exec("UPDATE reviews SET status = 'submitted', submitted_at = ?, updated_at = ? WHERE id = ?",
           {unix_seconds(now), unix_seconds(now), review_id});
    store::audit(c, unix_seconds(now), actor.id, "review_submit", "review", review_id);
    Review out = *r;
    out.status = "submitted";
    out.submitted_at = now;
    return out;
  });
}

Status reopen_review(Env& env, const Actor& actor, const std::string& review_id) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Status {
    auto r = c.query_one("SELECT status, round_id FROM reviews WHERE id = ?", {review_id});
    if (!r) return review_not_found();
    if (r->str(0) != "submitted") return Error::make(Code::conflict, "error.review_not_submitted");
    // Reopened after the deadline it could never be submitted again and would silently leave the
    // ranking: refused, with the reason.
    if (auto round = load_round(c, r->str(1)); round && now >= unix_seconds(round->deadline))
      return Error::make(Code::deadline_passed, "error.reopen_after_deadline");
    c.exec("UPDATE reviews SET status = 'draft', submitted_at = NULL, updated_at = ? WHERE id = ?", {now, review_id});
    store::audit(c, now, actor.id, "review_reopen", "review", review_id);
    return Ok{};
  });
}

std::vector<OtherReview> visible_other_reviews(Env& env, const Review& mine) {
  auto c = env.db.acquire();
  auto round = load_round(*c, mine.round);
  std::vector<OtherReview> out;
  if (!round || round->visibility == "never") return out;
  // Nothing of the entry before the expert has declared no conflict: other experts' reviews
  // speak of it (a conflicted expert would read them before declaring).
  if (mine.status == "assigned") return out;
  if (round->visibility == "after_submit" && mine.status != "submitted") return out;
  auto call = find_call(env, mine.call);
  std::optional<ScoreForm> form;
  if (call) form = form_for(*call, mine.category, *round);
  int n = 0;
  for (const auto& r : c->query(std::string(kReviewSelect) +
                                    "WHERE r.round_id = ? AND r.entry_id = ? AND r.status = 'submitted' AND r.id <> ? "
                                    "ORDER BY r.submitted_at, r.id",
                                {mine.round, mine.entry, mine.id})) {
    Review v = review_of(r);
    OtherReview o{"#" + std::to_string(++n), v.input, std::nullopt};
    if (form)
      if (auto t = review_total(*form, v.input.scores)) o.total = t->total;
    out.push_back(std::move(o));
  }
  return out;
}

bool reviews_entry(store::Conn& c, const std::string& user_id, const std::string& entry_id) {
  return c.query_one("SELECT 1 FROM reviews r JOIN experts x ON x.id = r.expert_id WHERE x.user_id = ? AND r.entry_id = ? "
                     "AND r.status IN ('declared', 'draft', 'submitted')",
                     {user_id, entry_id})
      .has_value();
}

// ---------------------------------------------------------------- ranking and progress

namespace {
struct RoundData {
  Round round;
  Call call;
  std::vector<RoundEntry> entries;
  std::vector<RoundReview> reviews;
};
Result<RoundData> round_data(Env& env, const std::string& round_id) {
  auto c = env.db.acquire();
  auto round = load_round(*c, round_id);
  if (!round) return round_not_found();
  auto call = find_call(env, round->call);
  if (!call) return call.error();
  RoundData d{*round, *call, load_round_entries(*c, round_id), {}};
  for (const auto& r : c->query("SELECT id, entry_id, expert_id, scores FROM reviews WHERE round_id = ? AND status = 'submitted'",
                                {round_id}))
    d.reviews.push_back({r.str(0), r.str(1), r.str(2), number_map(r.str(3))});
  return d;
}
// The form used to total reviews across categories: each review's own category's criteria.
// Categories of one call share the scale; rank_entries totals each review with one form, so
// rank per category, and pass every review's total through its category's form.
}  // namespace

Result<std::vector<RankedEntry>> round_ranking(Env& env, const Actor& actor, const std::string& round_id,
                                               const std::string& category) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto d = round_data(env, round_id);
  if (!d) return d.error();
  if (!category.empty() && !d->call.category(category)) return invalid("category", "rule.unknown_category");
  // One form a category; an expert's normalisation spans the whole round, so every review is
  // re-expressed on a single-criterion form by its own total before ranking.
  std::map<std::string, std::string> category_of;
  for (const auto& e : d->entries) category_of[e.id] = e.category;
  ScoreForm total_form{{{"total", 1, false}}, d->round.scale_min, d->round.scale_max};
  std::vector<RoundReview> totals;
  for (const auto& r : d->reviews) {
    auto t = review_total(form_for(d->call, category_of[r.entry], d->round), r.scores);
    if (t) totals.push_back({r.id, r.entry, r.expert, {{"total", t->total}}});
  }
  // Entries compete within their category (an achievement type, a domain): ranks restart in each,
  // in the call's order of categories, exactly as the explanation ranks one entry.
  std::map<std::string, const RoundEntry*> by_id;
  for (const auto& e : d->entries) by_id[e.id] = &e;
  std::vector<RankedEntry> out;
  for (const auto& cat : d->call.categories) {
    if (!category.empty() && cat.slug != category) continue;
    std::vector<RankEntry> rank_in;
    for (const auto& e : d->entries)
      if (e.category == cat.slug) rank_in.push_back({e.id, e.receipt});
    for (auto& row : rank_entries(total_form, rank_in, totals)) {
      const RoundEntry& e = *by_id[row.entry];
      out.push_back({e.id, e.receipt, e.title_zh, e.title_en, e.category, row});
    }
  }
  return out;
}

Result<Explanation> explain_rank(Env& env, const Actor& actor, const std::string& round_id, const std::string& entry_id) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto d = round_data(env, round_id);
  if (!d) return d.error();
  std::string category;
  for (const auto& e : d->entries)
    if (e.id == entry_id) category = e.category;
  if (category.empty()) return Error::make(Code::not_found, "error.submission_not_found");
  std::map<std::string, std::string> category_of;
  for (const auto& e : d->entries) category_of[e.id] = e.category;
  // Explained on the category's own form for the entry's reviews: totals as the experts gave them.
  ScoreForm form = form_for(d->call, category, d->round);
  std::vector<RoundReview> reviews;
  for (const auto& r : d->reviews) {
    if (category_of[r.entry] == category) {
      reviews.push_back(r);
    } else if (auto t = review_total(form_for(d->call, category_of[r.entry], d->round), r.scores)) {
      // Reviews of other categories count for their experts' normalisation: re-expressed as a
      // uniform score on this form, which gives the same total.
      RoundReview u{r.id, r.entry, r.expert, {}};
      for (const auto& k : form.criteria) u.scores[k.key] = t->total;
      reviews.push_back(u);
    }
  }
  std::vector<RankEntry> rank_in;
  for (const auto& e : d->entries)
    if (e.category == category) rank_in.push_back({e.id, e.receipt});
  auto ex = explain_entry(form, rank_in, reviews, entry_id);
  if (!ex) return Error::make(Code::not_found, "error.submission_not_found");
  return *ex;
}

Result<Progress> round_progress(Env& env, const Actor& actor, const std::string& round_id) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto c = env.db.acquire();
  if (!load_round(*c, round_id)) return round_not_found();
  Progress p;
  std::map<std::string, size_t> ex_at, en_at;
  for (const auto& r : c->query("SELECT r.expert_id, x.name, x.email, r.entry_id, s.receipt, r.status, r.opened_at FROM reviews r "
                                "JOIN experts x ON x.id = r.expert_id JOIN submissions s ON s.id = r.entry_id WHERE "
                                "r.round_id = ? ORDER BY x.name, s.receipt",
                                {round_id})) {
    if (!ex_at.count(r.str(0))) {
      ex_at[r.str(0)] = p.experts.size();
      p.experts.push_back({r.str(0), r.str(1), r.str(2)});
    }
    if (!en_at.count(r.str(3))) {
      en_at[r.str(3)] = p.entries.size();
      p.entries.push_back({r.str(3), r.null(4) ? "" : r.str(4)});
    }
    auto& x = p.experts[ex_at[r.str(0)]];
    auto& e = p.entries[en_at[r.str(3)]];
    std::string st = r.str(5);
    bool opened = !r.null(6);
    for (auto* counts : {&x.assigned, &e.assigned}) ++*counts;
    if (opened) ++x.opened, ++e.opened;
    if (st == "draft") ++x.draft, ++e.draft;
    if (st == "submitted") ++x.submitted, ++e.submitted;
  }
  return p;
}

Result<int> remind_experts(Env& env, const Actor& actor, const std::string& round_id) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Result<int> {
    auto round = load_round(c, round_id);
    if (!round) return round_not_found();
    auto call = find_call(env, round->call);
    if (!call) return call.error();
    int n = 0;
    for (const auto& r : c.query("SELECT x.user_id, x.email, x.name, COUNT(*) FROM reviews r JOIN experts x ON x.id = r.expert_id "
                                 "WHERE r.round_id = ? AND r.status <> 'submitted' AND x.user_id IS NOT NULL "
                                 "GROUP BY x.user_id, x.email, x.name",
                                 {round_id})) {
      Lang lang = recipient_lang(c, r.str(0));
      json view{{"name", r.str(2)},
                {"round_title", lang == Lang::en && !round->title_en.empty() ? round->title_en : (round->title_zh.empty() ? round->title_en : round->title_zh)},
                {"left", std::to_string(r.num(3))},
                {"deadline", human_datetime(round->deadline, call->time_zone, lang) + " (" +
                                 utc_offset_label(round->deadline, call->time_zone) + ")"},
                {"path", "/reviews"}};
      view["intro"] = mail_text(lang, "mail.review_reminder.intro",
                                {{"left", view["left"].get<std::string>()}, {"round_title", view["round_title"].get<std::string>()}});
      EnqueueOptions o;
      o.optional_for = r.str(0);
      if (enqueue_mail(c, env, "review_reminder", r.str(1), lang, view, o)) ++n;
    }
    store::audit(c, now, actor.id, "review_remind", "round", round_id, json{{"recipients", n}}.dump());
    return n;
  });
}

}  // namespace laurel::service
