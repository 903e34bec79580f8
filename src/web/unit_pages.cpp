// Recommending units, pages (issue 12): a member's units (/units), a unit's dashboard
// (/units/{id}: its chain, counts and entries; for its managers sub-units, invitations, codes,
// endorsements and reminders to draft owners), an invitation (/invitations/{token}), the
// organiser's tree (/admin/units) and the excellent-organisation ranking
// (/admin/calls/{slug}/organisation-ranking). Forms post back here; no JavaScript needed.
#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "service/calls.h"
#include "service/review.h"
#include "service/units.h"
#include "web/app.h"
#include "web/units.h"
#include "web/views.h"

namespace laurel::web {

using nlohmann::json;
using http::Response;

namespace {

std::string field(const Form& f, const std::string& k) { return form_field(f, k); }

// A unit's name in the viewer's language (the other one when it has none).
std::string unit_name(const Ctx& ctx, const Unit& u) {
  if (ctx.lang == Lang::en) return u.name_en.empty() ? u.name_zh : u.name_en;
  return u.name_zh.empty() ? u.name_en : u.name_zh;
}
std::string kind_label(Ctx& ctx, const std::string& kind) { return ctx.tr("units.kind." + kind); }

json kind_options(Ctx& ctx, const std::string& selected) {
  json out = json::array();
  for (auto k : kUnitKinds)
    out.push_back({{"slug", std::string(k)}, {"label", kind_label(ctx, std::string(k))}, {"selected", selected == k}});
  return out;
}

// "University → Department → Province" (the unit first, as entries show their recommendation).
std::string chain_text(Ctx& ctx, const std::vector<Unit>& chain) {
  std::string out;
  for (const auto& u : chain) out += (out.empty() ? "" : " → ") + unit_name(ctx, u);
  return out;
}

json errors_view(Ctx& ctx, const Error& e) {
  json errors = json::object();
  for (const auto& [k, m] : e.fields) errors[k] = ctx.tr(m);
  return errors;
}

std::string status_label(Ctx& ctx, EntryStatus s) { return ctx.tr("entry.status." + std::string(to_string(s))); }

std::string number_text(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", d);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string when_in(Ctx& ctx, Instant t, const std::string& zone) {
  return ctx.tr("time.with_zone", {{"time", human_datetime(t, zone, ctx.lang)}, {"zone", utc_offset_label(t, zone)}});
}

std::optional<Response> signed_in_gate(Ctx& ctx) {
  if (!ctx.session) return to_login(ctx);
  return std::nullopt;
}
std::optional<Response> organiser_gate(Ctx& ctx) {
  if (!ctx.session) return to_login(ctx);
  if (auto st = can_manage_calls(ctx.actor); !st) return answer_error(ctx, st.error());
  return std::nullopt;
}

UnitTree load_tree(Ctx& ctx) { return service::all_units(ctx.env); }

std::map<std::string, Call> calls_by_slug(Ctx& ctx) {
  std::map<std::string, Call> out;
  for (auto& c : service::list_calls(ctx.env)) out.emplace(c.slug, c);
  return out;
}

// ---- the dashboard ----

// What a form posted to the dashboard sent and what was wrong with it (shown again).
struct Posted {
  std::string form;  // sub | invite | code | endorse | remind
  Form values;
  const Error* error = nullptr;
};

Response dashboard(Ctx& ctx, const std::string& id, const Posted* posted, int status,
                   const std::string& invitation_link = "") {
  auto d = service::unit_detail(ctx.env, ctx.actor, id);
  if (!d) return answer_error(ctx, d.error());
  auto all = service::unit_entries(ctx.env, ctx.actor, id, {});
  if (!all) return answer_error(ctx, all.error());
  auto calls = calls_by_slug(ctx);
  auto title_of = [&](const std::string& slug) {
    auto it = calls.find(slug);
    return it == calls.end() ? slug : it->second.title.in(ctx.lang);
  };
  auto category_of = [&](const std::string& slug, const std::string& cat) {
    auto it = calls.find(slug);
    const Category* c = it == calls.end() ? nullptr : it->second.category(cat);
    return c ? c->title.in(ctx.lang) : cat;
  };

  // The chain as a breadcrumb, the top first; a unit above is a link only for those who may open it.
  std::set<std::string> mine;
  if (auto m = service::my_units(ctx.env, ctx.actor)) for (const auto& u : *m) mine.insert(u.unit.id);
  json crumbs = json::array();
  bool viewable = ctx.actor.organiser();
  for (auto it = d->chain.rbegin(); it != d->chain.rend(); ++it) {
    viewable = viewable || mine.count(it->id);
    bool last = it->id == id;
    crumbs.push_back({{"id", it->id}, {"name", unit_name(ctx, *it)}, {"link", viewable && !last}, {"last", last}});
  }

  // Counts by call and category, by status (drafts, submitted, withdrawn, all).
  std::map<std::pair<std::string, std::string>, std::array<int, 4>> counts;
  for (const auto& ue : *all) {
    auto& c = counts[{ue.entry.call, ue.entry.category}];
    c[int(ue.entry.status == EntryStatus::draft ? 0 : ue.entry.status == EntryStatus::submitted ? 1 : 2)]++;
    c[3]++;
  }
  json count_rows = json::array();
  std::array<int, 4> totals{};
  for (const auto& [key, c] : counts) {
    count_rows.push_back({{"call", title_of(key.first)},
                          {"category", category_of(key.first, key.second)},
                          {"draft", std::to_string(c[0])},
                          {"submitted", std::to_string(c[1])},
                          {"withdrawn", std::to_string(c[2])},
                          {"total", std::to_string(c[3])}});
    for (int i = 0; i < 4; ++i) totals[i] += c[i];
  }

  // The entries, filtered by call and status.
  std::string fcall = ctx.req.query_param("call"), fstatus = ctx.req.query_param("status");
  if (!fstatus.empty() && !entry_status_from(fstatus)) fstatus.clear();
  json entries = json::array();
  for (const auto& ue : *all) {
    if (!fcall.empty() && ue.entry.call != fcall) continue;
    if (!fstatus.empty() && std::string(to_string(ue.entry.status)) != fstatus) continue;
    const auto& f = ue.entry.fields;
    std::string title = ctx.lang == Lang::en ? (f.title_en.empty() ? f.title_zh : f.title_en)
                                             : (f.title_zh.empty() ? f.title_en : f.title_zh);
    entries.push_back({{"receipt", ue.entry.receipt.value_or("—")},
                       {"title", title.empty() ? ctx.tr("entry.untitled") : title},
                       {"call", title_of(ue.entry.call)},
                       {"owner_name", ue.owner_name},
                       {"owner_email", ue.entry.owner_email},
                       {"status", std::string(to_string(ue.entry.status))},
                       {"status_label", status_label(ctx, ue.entry.status)},
                       {"category", category_of(ue.entry.call, ue.entry.category)},
                       {"via", unit_name(ctx, ue.via)},
                       {"how", ctx.tr("units.how." + ue.how)}});
  }
  json call_options = json::array(), open_calls = json::array();
  std::set<std::string> zones;
  for (const auto& [slug, c] : calls) {
    call_options.push_back({{"slug", slug}, {"title", c.title.in(ctx.lang)}, {"selected", slug == fcall}});
    if (call_status(c, ctx.env.now()) != CallStatus::closed) {
      std::string code_call = posted && posted->form == "code" ? field(posted->values, "call") : "";
      open_calls.push_back({{"slug", slug},
                            {"title", c.title.in(ctx.lang)},
                            {"zone", zone_label(ctx, c)},
                            {"selected", slug == code_call},
                            {"open", call_status(c, ctx.env.now()) == CallStatus::open}});
      zones.insert(zone_label(ctx, c));
    }
  }
  json status_options = json::array();
  for (const char* s : {"draft", "submitted", "withdrawn"})
    status_options.push_back({{"slug", s}, {"label", ctx.tr(std::string("entry.status.") + s)}, {"selected", fstatus == s}});
  std::string query = "?call=" + http::url_encode(fcall) + "&status=" + http::url_encode(fstatus);

  json v{{"id", id},
         {"name", unit_name(ctx, d->unit)},
         {"name_zh", d->unit.name_zh},
         {"name_en", d->unit.name_en},
         {"kind", kind_label(ctx, d->unit.kind)},
         {"archived", d->unit.archived},
         {"crumbs", crumbs},
         {"chain", chain_text(ctx, d->chain)},
         {"counts", count_rows},
         {"has_counts", !count_rows.empty()},
         {"totals",
          {{"draft", std::to_string(totals[0])},
           {"submitted", std::to_string(totals[1])},
           {"withdrawn", std::to_string(totals[2])},
           {"total", std::to_string(totals[3])}}},
         {"entries", entries},
         {"has_entries", !entries.empty()},
         {"entries_count", ctx.tr("entries.count", {{"n", std::to_string(entries.size())}})},
         {"filtered", !fcall.empty() || !fstatus.empty()},
         {"call_options", call_options},
         {"status_options", status_options},
         {"csv_href", "/units/" + id + "/entries.csv" + query},
         {"xlsx_href", "/units/" + id + "/entries.xlsx" + query},
         {"manage", d->manage}};
  json children = json::array();
  for (const auto& c : d->children)
    children.push_back({{"id", c.id}, {"name", unit_name(ctx, c)}, {"kind", kind_label(ctx, c.kind)}, {"archived", c.archived}});
  v["children"] = children;
  v["has_children"] = !children.empty();

  if (d->manage) {
    auto value = [&](const char* form, const char* key) {
      return posted && posted->form == form ? field(posted->values, key) : std::string();
    };
    json forms = json::object();
    for (const char* f : {"sub", "invite", "code", "endorse", "remind"}) forms[f] = {{"errors", json::object()}};
    if (posted && posted->error) {
      forms[posted->form]["errors"] = errors_view(ctx, *posted->error);
      forms[posted->form]["error"] = ctx.tr(posted->error->message);
    }
    forms["sub"]["name_zh"] = value("sub", "name_zh");
    forms["sub"]["name_en"] = value("sub", "name_en");
    forms["sub"]["kinds"] = kind_options(ctx, value("sub", "kind"));
    forms["invite"]["email"] = value("invite", "email");
    forms["invite"]["manager"] = value("invite", "role") == "manager";
    forms["code"]["expires_at"] = value("code", "expires_at");
    forms["code"]["max_uses"] = value("code", "max_uses");
    forms["endorse"]["receipt"] = value("endorse", "receipt");
    forms["endorse"]["text"] = value("endorse", "text");
    v["forms"] = forms;
    v["open_calls"] = open_calls;
    v["has_open_calls"] = !open_calls.empty();
    std::string zone_list;
    for (const auto& z : zones) zone_list += (zone_list.empty() ? "" : ctx.tr("units.list_sep")) + z;
    v["code_zone_hint"] = ctx.tr("units.code.expiry_hint", {{"zone", zone_list}});
    if (!invitation_link.empty()) v["invitation_link"] = invitation_link;

    json members = json::array();
    for (const auto& m : d->members)
      members.push_back({{"name", m.name}, {"email", m.email}, {"role", ctx.tr("units.role." + m.role)}});
    v["members"] = members;
    v["has_members"] = !members.empty();
    json invitations = json::array();
    long long now = unix_seconds(ctx.env.now());
    for (const auto& i : d->invitations) {
      if (i.accepted_at || i.expires_at <= now) continue;
      invitations.push_back({{"email", i.email},
                             {"role", ctx.tr("units.role." + i.role)},
                             {"expires", utc_minute(from_unix_seconds(i.expires_at))}});
    }
    v["invitations"] = invitations;
    v["has_invitations"] = !invitations.empty();
    json codes = json::array();
    for (const auto& k : d->codes) {
      auto it = calls.find(k.call);
      std::string zone = it == calls.end() ? "UTC" : it->second.time_zone;
      codes.push_back({{"code", k.code},
                       {"call", title_of(k.call)},
                       {"expires", k.expires_at ? when_in(ctx, *k.expires_at, zone) : ctx.tr("units.code.no_expiry")},
                       {"expired", k.expires_at && *k.expires_at <= ctx.env.now()},
                       {"uses", k.max_uses ? ctx.tr("units.code.uses_of", {{"uses", std::to_string(k.uses)},
                                                                            {"max", std::to_string(*k.max_uses)}})
                                           : ctx.tr("units.code.uses_unlimited", {{"uses", std::to_string(k.uses)}})}});
    }
    v["codes"] = codes;
    v["has_codes"] = !codes.empty();

    // The reminder's preview: how many accounts it would reach, then the confirm button.
    std::string remind = ctx.req.query_param("remind");
    if (posted && posted->form == "remind") remind = field(posted->values, "call");
    if (!remind.empty()) {
      auto it = calls.find(remind);
      auto n = service::count_draft_owners(ctx.env, ctx.actor, id, remind);
      json r{{"call", remind}, {"call_title", title_of(remind)}};
      if (n) {
        r["count"] = ctx.tr("units.remind.count", {{"n", std::to_string(*n)}});
        r["can_send"] = *n > 0;
      } else {
        r["error"] = ctx.tr(n.error().message);
        if (status == 200 && it == calls.end()) status = http_status(n.error().code);
      }
      v["remind"] = r;
    }
  }
  if (status == 200 && posted && posted->error) status = http_status(posted->error->code);
  return page(ctx, "unit", v, status, unit_name(ctx, d->unit));
}

// A dashboard form's refusal: the page again with the form's problems, or the error page when
// the unit is not the actor's to see.
Response refused(Ctx& ctx, const std::string& id, const std::string& form, const Form& f, const Error& e) {
  if (e.code == Code::not_found && e.message.key == "error.unit_not_found") return answer_error(ctx, e);
  if (e.code == Code::unauthenticated) return to_login(ctx);
  if (e.code == Code::forbidden) return answer_error(ctx, e);
  Posted p{form, f, &e};
  return dashboard(ctx, id, &p, http_status(e.code));
}

// ---- the organiser's tree ----

struct AdminPosted {
  std::string unit;  // "" for the create form
  Form values;
  const Error* error = nullptr;
};

// The tree flattened depth-first (children by name), each with its depth.
std::vector<std::pair<const Unit*, int>> flat_tree(Ctx& ctx, const UnitTree& tree) {
  std::map<std::string, std::vector<const Unit*>> kids;
  std::vector<const Unit*> roots;
  for (const auto& [id, u] : tree) {
    if (u.parent && tree.count(*u.parent)) kids[*u.parent].push_back(&u);
    else roots.push_back(&u);
  }
  auto by_name = [&](const Unit* a, const Unit* b) { return unit_name(ctx, *a) < unit_name(ctx, *b); };
  std::vector<std::pair<const Unit*, int>> out;
  std::set<std::string> seen;
  std::function<void(const std::vector<const Unit*>&, int)> walk = [&](std::vector<const Unit*> list, int depth) {
    std::sort(list.begin(), list.end(), by_name);
    for (const Unit* u : list) {
      if (!seen.insert(u->id).second) continue;
      out.push_back({u, depth});
      if (auto it = kids.find(u->id); it != kids.end()) walk(it->second, depth + 1);
    }
  };
  walk(roots, 0);
  return out;
}

Response admin_units_page(Ctx& ctx, const AdminPosted* posted, int status) {
  UnitTree tree = load_tree(ctx);
  auto flat = flat_tree(ctx, tree);
  std::string edit = posted && !posted->unit.empty() ? posted->unit : ctx.req.query_param("edit");
  if (!tree.count(edit)) edit.clear();
  auto value = [&](bool for_create, const char* key, const std::string& fallback) {
    if (posted && (posted->unit.empty() == for_create)) return field(posted->values, key);
    return fallback;
  };
  auto parent_options = [&](const std::string& selected, const std::string& except) {
    json out = json::array();
    for (const auto& [u, depth] : flat) {
      if (u->id == except) continue;
      std::string indent;
      for (int i = 0; i < depth; ++i) indent += "\u3000";
      out.push_back({{"id", u->id},
                     {"label", indent + unit_name(ctx, *u) + (u->archived ? " (" + ctx.tr("units.archived") + ")" : "")},
                     {"selected", u->id == selected}});
    }
    return out;
  };
  json units = json::array();
  for (const auto& [u, depth] : flat) {
    json row{{"id", u->id},
             {"name", unit_name(ctx, *u)},
             {"other_name", ctx.lang == Lang::en ? u->name_zh : u->name_en},
             {"kind", kind_label(ctx, u->kind)},
             {"archived", u->archived},
             {"depth", std::to_string(std::min(depth, 8))},
             {"editing", u->id == edit}};
    if (u->id == edit) {
      json form{{"name_zh", value(false, "name_zh", u->name_zh)},
                {"name_en", value(false, "name_en", u->name_en)},
                {"parents", parent_options(value(false, "parent", u->parent.value_or("")), u->id)},
                {"top", value(false, "parent", u->parent.value_or("")).empty()},
                {"error", ""},
                {"errors", json::object()}};
      if (posted && posted->unit == u->id && posted->error) {
        form["errors"] = errors_view(ctx, *posted->error);
        form["error"] = ctx.tr(posted->error->message);
      }
      row["form"] = form;
    }
    units.push_back(row);
  }
  json create{{"name_zh", value(true, "name_zh", "")},
              {"name_en", value(true, "name_en", "")},
              {"kinds", kind_options(ctx, value(true, "kind", ""))},
              {"parents", parent_options(value(true, "parent", ""), "")},
              {"errors", json::object()}};
  if (posted && posted->unit.empty() && posted->error) {
    create["errors"] = errors_view(ctx, *posted->error);
    create["error"] = ctx.tr(posted->error->message);
  }
  // A refusal shows at the form that was sent (the unit's, or the create form).
  json v{{"units", units}, {"has_units", !units.empty()}, {"create", create}};
  return page(ctx, "admin_units", v, status, ctx.tr("units.admin.title"));
}

// ---- the ranking ----

Response ranking_page(Ctx& ctx, const Call& call) {
  auto w = ranking_weights_of(ctx);
  bool include = ctx.req.query_param("include_subunits") == "true";
  RankingWeights used = w ? *w : RankingWeights{};
  int status = w ? 200 : http_status(w.error().code);
  auto rank = service::organisation_ranking(ctx.env, ctx.actor, call.slug, include, used);
  if (!rank) return answer_error(ctx, rank.error());
  UnitTree tree = load_tree(ctx);
  json rows = json::array();
  int n = 0;
  for (const auto& r : rank->rows) {
    std::vector<Unit> chain;
    for (const auto& uid : unit_chain(tree, r.unit.id))
      if (uid != r.unit.id) chain.push_back(tree.at(uid));
    rows.push_back({{"rank", std::to_string(++n)},
                    {"id", r.unit.id},
                    {"name", unit_name(ctx, r.unit)},
                    {"above", chain_text(ctx, chain)},
                    {"kind", kind_label(ctx, r.unit.kind)},
                    {"submitted", std::to_string(r.submitted)},
                    {"selected", std::to_string(r.selected)},
                    {"winners", std::to_string(r.winners)},
                    {"score", number_text(r.score)},
                    {"honoured", r.honoured}});
  }
  auto param = [&](const char* key, double d) {
    std::string q = ctx.req.query_param(key);
    return q.empty() ? number_text(d) : q;
  };
  std::string query = ctx.req.target.find('?') == std::string::npos ? "" : ctx.req.target.substr(ctx.req.target.find('?'));
  json v{{"slug", call.slug},
         {"call_title", call.title.in(ctx.lang)},
         {"formula", ctx.tr("units.ranking.formula", {{"submitted", number_text(used.submitted)},
                                                      {"selected", number_text(used.selected)},
                                                      {"winners", number_text(used.winners)}})},
         {"include_subunits", include},
         {"weight_submitted", param("weight_submitted", used.submitted)},
         {"weight_selected", param("weight_selected", used.selected)},
         {"weight_winners", param("weight_winners", used.winners)},
         {"rows", rows},
         {"has_rows", !rows.empty()},
         {"back", "/admin/calls/" + call.slug + "/organisation-ranking" + query},
         {"xlsx_href", "/admin/calls/" + call.slug + "/organisation-ranking.xlsx" + query},
         {"errors", w ? json::object() : errors_view(ctx, w.error())}};
  if (!w) v["error"] = ctx.tr(w.error().message);
  return page(ctx, "admin_ranking", v, status, ctx.tr("units.ranking.title"));
}

}  // namespace

void add_unit_page_routes(Router& r) {
  // A member's units and a unit's dashboard: anonymous → login; a non-member → 404 (the unit's
  // existence is not revealed); a manager of the unit (recommender) and organisers see it.
  r.add("GET", "/units", {.anonymous = 303, .owner = 200, .other = 200, .organiser = 200, .recommender = 200},
        [](Ctx& ctx) {
          if (auto gate = signed_in_gate(ctx)) return std::move(*gate);
          auto list = service::my_units(ctx.env, ctx.actor);
          if (!list) return answer_error(ctx, list.error());
          json units = json::array();
          for (const auto& m : *list) {
            std::vector<Unit> above(m.chain.begin() + (m.chain.empty() ? 0 : 1), m.chain.end());
            units.push_back({{"id", m.unit.id},
                             {"name", unit_name(ctx, m.unit)},
                             {"kind", kind_label(ctx, m.unit.kind)},
                             {"role", ctx.tr("units.role." + m.role)},
                             {"manager", m.role == "manager"},
                             {"above", chain_text(ctx, above)},
                             {"archived", m.unit.archived}});
          }
          return page(ctx, "units", {{"units", units}, {"has_units", !units.empty()}}, 200, ctx.tr("nav.my_units"));
        });

  constexpr Access unit_page{.anonymous = 303, .owner = 404, .other = 404, .organiser = 200, .recommender = 200};
  constexpr Access unit_post{.anonymous = 303, .owner = 404, .other = 404, .organiser = 303, .recommender = 303};
  r.add("GET", "/units/{id}", unit_page, [](Ctx& ctx) {
    if (auto gate = signed_in_gate(ctx)) return std::move(*gate);
    return dashboard(ctx, ctx.req.param("id"), nullptr, 200);
  });
  r.add("POST", "/units/{id}/units", unit_post, [](Ctx& ctx) {
    if (auto gate = signed_in_gate(ctx)) return std::move(*gate);
    auto f = form_of(ctx);
    std::string id = ctx.req.param("id");
    auto u = service::create_sub_unit(ctx.env, ctx.actor, id,
                                      {field(f, "name_zh"), field(f, "name_en"), field(f, "kind")});
    if (!u) return refused(ctx, id, "sub", f, u.error());
    return redirect_flash("/units/" + id + "#units", "flash.unit_created");
  });
  // An invitation is shown once with its link (the inviter may pass it on if the mail is lost):
  // the dashboard itself answers, not a redirect.
  r.add("POST", "/units/{id}/invitations",
        {.anonymous = 303, .owner = 404, .other = 404, .organiser = 200, .recommender = 200}, [](Ctx& ctx) {
          if (auto gate = signed_in_gate(ctx)) return std::move(*gate);
          auto f = form_of(ctx);
          std::string id = ctx.req.param("id");
          std::string role = field(f, "role").empty() ? "member" : field(f, "role");
          auto inv = service::invite_to_unit(ctx.env, ctx.actor, id, field(f, "email"), role);
          if (!inv) return refused(ctx, id, "invite", f, inv.error());
          std::string host = ctx.req.header("host");
          std::string link = (host.empty() ? "" : std::string(ctx.tls ? "https://" : "http://") + host) +
                             "/invitations/" + inv->token;
          ctx.flash = "flash.invitation_sent";
          return dashboard(ctx, id, nullptr, 200, link);
        });
  r.add("POST", "/units/{id}/codes", unit_post, [](Ctx& ctx) {
    if (auto gate = signed_in_gate(ctx)) return std::move(*gate);
    auto f = form_of(ctx);
    std::string id = ctx.req.param("id");
    std::string slug = field(f, "call");
    Error e = Error::make(Code::invalid, "error.invalid");
    std::optional<Instant> expires;
    std::optional<long long> max_uses;
    if (std::string t = field(f, "expires_at"); !t.empty()) {
      std::replace(t.begin(), t.end(), 'T', ' ');
      auto call = service::find_call(ctx.env, slug);
      if (call) {
        expires = parse_local_datetime(t, call->time_zone);
        if (!expires) e.fields["expires_at"] = {"units.code.bad_expiry", {}};
      }
    }
    if (std::string m = field(f, "max_uses"); !m.empty()) {
      try {
        size_t used = 0;
        max_uses = std::stoll(m, &used);
        if (used != m.size()) throw std::invalid_argument(m);
      } catch (...) {
        e.fields["max_uses"] = {"rule.code_max_uses", {}};
      }
    }
    if (!e.fields.empty()) return refused(ctx, id, "code", f, e);
    auto k = service::create_code(ctx.env, ctx.actor, id, slug, expires, max_uses);
    if (!k) return refused(ctx, id, "code", f, k.error());
    return redirect_flash("/units/" + id + "#codes", "flash.code_created");
  });
  r.add("POST", "/units/{id}/endorsements", {.anonymous = 303, .owner = 404, .other = 404, .organiser = 403, .recommender = 303}, [](Ctx& ctx) {
    if (auto gate = signed_in_gate(ctx)) return std::move(*gate);
    auto f = form_of(ctx);
    std::string id = ctx.req.param("id");
    auto e = service::endorse_entry(ctx.env, ctx.actor, id, field(f, "receipt"), field(f, "text"));
    if (!e) {
      Error err = e.error();
      // An unknown receipt or a second endorsement is the receipt field's problem.
      if (err.code == Code::not_found && err.message.key == "error.receipt_not_found")
        err.fields["receipt"] = err.message;
      if (err.code == Code::conflict && err.message.key == "error.already_endorsed") err.fields["receipt"] = err.message;
      return refused(ctx, id, "endorse", f, err);
    }
    return redirect_flash("/units/" + id + "#endorse", "flash.endorsed");
  });
  r.add("POST", "/units/{id}/reminders", unit_post, [](Ctx& ctx) {
    if (auto gate = signed_in_gate(ctx)) return std::move(*gate);
    auto f = form_of(ctx);
    std::string id = ctx.req.param("id");
    auto n = service::remind_draft_owners(ctx.env, ctx.actor, id, field(f, "call"));
    if (!n) return refused(ctx, id, "remind", f, n.error());
    return redirect_flash("/units/" + id + "#remind", "flash.reminders_queued");
  });

  // ---- invitations: the link from the mail ----
  constexpr Access gone{.anonymous = 410, .owner = 410, .other = 410, .organiser = 410, .recommender = 410};
  r.add("GET", "/invitations/{token}", gone, [](Ctx& ctx) {
    std::string token = ctx.req.param("token");
    auto info = service::invitation_info(ctx.env, token);
    std::string here = http::url_encode("/invitations/" + token);
    if (!info) {  // the expert pool's invitations use the same link form
      auto x = service::expert_invitation(ctx.env, token);
      if (!x) return answer_error(ctx, info.error());
      json v{{"token", token},
             {"unit", ctx.tr("review.pool_name")},
             {"kind", ""},
             {"role", ctx.tr("review.role_expert")},
             {"email", x->email},
             {"signed_in", ctx.actor.signed_in()},
             {"other_account", ctx.actor.signed_in() && ctx.actor.email != x->email},
             {"login_href", "/login?next=" + here},
             {"register_href", "/register?next=" + here},
             {"expert", true}};
      return page(ctx, "invitation", v, 200, ctx.tr("units.invitation.title"));
    }
    json v{{"token", token},
           {"unit", unit_name(ctx, info->unit)},
           {"kind", kind_label(ctx, info->unit.kind)},
           {"role", ctx.tr("units.role." + info->role)},
           {"email", info->email},
           {"signed_in", ctx.actor.signed_in()},
           {"other_account", ctx.actor.signed_in() && ctx.actor.email != info->email},
           {"login_href", "/login?next=" + here},
           {"register_href", "/register?next=" + here}};
    auto tree = load_tree(ctx);
    std::vector<Unit> above;
    for (const auto& uid : unit_chain(tree, info->unit.id))
      if (uid != info->unit.id) above.push_back(tree.at(uid));
    v["above"] = chain_text(ctx, above);
    return page(ctx, "invitation", v, 200, ctx.tr("units.invitation.title"));
  });
  r.add("POST", "/invitations/{token}", {.anonymous = 303, .owner = 410, .other = 410, .organiser = 410, .recommender = 410},
        [](Ctx& ctx) {
          if (auto gate = signed_in_gate(ctx)) return std::move(*gate);
          auto u = service::accept_invitation(ctx.env, ctx.actor, ctx.req.param("token"));
          if (u) return redirect_flash("/units/" + u->id, "flash.unit_joined");
          if (u.error().code != Code::token_expired) return answer_error(ctx, u.error());
          auto x = service::accept_expert_invitation(ctx.env, ctx.actor, ctx.req.param("token"));
          if (!x) return answer_error(ctx, x.error());
          return redirect_flash("/expert", "flash.expert_joined");
        });

  // ---- the organiser: the tree, and the ranking ----
  constexpr Access organiser_page{.anonymous = 303, .owner = 403, .other = 403, .organiser = 200, .recommender = 403};
  constexpr Access organiser_post{.anonymous = 303, .owner = 403, .other = 403, .organiser = 303, .recommender = 403};
  r.add("GET", "/admin/units", organiser_page, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    return admin_units_page(ctx, nullptr, 200);
  });
  r.add("POST", "/admin/units", organiser_post, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto f = form_of(ctx);
    std::optional<std::string> parent;
    if (!field(f, "parent").empty()) parent = field(f, "parent");
    auto u = service::create_unit(ctx.env, ctx.actor, {field(f, "name_zh"), field(f, "name_en"), field(f, "kind")}, parent);
    if (!u) {
      AdminPosted p{"", f, &u.error()};
      return admin_units_page(ctx, &p, http_status(u.error().code));
    }
    return redirect_flash("/admin/units#unit-" + u->id, "flash.unit_created");
  });
  // action=save (names and parent), archive or unarchive.
  r.add("POST", "/admin/units/{id}", organiser_post, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto f = form_of(ctx);
    std::string id = ctx.req.param("id");
    service::UnitPatch p;
    std::string action = field(f, "action");
    if (action == "archive" || action == "unarchive") {
      p.archived = action == "archive";
    } else {
      p.name_zh = field(f, "name_zh");
      p.name_en = field(f, "name_en");
      std::string parent = field(f, "parent");
      p.parent = parent.empty() ? std::optional<std::string>() : std::optional<std::string>(parent);
    }
    auto u = service::update_unit(ctx.env, ctx.actor, id, p);
    if (!u) {
      if (u.error().code == Code::not_found) return answer_error(ctx, u.error());
      AdminPosted posted{id, f, &u.error()};
      return admin_units_page(ctx, &posted, http_status(u.error().code));
    }
    const char* flash = action == "archive" ? "flash.unit_archived" : action == "unarchive" ? "flash.unit_unarchived"
                                                                                          : "flash.unit_saved";
    return redirect_flash("/admin/units#unit-" + id, flash);
  });

  r.add("GET", "/admin/calls/{slug}/organisation-ranking", organiser_page, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto call = service::find_call(ctx.env, ctx.req.param("slug"));
    if (!call) return answer_error(ctx, call.error());
    return ranking_page(ctx, *call);
  });
  r.add("POST", "/admin/calls/{slug}/honours/{id}", organiser_post, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto f = form_of(ctx);
    std::string slug = ctx.req.param("slug");
    bool on = field(f, "honoured") == "1";
    auto st = service::set_honour(ctx.env, ctx.actor, slug, ctx.req.param("id"), on);
    if (!st) return answer_error(ctx, st.error());
    std::string back = safe_next(field(f, "back"), "/admin/calls/" + slug + "/organisation-ranking");
    if (back.rfind("/admin/calls/" + slug + "/organisation-ranking", 0) != 0)
      back = "/admin/calls/" + slug + "/organisation-ranking";
    return redirect_flash(back, on ? "flash.unit_honoured" : "flash.unit_unhonoured");
  });
}

}  // namespace laurel::web
