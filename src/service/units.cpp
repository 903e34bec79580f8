#include "service/units.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "infra/crypto.h"
#include "infra/mail_message.h"
#include "service/calls.h"
#include "service/entries.h"
#include "service/mail.h"
#include "service/write.h"
#include "store/audit.h"

namespace laurel::service {

using nlohmann::json;

namespace {

constexpr size_t kMaxUnitName = 200;
constexpr size_t kMaxEndorsement = 2000;

Error unit_not_found() { return Error::make(Code::not_found, "error.unit_not_found"); }
Error invalid_field(const std::string& field, const std::string& key) {
  Error e = Error::make(Code::invalid, "error.invalid");
  e.fields[field] = {key, {}};
  return e;
}
Error archived_unit() { return Error::make(Code::conflict, "error.unit_archived"); }

Unit unit_of(const store::Row& r) {
  Unit u;
  u.id = r.str("id");
  u.name_zh = r.str("name_zh");
  u.name_en = r.str("name_en");
  u.kind = r.str("kind");
  if (!r.null("parent_id")) u.parent = r.str("parent_id");
  u.archived = !r.null("archived_at");
  return u;
}

// Names and kind as given: trimmed, one of them at least, bounded, a known kind.
void check_names(const std::string& zh, const std::string& en, Error& e) {
  if (trim(zh).empty() && trim(en).empty()) {
    e.fields["name_zh"] = {"rule.unit_name_required", {}};
    e.fields["name_en"] = {"rule.unit_name_required", {}};
  }
  for (const auto& [k, v] : {std::pair{"name_zh", &zh}, std::pair{"name_en", &en}})
    if (!valid_utf8(*v) || utf8_length(*v) > kMaxUnitName || v->find_first_of("\r\n\t") != std::string::npos)
      e.fields[k] = {"rule.unit_name_length", {}};
}
Status check_new_unit(const NewUnit& u) {
  Error e = Error::make(Code::invalid, "error.invalid");
  check_names(u.name_zh, u.name_en, e);
  if (!valid_unit_kind(u.kind)) e.fields["kind"] = {"rule.unit_kind", {}};
  if (!e.fields.empty()) return e;
  return Ok{};
}

// Rewrites the chain rows of every (entry, how) whose source is `source`.
void write_chain(store::Conn& c, const UnitTree& tree, const std::string& entry_id, const std::string& how,
                 const std::string& source) {
  c.exec("DELETE FROM entry_units WHERE entry_id = ? AND how = ? AND source_unit_id = ?", {entry_id, how, source});
  auto chain = unit_chain(tree, source);
  for (size_t i = 0; i < chain.size(); ++i)
    c.exec("INSERT INTO entry_units (entry_id, how, source_unit_id, unit_id, depth) VALUES (?, ?, ?, ?, ?)",
           {entry_id, how, source, chain[i], (long long)i});
}

struct UnitAccess {
  UnitTree tree;
  std::vector<std::string> chain;
};
// The tree and the unit's chain if the actor may view (manage) it.
Result<UnitAccess> unit_access(store::Conn& c, const Actor& actor, const std::string& id, bool manage) {
  UnitAccess a{load_units(c), {}};
  a.chain = unit_chain(a.tree, id);
  auto mine = actor.signed_in() ? unit_roles(c, actor.id) : std::vector<UnitRole>{};
  if (auto st = manage ? can_manage_unit(actor, mine, a.chain) : can_view_unit(actor, mine, a.chain); !st)
    return st.error();
  return a;
}

std::vector<Unit> units_of(const UnitTree& tree, const std::vector<std::string>& ids) {
  std::vector<Unit> out;
  for (const auto& id : ids)
    if (auto it = tree.find(id); it != tree.end()) out.push_back(it->second);
  return out;
}

std::string new_code() {
  // 8 characters without look-alikes (no 0/O, 1/I/L), shown as R-XXXX-XXXX.
  static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
  std::string raw = crypto::random_token(16), out = "R-";
  for (size_t i = 0; i < 8; ++i) {
    if (i == 4) out += '-';
    out += alphabet[(unsigned char)raw[i] % (sizeof(alphabet) - 1)];
  }
  return out;
}

std::optional<RecommendationCode> find_code(store::Conn& c, const std::string& code) {
  auto r = c.query_one("SELECT code, unit_id, call_slug, expires_at, max_uses, uses FROM recommendation_codes WHERE code = ?",
                       {code});
  if (!r) return std::nullopt;
  RecommendationCode k;
  k.code = r->str("code");
  k.unit_id = r->str("unit_id");
  k.call = r->str("call_slug");
  if (!r->null("expires_at")) k.expires_at = from_unix_seconds(r->num("expires_at"));
  if (!r->null("max_uses")) k.max_uses = r->num("max_uses");
  k.uses = r->num("uses");
  return k;
}

Status check_code_in(store::Conn& c, const std::string& call_slug, const std::string& typed, Instant now,
                     std::optional<RecommendationCode>* found = nullptr) {
  std::string code = normalise_code(typed);
  if (code.empty() || code.size() > 40) return invalid_field("recommendation_code", "rule.code_unknown");
  auto k = find_code(c, code);
  if (!k) return invalid_field("recommendation_code", "rule.code_unknown");
  auto tree = load_units(c);
  auto it = tree.find(k->unit_id);
  if (auto st = check_code(*k, call_slug, now, it == tree.end() || it->second.archived); !st) return st;
  if (found) *found = k;
  return Ok{};
}

}  // namespace

UnitTree load_units(store::Conn& c) {
  UnitTree t;
  for (const auto& r : c.query("SELECT id, name_zh, name_en, kind, parent_id, archived_at FROM units")) {
    Unit u = unit_of(r);
    t.emplace(u.id, std::move(u));
  }
  return t;
}

UnitTree all_units(Env& env) {
  auto c = env.db.acquire();
  return load_units(*c);
}

std::vector<UnitRole> unit_roles(store::Conn& c, const std::string& user_id) {
  std::vector<UnitRole> out;
  for (const auto& r : c.query("SELECT unit_id, role FROM unit_members WHERE user_id = ?", {user_id}))
    out.push_back({r.str(0), r.str(1) == "manager"});
  return out;
}

Result<Unit> create_unit(Env& env, const Actor& actor, const NewUnit& nu, const std::optional<std::string>& parent) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  if (auto st = check_new_unit(nu); !st) return st.error();
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Result<Unit> {
    if (parent) {
      auto tree = load_units(c);
      auto it = tree.find(*parent);
      if (it == tree.end()) return invalid_field("parent", "rule.unit_parent_unknown");
      if (it->second.archived) return archived_unit();
    }
    Unit u{crypto::random_id(), std::string(trim(nu.name_zh)), std::string(trim(nu.name_en)), nu.kind, parent, false};
    c.exec("INSERT INTO units (id, name_zh, name_en, kind, parent_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
           {u.id, u.name_zh, u.name_en, u.kind, parent ? store::Value(*parent) : store::Value(nullptr), actor.id, now});
    store::audit(c, now, actor.id, "unit_create", "unit", u.id,
                 json{{"name_zh", u.name_zh}, {"name_en", u.name_en}, {"kind", u.kind}, {"parent", parent ? json(*parent) : json()}}
                     .dump());
    return u;
  });
}

Result<Unit> create_sub_unit(Env& env, const Actor& actor, const std::string& parent_id, const NewUnit& nu) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Result<Unit> {
    auto a = unit_access(c, actor, parent_id, true);
    if (!a) return a.error();
    if (auto st = check_new_unit(nu); !st) return st.error();
    if (a->tree.at(parent_id).archived) return archived_unit();
    Unit u{crypto::random_id(), std::string(trim(nu.name_zh)), std::string(trim(nu.name_en)), nu.kind, parent_id, false};
    c.exec("INSERT INTO units (id, name_zh, name_en, kind, parent_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
           {u.id, u.name_zh, u.name_en, u.kind, parent_id, actor.id, now});
    store::audit(c, now, actor.id, "unit_create", "unit", u.id,
                 json{{"name_zh", u.name_zh}, {"name_en", u.name_en}, {"kind", u.kind}, {"parent", parent_id}}.dump());
    return u;
  });
}

Result<Unit> update_unit(Env& env, const Actor& actor, const std::string& id, const UnitPatch& p) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Result<Unit> {
    auto tree = load_units(c);
    auto it = tree.find(id);
    if (it == tree.end()) return unit_not_found();
    Unit u = it->second;
    Error e = Error::make(Code::invalid, "error.invalid");
    std::string zh = p.name_zh.value_or(u.name_zh), en = p.name_en.value_or(u.name_en);
    check_names(zh, en, e);
    if (p.parent) {
      if (*p.parent && !tree.count(**p.parent)) e.fields["parent"] = {"rule.unit_parent_unknown", {}};
      else if (would_cycle(tree, id, *p.parent)) e.fields["parent"] = {"rule.unit_parent_cycle", {}};
    }
    if (!e.fields.empty()) return e;
    json detail = json::object();
    if (p.name_zh || p.name_en) {
      u.name_zh = std::string(trim(zh));
      u.name_en = std::string(trim(en));
      c.exec("UPDATE units SET name_zh = ?, name_en = ? WHERE id = ?", {u.name_zh, u.name_en, id});
      detail["name_zh"] = u.name_zh;
      detail["name_en"] = u.name_en;
    }
    if (p.archived && *p.archived != u.archived) {
      u.archived = *p.archived;
      c.exec("UPDATE units SET archived_at = ? WHERE id = ?", {u.archived ? store::Value(now) : store::Value(nullptr), id});
      detail["archived"] = u.archived;
    }
    if (p.parent && *p.parent != u.parent) {
      detail["parent"] = *p.parent ? json(**p.parent) : json();
      detail["from_parent"] = u.parent ? json(*u.parent) : json();
      u.parent = *p.parent;
      c.exec("UPDATE units SET parent_id = ? WHERE id = ?", {u.parent ? store::Value(*u.parent) : store::Value(nullptr), id});
      // Entries that came through the moved units now count for their new ancestors.
      tree[id].parent = u.parent;
      auto moved = unit_subtree(tree, id);
      for (const auto& src : moved)
        for (const auto& r : c.query("SELECT DISTINCT entry_id, how FROM entry_units WHERE source_unit_id = ?", {src}))
          write_chain(c, tree, r.str(0), r.str(1), src);
    }
    store::audit(c, now, actor.id, "unit_update", "unit", id, detail.dump());
    return u;
  });
}

Result<std::vector<MyUnit>> my_units(Env& env, const Actor& actor) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  auto c = env.db.acquire();
  auto roles = unit_roles(*c, actor.id);
  std::vector<MyUnit> out;
  if (roles.empty()) return out;
  auto tree = load_units(*c);
  for (const auto& r : roles) {
    auto it = tree.find(r.unit_id);
    if (it == tree.end()) continue;
    out.push_back({it->second, r.manager ? "manager" : "member", units_of(tree, unit_chain(tree, r.unit_id))});
  }
  std::sort(out.begin(), out.end(), [](const MyUnit& a, const MyUnit& b) { return a.chain.size() < b.chain.size(); });
  return out;
}

Result<UnitDetail> unit_detail(Env& env, const Actor& actor, const std::string& id) {
  auto c = env.db.acquire();
  auto a = unit_access(*c, actor, id, false);
  if (!a) return a.error();
  UnitDetail d;
  d.unit = a->tree.at(id);
  d.chain = units_of(a->tree, a->chain);
  for (const auto& [uid, u] : a->tree)
    if (u.parent == id) d.children.push_back(u);
  std::sort(d.children.begin(), d.children.end(), [](const Unit& x, const Unit& y) { return x.name_en < y.name_en; });
  d.manage = actor.organiser() || bool(can_manage_unit(actor, unit_roles(*c, actor.id), a->chain));
  if (!d.manage) return d;
  for (const auto& r : c->query("SELECT m.user_id, u.email, u.contact_name, m.role FROM unit_members m "
                                "JOIN users u ON u.id = m.user_id WHERE m.unit_id = ? ORDER BY m.created_at",
                                {id}))
    d.members.push_back({r.str(0), r.str(1), r.str(2), r.str(3)});
  for (const auto& r : c->query("SELECT id, email, role, created_at, expires_at, accepted_at FROM unit_invitations "
                                "WHERE unit_id = ? ORDER BY created_at DESC LIMIT 200",
                                {id})) {
    UnitInvitation i{r.str("id"), r.str("email"), r.str("role"), r.num("created_at"), r.num("expires_at"), std::nullopt};
    if (!r.null("accepted_at")) i.accepted_at = r.num("accepted_at");
    d.invitations.push_back(std::move(i));
  }
  for (const auto& r : c->query("SELECT code FROM recommendation_codes WHERE unit_id = ? ORDER BY created_at DESC", {id}))
    if (auto k = find_code(*c, r.str(0))) d.codes.push_back(*k);
  return d;
}

Result<Invited> invite_to_unit(Env& env, const Actor& actor, const std::string& unit_id, const std::string& email_in,
                               const std::string& role) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  std::string email(trim(email_in));
  std::transform(email.begin(), email.end(), email.begin(), [](unsigned char ch) { return std::tolower(ch); });
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Result<Invited> {
    auto a = unit_access(c, actor, unit_id, true);
    if (!a) return a.error();
    Error e = Error::make(Code::invalid, "error.invalid");
    if (!mail::valid_address(email)) e.fields["email"] = {"rule.email", {}};
    if (role != "manager" && role != "member") e.fields["role"] = {"rule.unit_role", {}};
    if (!e.fields.empty()) return e;
    const Unit& u = a->tree.at(unit_id);
    if (u.archived) return archived_unit();
    Invited out{crypto::random_id(), crypto::random_token()};
    c.exec("INSERT INTO unit_invitations (id, unit_id, email, role, token_hash, created_by, created_at, expires_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
           {out.id, unit_id, email, role, crypto::sha256_hex(out.token), actor.id, now, now + kInvitationSeconds});
    store::audit(c, now, actor.id, "unit_invite", "unit", unit_id, json{{"email", email}, {"role", role}, {"invitation", out.id}}.dump());
    // The invitee may have no account yet: the inviter's language, else Chinese.
    auto acct = c.query_one("SELECT id FROM users WHERE lower(email) = ?", {email});
    Lang lang = acct ? recipient_lang(c, acct->str(0)) : recipient_lang(c, actor.id);
    auto inviter = c.query_one("SELECT contact_name FROM users WHERE id = ?", {actor.id});
    json view{{"unit_name", lang == Lang::en && !u.name_en.empty() ? u.name_en : (u.name_zh.empty() ? u.name_en : u.name_zh)},
              {"inviter", inviter ? inviter->str(0) : actor.email},
              {"role", mail_text(lang, "units.role." + role)},
              {"path", "/invitations/" + out.token}};
    view["intro"] = mail_text(lang, "mail.unit_invitation.intro",
                              {{"inviter", view["inviter"].get<std::string>()}, {"unit", view["unit_name"].get<std::string>()},
                               {"role", view["role"].get<std::string>()}});
    enqueue_mail(c, env, "unit_invitation", email, lang, view);
    return out;
  });
}

Result<InvitationInfo> invitation_info(Env& env, const std::string& token) {
  if (token.size() < 20 || token.size() > 100) return Error::make(Code::token_expired, "error.token_expired");
  auto c = env.db.acquire();
  auto r = c->query_one("SELECT unit_id, email, role FROM unit_invitations WHERE token_hash = ? AND accepted_at IS NULL "
                        "AND expires_at > ?",
                        {crypto::sha256_hex(token), unix_seconds(env.now())});
  if (!r) return Error::make(Code::token_expired, "error.token_expired");
  auto tree = load_units(*c);
  auto it = tree.find(r->str(0));
  if (it == tree.end() || it->second.archived) return Error::make(Code::token_expired, "error.token_expired");
  return InvitationInfo{it->second, r->str(1), r->str(2)};
}

Result<Unit> accept_invitation(Env& env, const Actor& actor, const std::string& token) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  if (token.size() < 20 || token.size() > 100) return Error::make(Code::token_expired, "error.token_expired");
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Result<Unit> {
    auto r = c.query_one("UPDATE unit_invitations SET accepted_at = ?, accepted_by = ? WHERE token_hash = ? AND "
                         "accepted_at IS NULL AND expires_at > ? RETURNING id, unit_id, role",
                         {now, actor.id, crypto::sha256_hex(token), now});
    if (!r) return Error::make(Code::token_expired, "error.token_expired");
    auto tree = load_units(c);
    auto it = tree.find(r->str(1));
    if (it == tree.end() || it->second.archived) return Error::make(Code::token_expired, "error.token_expired");
    std::string role = r->str(2);
    auto had = c.query_one("SELECT role FROM unit_members WHERE unit_id = ? AND user_id = ?", {r->str(1), actor.id});
    if (!had)
      c.exec("INSERT INTO unit_members (unit_id, user_id, role, created_at) VALUES (?, ?, ?, ?)", {r->str(1), actor.id, role, now});
    else if (role == "manager")
      c.exec("UPDATE unit_members SET role = 'manager' WHERE unit_id = ? AND user_id = ?", {r->str(1), actor.id});
    store::audit(c, now, actor.id, "unit_join", "unit", r->str(1), json{{"role", role}, {"invitation", r->str(0)}}.dump());
    return it->second;
  });
}

Result<RecommendationCode> create_code(Env& env, const Actor& actor, const std::string& unit_id,
                                       const std::string& call_slug, std::optional<Instant> expires_at,
                                       std::optional<long long> max_uses) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  Instant now = env.now();
  auto call = find_call(env, call_slug);
  return in_write(env, [&](store::Conn& c) -> Result<RecommendationCode> {
    auto a = unit_access(c, actor, unit_id, true);
    if (!a) return a.error();
    Error e = Error::make(Code::invalid, "error.invalid");
    if (!call) e.fields["call"] = {"rule.unknown_call", {}};
    if (expires_at && *expires_at <= now) e.fields["expires_at"] = {"rule.code_expiry_past", {}};
    if (max_uses && (*max_uses < 1 || *max_uses > 1000000)) e.fields["max_uses"] = {"rule.code_max_uses", {}};
    if (!e.fields.empty()) return e;
    if (a->tree.at(unit_id).archived) return archived_unit();
    RecommendationCode k{new_code(), unit_id, call_slug, expires_at, max_uses, 0};
    while (find_code(c, k.code)) k.code = new_code();
    c.exec("INSERT INTO recommendation_codes (code, unit_id, call_slug, expires_at, max_uses, created_by, created_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?)",
           {k.code, unit_id, call_slug, expires_at ? store::Value(unix_seconds(*expires_at)) : store::Value(nullptr),
            max_uses ? store::Value(*max_uses) : store::Value(nullptr), actor.id, unix_seconds(now)});
    store::audit(c, unix_seconds(now), actor.id, "code_create", "unit", unit_id,
                 json{{"code", k.code}, {"call", call_slug}, {"expires_at", expires_at ? json(unix_seconds(*expires_at)) : json()},
                      {"max_uses", max_uses ? json(*max_uses) : json()}}
                     .dump());
    return k;
  });
}

Status check_recommendation_code(Env& env, const std::string& call_slug, const std::string& code) {
  auto c = env.db.acquire();
  return check_code_in(*c, call_slug, code, env.now());
}

Status set_recommendation_code(Env& env, const Actor& actor, const std::string& entry_id, const std::string& typed) {
  auto target = changeable_entry(env, actor, entry_id);
  if (!target) return target.error();
  Instant now = env.now();
  std::string code = normalise_code(typed);
  return in_write(env, [&](store::Conn& c) -> Status {
    auto cur = c.query_one("SELECT recommendation_code FROM submissions WHERE id = ?", {entry_id});
    if (!cur) return Error::make(Code::not_found, "error.submission_not_found");
    std::string old = cur->null(0) ? "" : cur->str(0);
    if (old == code) return Ok{};
    auto tree = load_units(c);
    std::optional<RecommendationCode> k;
    if (!code.empty()) {
      if (auto st = check_code_in(c, target->entry.call, code, now, &k); !st) return st;
      // The use is counted atomically: two entries cannot both take a code's last use.
      auto took = c.query_one("UPDATE recommendation_codes SET uses = uses + 1 WHERE code = ? AND "
                              "(max_uses IS NULL OR uses < max_uses) RETURNING uses",
                              {code});
      if (!took) return invalid_field("recommendation_code", "rule.code_exhausted");
    }
    if (!old.empty()) c.exec("UPDATE recommendation_codes SET uses = uses - 1 WHERE code = ? AND uses > 0", {old});
    c.exec("UPDATE submissions SET recommendation_code = ? WHERE id = ?",
           {code.empty() ? store::Value(nullptr) : store::Value(code), entry_id});
    c.exec("DELETE FROM entry_units WHERE entry_id = ? AND how = 'code'", {entry_id});
    if (k) write_chain(c, tree, entry_id, "code", k->unit_id);
    store::audit(c, unix_seconds(now), actor.id, "recommendation_code", "submission", entry_id,
                 json{{"code", code.empty() ? json() : json(code)}, {"unit", k ? json(k->unit_id) : json()}}.dump());
    return Ok{};
  });
}

std::vector<Unit> recommended_by(Env& env, const std::string& entry_id) {
  auto c = env.db.acquire();
  std::vector<Unit> out;
  for (const auto& r : c->query("SELECT u.id, u.name_zh, u.name_en, u.kind, u.parent_id, u.archived_at FROM entry_units e "
                                "JOIN units u ON u.id = e.unit_id WHERE e.entry_id = ? AND e.how = 'code' ORDER BY e.depth",
                                {entry_id}))
    out.push_back(unit_of(r));
  return out;
}

std::optional<std::string> recommendation_code_of(Env& env, const std::string& entry_id) {
  auto c = env.db.acquire();
  auto r = c->query_one("SELECT recommendation_code FROM submissions WHERE id = ?", {entry_id});
  if (!r || r->null(0)) return std::nullopt;
  return r->str(0);
}

std::vector<Endorsement> endorsements_of(Env& env, const std::string& entry_id) {
  auto c = env.db.acquire();
  std::vector<Endorsement> out;
  for (const auto& r : c->query("SELECT u.id, u.name_zh, u.name_en, u.kind, u.parent_id, u.archived_at, e.text, e.created_at "
                                "FROM endorsements e JOIN units u ON u.id = e.unit_id WHERE e.entry_id = ? ORDER BY e.created_at",
                                {entry_id}))
    out.push_back({unit_of(r), r.str("text"), r.num("created_at")});
  return out;
}

Result<std::string> endorse_entry(Env& env, const Actor& actor, const std::string& unit_id, const std::string& receipt,
                                  const std::string& text_in) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  std::string text(trim(text_in));
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Result<std::string> {
    auto a = unit_access(c, actor, unit_id, true);
    if (!a) return a.error();
    // An endorsement speaks for the unit: its managers only, not an organiser as such.
    if (auto st = can_endorse_for_unit(actor, unit_roles(c, actor.id), a->chain); !st) return st.error();
    Error e = Error::make(Code::invalid, "error.invalid");
    if (text.empty()) e.fields["text"] = {"rule.endorsement_required", {}};
    else if (!valid_utf8(text) || utf8_length(text) > kMaxEndorsement) e.fields["text"] = {"rule.endorsement_length", {}};
    if (receipt.empty() || receipt.size() > 40) e.fields["receipt"] = {"rule.receipt_unknown", {}};
    if (!e.fields.empty()) return e;
    if (a->tree.at(unit_id).archived) return archived_unit();
    auto s = c.query_one("SELECT id FROM submissions WHERE receipt = ? AND status = 'submitted'", {normalise_code(receipt)});
    if (!s) return Error::make(Code::not_found, "error.receipt_not_found");
    std::string entry_id = s->str(0);
    if (c.query_one("SELECT 1 FROM endorsements WHERE unit_id = ? AND entry_id = ?", {unit_id, entry_id}))
      return Error::make(Code::conflict, "error.already_endorsed");
    std::string id = crypto::random_id();
    c.exec("INSERT INTO endorsements (id, unit_id, entry_id, text, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
           {id, unit_id, entry_id, text, actor.id, now});
    write_chain(c, a->tree, entry_id, "endorsement", unit_id);
    store::audit(c, now, actor.id, "endorse", "submission", entry_id, json{{"unit", unit_id}, {"endorsement", id}}.dump());
    return id;
  });
}

Result<std::vector<UnitEntry>> unit_entries(Env& env, const Actor& actor, const std::string& unit_id,
                                            const UnitEntryFilter& f) {
  if (!f.status.empty() && !entry_status_from(f.status)) return invalid_field("status", "rule.unknown_status");
  auto c = env.db.acquire();
  auto a = unit_access(*c, actor, unit_id, false);
  if (!a) return a.error();
  // One row an entry: its code's source first, else its first endorsement below or at the unit.
  auto rows = c->query(
      "SELECT s.id, s.call_slug, s.category, s.status, s.receipt, s.title_zh, s.title_en, s.updated_at, u.email, "
      "u.contact_name, eu.how, eu.source_unit_id FROM entry_units eu JOIN submissions s ON s.id = eu.entry_id "
      "JOIN users u ON u.id = s.owner_id WHERE eu.unit_id = ? AND (CAST(? AS TEXT) = '' OR s.call_slug = ?) AND "
      "(CAST(? AS TEXT) = '' OR s.status = ?) ORDER BY s.call_slug, s.receipt, s.id, eu.how",
      {unit_id, f.call, f.call, f.status, f.status});
  std::vector<UnitEntry> out;
  std::set<std::string> seen;
  for (const auto& r : rows) {
    if (!seen.insert(r.str("id")).second) continue;  // "code" sorts before "endorsement"
    UnitEntry ue;
    ue.entry.id = r.str("id");
    ue.entry.call = r.str("call_slug");
    ue.entry.category = r.str("category");
    ue.entry.status = entry_status_from(r.str("status")).value_or(EntryStatus::draft);
    if (!r.null("receipt")) ue.entry.receipt = r.str("receipt");
    ue.entry.fields.title_zh = r.str("title_zh");
    ue.entry.fields.title_en = r.str("title_en");
    ue.entry.updated_at = from_unix_seconds(r.num("updated_at"));
    ue.entry.owner_email = r.str("email");
    ue.owner_name = r.str("contact_name");
    ue.how = r.str("how");
    if (auto it = a->tree.find(r.str("source_unit_id")); it != a->tree.end()) ue.via = it->second;
    out.push_back(std::move(ue));
  }
  return out;
}

namespace {
// Owners of the unit's drafts in a call (only while it is open), with whether they take optional mail.
Result<std::vector<store::Row>> draft_owners(Env& env, const Actor& actor, const std::string& unit_id,
                                            const std::string& call_slug, Call& call_out) {
  auto call = find_call(env, call_slug);
  if (!call) return invalid_field("call", "rule.unknown_call");
  auto c = env.db.acquire();
  auto a = unit_access(*c, actor, unit_id, true);
  if (!a) return a.error();
  if (auto st = call_accepts_changes(*call, env.now()); !st) return st.error();
  call_out = *call;
  return c->query(
      "SELECT DISTINCT u.id, u.email, u.contact_name, u.optional_mail FROM entry_units eu JOIN submissions s ON "
      "s.id = eu.entry_id JOIN users u ON u.id = s.owner_id WHERE eu.unit_id = ? AND s.call_slug = ? AND "
      "s.status = 'draft' ORDER BY u.id",
      {unit_id, call_slug});
}
}  // namespace

Result<int> count_draft_owners(Env& env, const Actor& actor, const std::string& unit_id, const std::string& call_slug) {
  Call call;
  auto rows = draft_owners(env, actor, unit_id, call_slug, call);
  if (!rows) return rows.error();
  return int(std::count_if(rows->begin(), rows->end(), [](const store::Row& r) { return r.num(3) != 0; }));
}

Result<int> remind_draft_owners(Env& env, const Actor& actor, const std::string& unit_id, const std::string& call_slug) {
  Call call;
  auto rows = draft_owners(env, actor, unit_id, call_slug, call);
  if (!rows) return rows.error();
  Instant now = env.now();
  return in_write(env, [&](store::Conn& c) -> Result<int> {
    auto tree = load_units(c);
    const Unit& u = tree.at(unit_id);
    int n = 0;
    for (const auto& r : *rows) {
      if (!r.num(3)) continue;
      Lang lang = recipient_lang(c, r.str(0));
      std::string unit_name = lang == Lang::en && !u.name_en.empty() ? u.name_en : (u.name_zh.empty() ? u.name_en : u.name_zh);
      json view{{"name", r.str(2)},
                {"unit_name", unit_name},
                {"call_title", call.title.in(lang)},
                {"deadline", human_datetime(call.deadline, call.time_zone, lang) + " (" +
                                 utc_offset_label(call.deadline, call.time_zone) + ")"},
                {"entries_path", "/entries"}};
      view["intro"] = mail_text(lang, "mail.unit_reminder.intro",
                                {{"unit", unit_name}, {"call_title", call.title.in(lang)}});
      EnqueueOptions o;
      o.optional_for = r.str(0);
      if (enqueue_mail(c, env, "unit_reminder", r.str(1), lang, view, o)) ++n;
    }
    store::audit(c, unix_seconds(now), actor.id, "unit_remind_drafts", "unit", unit_id,
                 json{{"call", call_slug}, {"recipients", n}}.dump());
    return n;
  });
}

Result<Ranking> organisation_ranking(Env& env, const Actor& actor, const std::string& call_slug,
                                     bool include_subunits, const RankingWeights& w) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto call = find_call(env, call_slug);
  if (!call) return call.error();
  auto c = env.db.acquire();
  auto tree = load_units(*c);
  // Submitted entries a unit brought: its own (source) or, with sub-units, any in its chain.
  // Selected and winners come from the decisions (issue 14); until they exist they are zero.
  std::string col = include_subunits ? "eu.unit_id" : "eu.source_unit_id";
  auto rows = c->query("SELECT " + col + " AS unit, COUNT(DISTINCT s.id) AS n FROM entry_units eu JOIN submissions s ON "
                       "s.id = eu.entry_id WHERE s.call_slug = ? AND s.status = 'submitted'" +
                       std::string(include_subunits ? "" : " AND eu.depth = 0") + " GROUP BY " + col,
                       {call_slug});
  std::map<std::string, long long> submitted;
  for (const auto& r : rows) submitted[r.str(0)] = r.num(1);
  std::set<std::string> honoured;
  for (const auto& r : c->query("SELECT unit_id FROM unit_honours WHERE call_slug = ?", {call_slug})) honoured.insert(r.str(0));
  Ranking out{ranking_formula(w), {}};
  for (const auto& [id, u] : tree) {
    RankingRow row{u, submitted.count(id) ? submitted[id] : 0, 0, 0, 0, honoured.count(id) > 0};
    if (row.submitted == 0 && !row.honoured && u.archived) continue;
    row.score = organisation_score(w, row.submitted, row.selected, row.winners);
    out.rows.push_back(std::move(row));
  }
  std::stable_sort(out.rows.begin(), out.rows.end(), [](const RankingRow& a, const RankingRow& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.unit.name_en < b.unit.name_en;
  });
  return out;
}

Status set_honour(Env& env, const Actor& actor, const std::string& call_slug, const std::string& unit_id, bool honoured) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto call = find_call(env, call_slug);
  if (!call) return call.error();
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Status {
    if (!load_units(c).count(unit_id)) return unit_not_found();
    if (honoured)
      c.exec("INSERT INTO unit_honours (call_slug, unit_id, created_by, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
             {call_slug, unit_id, actor.id, now});
    else
      c.exec("DELETE FROM unit_honours WHERE call_slug = ? AND unit_id = ?", {call_slug, unit_id});
    store::audit(c, now, actor.id, honoured ? "unit_honour" : "unit_honour_remove", "unit", unit_id,
                 json{{"call", call_slug}}.dump());
    return Ok{};
  });
}

std::vector<Unit> honoured_units(Env& env, const std::string& call_slug) {
  auto c = env.db.acquire();
  std::vector<Unit> out;
  for (const auto& r : c->query("SELECT u.id, u.name_zh, u.name_en, u.kind, u.parent_id, u.archived_at FROM unit_honours h "
                                "JOIN units u ON u.id = h.unit_id WHERE h.call_slug = ? ORDER BY u.name_en",
                                {call_slug}))
    out.push_back(unit_of(r));
  return out;
}

}  // namespace laurel::service
