// Server-rendered pages (templates/*.html): the public call pages, accounts, the applicant's
// entries and the organiser's lists. Forms post back here; JavaScript only enhances.
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/entry.h"
#include "core/spreadsheet.h"
#include "service/account_mail.h"
#include "service/accounts.h"
#include "service/calls.h"
#include "service/entries.h"
#include "service/units.h"
#include "web/app.h"
#include "web/views.h"

namespace laurel::web {

using nlohmann::json;
using http::Response;

namespace {

std::string current_path(const Ctx& ctx) { return ctx.req.target.empty() ? "/" : ctx.req.target; }

json layout_view(Ctx& ctx, const std::string& title) {
  json l{{"html_lang", lang_tag(ctx.lang)},
         {"lang_zh", ctx.lang == Lang::zh},
         {"lang_en", ctx.lang == Lang::en},
         {"title", title.empty() ? ctx.tr("site.name") : title + " · " + ctx.tr("site.name")},
         {"signed_in", ctx.actor.signed_in()},
         {"is_organiser", ctx.actor.organiser()},
         {"user_email", ctx.actor.email},
         {"csrf", ctx.csrf},
         {"demo", ctx.env.demo_since.has_value()},
         {"next", http::url_encode(current_path(ctx))}};
  if (ctx.flash.rfind("flash.", 0) == 0) l["flash"] = ctx.tr(ctx.flash);
  // "My units" for an account that belongs to a recommending unit (organisers have "Units") and
  // "Reviews" for an expert of the pool: one small query, only when signed in.
  if (ctx.actor.signed_in()) {
    try {
      auto places = service::account_places(ctx.env, ctx.actor.id);
      l["has_units"] = !ctx.actor.organiser() && places.units;
      l["has_reviews"] = places.expert;
    } catch (...) {
      // the page (an error page, perhaps while the database is away) is shown without the links
    }
  }
  return l;
}

Response redirect_with_flash(Ctx&, const std::string& to, const std::string& flash_key) {
  auto r = Response::redirect(to);
  r.set("Set-Cookie", http::cookie_header("laurel_flash", flash_key, 60));
  return r;
}


std::string field(const Form& f, const std::string& k) { return form_field(f, k); }

// Public page bodies depend only on the calls, the language and the second (the countdown):
// rendered once a second per language, however many visitors ask. The layout around them
// (session, CSRF token) is rendered for each request.
class BodyCache {
 public:
  template <class Build>
  std::string get(const std::string& key, Build build) {
    {
      std::lock_guard lock(mu_);
      auto it = bodies_.find(key);
      if (it != bodies_.end()) return it->second;
    }
    std::string body = build();
    std::lock_guard lock(mu_);
    if (bodies_.size() > 64) bodies_.clear();
    bodies_.emplace(key, body);
    return body;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::string> bodies_;
};

BodyCache body_cache;

Response cached_page(Ctx& ctx, const std::string& name, const std::string& key, const std::function<json()>& view,
                     const std::string& title = "") {
  std::string full_key = name + "|" + std::string(lang_code(ctx.lang)) + "|" +
                         std::to_string(ctx.env.now().time_since_epoch().count()) + "|" + key;
  std::string body = body_cache.get(full_key, [&] { return ctx.renderer.body(name, view(), ctx.lang); });
  return Response::html(ctx.renderer.layout(std::move(body), layout_view(ctx, title), ctx.lang));
}

json country_options(Ctx& ctx, const std::vector<std::string>& selected) {
  json out = json::array();
  for (const auto& code : ctx.env.countries.sorted(ctx.lang))
    out.push_back({{"code", code},
                   {"name", ctx.env.countries.name(code, ctx.lang)},
                   {"selected", std::find(selected.begin(), selected.end(), code) != selected.end()}});
  return out;
}

// ---- accounts ----

// The form again, with err's problems and its status (200 without one).
Response register_page(Ctx& ctx, const std::multimap<std::string, std::string>& f, const Error* err) {
  json types = json::array();
  for (const auto& t : applicant_types())
    types.push_back({{"slug", t}, {"label", ctx.tr("applicant_type." + t)}, {"selected", field(f, "type") == t}});
  std::string country = field(f, "country");
  json v{{"email", field(f, "email")},
         {"contact_name", field(f, "contact_name")},
         {"phone", field(f, "phone")},
         {"name_zh", field(f, "name_zh")},
         {"name_en", field(f, "name_en")},
         {"types", types},
         {"countries", country_options(ctx, {country.empty() ? "" : country})},
         {"overseas", field(f, "overseas") == "1"},
         {"domestic", field(f, "overseas") != "1"},
         // Where to go once registered (an invitation link sends people here): only a local path.
         {"next", safe_next(f.empty() ? ctx.req.query_param("next") : field(f, "next"), "")}};
  json errors = json::object();
  if (err) {
    v["error"] = ctx.tr(err->message);
    for (const auto& [k, m] : err->fields) {
      std::string key = k;
      std::replace(key.begin(), key.end(), '.', '_');
      errors[key] = ctx.tr(m);
    }
  }
  v["errors"] = errors;
  return page(ctx, "register", v, err ? http_status(err->code) : 200, ctx.tr("account.register"));
}

Response login_page(Ctx& ctx, const std::string& email, const Error* err) {
  json v{{"email", email}, {"next", ctx.req.query_param("next")}};
  if (err) v["error"] = ctx.tr(err->message);
  return page(ctx, "login", v, err ? http_status(err->code) : 200, ctx.tr("account.login"));
}

// ---- entries ----

std::string unit_name(const Ctx& ctx, const Unit& u) {
  if (ctx.lang == Lang::en) return u.name_en.empty() ? u.name_zh : u.name_en;
  return u.name_zh.empty() ? u.name_en : u.name_zh;
}

// What an entry shows of its recommendation: the chain of units its code came from
// ("University → Department → Province"), the code, and the units that endorsed it.
void add_recommendation_view(Ctx& ctx, const Entry& s, const Call& call, json& v,
                             const std::optional<std::string>& typed_code = std::nullopt) {
  std::string chain;
  for (const auto& u : service::recommended_by(ctx.env, s.id)) chain += (chain.empty() ? "" : " → ") + unit_name(ctx, u);
  v["recommended_by"] = chain;
  auto code = service::recommendation_code_of(ctx.env, s.id);
  v["recommendation_code"] = code.value_or("");
  v["recommendation_code_input"] = typed_code ? *typed_code : code.value_or("");
  json endorsements = json::array();
  const std::string& zone = call.time_zone;
  for (const auto& e : service::endorsements_of(ctx.env, s.id))
    endorsements.push_back({{"unit", unit_name(ctx, e.unit)},
                            {"text", e.text},
                            {"date", human_date(local_date(from_unix_seconds(e.created_at), zone), ctx.lang)}});
  v["endorsements"] = endorsements;
  v["has_endorsements"] = !endorsements.empty();
  v["has_recommendation"] = !chain.empty() || !endorsements.empty();
}

json form_patch(const Call& call, const Category& cat, const std::multimap<std::string, std::string>& f) {
  json p = json::object();
  for (const char* k : {"title_zh", "title_en", "summary_zh", "summary_en"}) p[k] = field(f, k);
  json crit = json::object();
  for (const auto& c : cat.criteria) crit[c.slug] = field(f, "criteria." + c.slug);
  p["criteria"] = crit;
  json orgs = json::array();
  std::string all = field(f, "organizations");
  for (size_t i = 0; i <= all.size();) {
    size_t j = all.find('\n', i);
    if (j == std::string::npos) j = all.size();
    std::string line = all.substr(i, j - i);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    while (!line.empty() && line.front() == ' ') line.erase(0, 1);
    if (!line.empty()) orgs.push_back(line);
    i = j + 1;
  }
  p["organizations"] = orgs;
  if (call.has_field("started_on")) p["started_on"] = field(f, "started_on");
  if (call.has_field("countries")) {
    json cs = json::array();
    auto [a, b] = f.equal_range("countries");
    for (auto it = a; it != b; ++it)
      if (!it->second.empty()) cs.push_back(it->second);
    p["countries"] = cs;
  }
  if (call.has_field("form")) p["form"] = field(f, "form");
  return p;
}

Response edit_page(Ctx& ctx, const Entry& s, const Call& call,
                   const std::map<std::string, Message>& problems, const std::string& error, int status,
                   const std::optional<std::string>& typed_code = std::nullopt) {
  const Category* cat = call.category(s.category);
  json v = entry_view(ctx, s, &call);
  v["call"] = call_view(ctx, call);
  v["category_title"] = cat ? cat->title.in(ctx.lang) : s.category;
  const auto& f = s.fields;
  v["title_zh"] = f.title_zh;
  v["title_en"] = f.title_en;
  v["summary_zh"] = f.summary_zh;
  v["summary_en"] = f.summary_en;
  std::string orgs;
  for (const auto& o : f.organizations) orgs += (orgs.empty() ? "" : "\n") + o;
  v["organizations"] = orgs;
  json errors = json::object();
  for (const auto& [k, m] : problems) {
    std::string key = k;
    std::replace(key.begin(), key.end(), '.', '_');
    std::replace(key.begin(), key.end(), '-', '_');
    errors[key] = ctx.tr(m);
  }
  v["errors"] = errors;
  v["error_count"] = problems.empty() ? "" : ctx.tr("entry.error_count", {{"n", std::to_string(problems.size())}});
  json crit = json::array();
  if (cat)
    for (const auto& c : cat->criteria) {
      auto it = f.criteria.find(c.slug);
      auto pe = problems.find("criteria." + c.slug);
      crit.push_back({{"slug", c.slug},
                      {"title", c.title.in(ctx.lang)},
                      {"description", c.description.in(ctx.lang)},
                      {"value", it == f.criteria.end() ? "" : it->second},
                      {"error", pe == problems.end() ? "" : ctx.tr(pe->second)}});
    }
  v["criteria"] = crit;
  v["is_case"] = call.has_field("countries");
  v["started_on"] = f.started_on;
  if (call.eligibility.min_start_date) v["min_start_date"] = format_date(*call.eligibility.min_start_date);
  v["countries"] = country_options(ctx, f.countries);
  json forms = json::array();
  for (const auto& fm : call.content_forms)
    forms.push_back({{"slug", fm}, {"label", ctx.tr("form." + fm)}, {"selected", f.form == fm}});
  v["forms"] = forms;
  v["autosave"] = s.status != EntryStatus::submitted;
  v["is_submitted"] = s.status == EntryStatus::submitted;
  v["materials"] = materials_view(ctx, call, s, problems);
  add_recommendation_view(ctx, s, call, v, typed_code);
  if (!error.empty()) v["error"] = error;
  return page(ctx, "entry_edit", v, status, ctx.tr("entry.edit"));
}

std::string csv_cell(const std::string& s) { return csv_field(s); }  // quoted, never a formula

}  // namespace

Response page(Ctx& ctx, const std::string& name, const json& view, int status, const std::string& title) {
  json v = view;
  v["csrf"] = ctx.csrf;
  return Response::html(ctx.renderer.page(name, v, layout_view(ctx, title), ctx.lang), status);
}

Response error_page(Ctx& ctx, const Error& e) {
  int status = http_status(e.code);
  json v{{"status", std::to_string(status)}, {"message", ctx.tr(e.message)}};
  if (e.code == Code::internal) v["request_id"] = ctx.req.id;
  return page(ctx, "error", v, status, ctx.tr("error.title"));
}

void add_page_routes(Router& r) {
  r.add("GET", "/", {.anonymous = 200, .owner = 200, .other = 200, .organiser = 200}, [](Ctx& ctx) {
    auto list = service::list_calls(ctx.env);
    std::string key;
    for (const auto& c : list) key += c.revision + ",";
    return cached_page(ctx, "home", key, [&] {
      json calls = json::array();
      for (const auto& c : list) calls.push_back(call_view(ctx, c));
      return json{{"calls", calls}, {"has_calls", !calls.empty()}};
    });
  });

  r.add("GET", "/calls/{slug}", {.anonymous = 200, .owner = 200, .other = 200, .organiser = 200}, [](Ctx& ctx) {
    auto c = service::find_call(ctx.env, ctx.req.param("slug"));
    if (!c) return answer_error(ctx, c.error());
    return cached_page(ctx, "call", c->revision, [&] { return call_view(ctx, *c); }, c->title.in(ctx.lang));
  });

  r.add("GET", "/register", {.anonymous = 200, .owner = 200, .other = 200, .organiser = 200}, [](Ctx& ctx) { return register_page(ctx, {}, nullptr); });
  r.add("POST", "/register", {.anonymous = 303, .owner = 303, .other = 303, .organiser = 303}, [](Ctx& ctx) {
    auto f = form_of(ctx);
    service::Registration reg{field(f, "email"),   field(f, "password"), field(f, "contact_name"),
                              field(f, "phone"),   field(f, "name_zh"),  field(f, "name_en"),
                              field(f, "type"),    field(f, "country"),  field(f, "overseas") == "1"};
    reg.lang = std::string(lang_code(ctx.lang));
    if (field(f, "password") != field(f, "password2")) {
      Error e = Error::make(Code::invalid, "error.invalid");
      e.fields["password2"] = {"rule.password_mismatch", {}};
      return register_page(ctx, f, &e);
    }
    auto a = service::register_account(ctx.env, reg, client_info(ctx));
    if (!a) return register_page(ctx, f, &a.error());
    auto s = service::log_in(ctx.env, reg.email, reg.password, client_info(ctx));
    if (!s) return Response::redirect("/login");
    auto res = redirect_with_flash(ctx, safe_next(field(f, "next"), "/entries"), "flash.registered");
    set_login_cookies(ctx, res, *s);
    return res;
  });

  r.add("GET", "/login", {.anonymous = 200, .owner = 200, .other = 200, .organiser = 200}, [](Ctx& ctx) { return login_page(ctx, "", nullptr); });
  r.add("POST", "/login", {.anonymous = 303, .owner = 303, .other = 303, .organiser = 303}, [](Ctx& ctx) {
    auto f = form_of(ctx);
    auto s = service::log_in(ctx.env, field(f, "email"), field(f, "password"), client_info(ctx));
    if (!s) {
      auto res = login_page(ctx, field(f, "email"), &s.error());
      if (s.error().message.params.count("seconds")) res.set("Retry-After", s.error().message.params.at("seconds"));
      return res;
    }
    if (auto ask = two_factor_challenge(ctx, *s, false, field(f, "next"))) return std::move(*ask);
    std::string next = safe_next(field(f, "next"), "/entries");
    if (next == "/entries" && s->session.actor.organiser()) next = "/admin";
    auto res = Response::redirect(next);
    set_login_cookies(ctx, res, *s);
    return res;
  });
  r.add("POST", "/logout", {.anonymous = 303, .owner = 303, .other = 303, .organiser = 303}, [](Ctx& ctx) {
    if (ctx.session) service::log_out(ctx.env, ctx.session->token);
    auto res = redirect_with_flash(ctx, "/", "flash.logged_out");
    res.set("Set-Cookie", http::cookie_header("laurel_session", "", 0));
    return res;
  });

  r.add("GET", "/entries", {.anonymous = 303, .owner = 200, .other = 200, .organiser = 200}, [](Ctx& ctx) {
    if (!ctx.actor.signed_in()) return to_login(ctx);
    auto list = service::my_entries(ctx.env, ctx.actor, true);
    if (!list) return answer_error(ctx, list.error());
    std::map<std::string, Call> calls;
    for (auto& c : service::list_calls(ctx.env)) calls.emplace(c.slug, c);
    json entries = json::array();
    for (const auto& s : *list) {
      auto it = calls.find(s.call);
      entries.push_back(entry_view(ctx, s, it == calls.end() ? nullptr : &it->second));
    }
    json open = json::array();
    for (const auto& [slug, c] : calls)
      if (call_status(c, ctx.env.now()) == CallStatus::open && c.allows_applicant_type(ctx.actor.org_type))
        open.push_back({{"slug", slug}, {"title", c.title.in(ctx.lang)}});
    return page(ctx, "entries",
                {{"entries", entries}, {"has_entries", !entries.empty()}, {"open_calls", open},
                 {"count", ctx.tr("entries.count", {{"n", std::to_string(entries.size())}})}},
                200, ctx.tr("nav.my_entries"));
  });

  r.add("GET", "/calls/{slug}/apply", {.anonymous = 303, .owner = 200, .other = 200, .organiser = 200}, [](Ctx& ctx) {
    if (!ctx.actor.signed_in()) return to_login(ctx);
    auto c = service::find_call(ctx.env, ctx.req.param("slug"));
    if (!c) return answer_error(ctx, c.error());
    json v = call_view(ctx, *c);
    v["eligible"] = c->allows_applicant_type(ctx.actor.org_type);
    return page(ctx, "apply", v, 200, c->title.in(ctx.lang));
  });

  r.add("POST", "/calls/{slug}/entries", {.anonymous = 303, .owner = 303, .other = 303, .organiser = 403}, [](Ctx& ctx) {
    if (!ctx.actor.signed_in()) return to_login(ctx);
    auto f = form_of(ctx);
    auto s = service::create_entry(ctx.env, ctx.actor, ctx.req.param("slug"), field(f, "category"), json::object());
    if (!s) return answer_error(ctx, s.error());
    return redirect_with_flash(ctx, "/entries/" + s->id + "/edit", "flash.started");
  });

  r.add("GET", "/entries/{id}", {.anonymous = 303, .owner = 200, .other = 404, .organiser = 200}, [](Ctx& ctx) {
    if (!ctx.actor.signed_in()) return to_login(ctx);
    auto s = service::get_entry(ctx.env, ctx.actor, ctx.req.param("id"));
    if (!s) return answer_error(ctx, s.error());
    auto c = service::find_call(ctx.env, s->call);
    if (!c) return answer_error(ctx, c.error());
    json v = entry_view(ctx, *s, &*c);
    const auto& f = s->fields;
    v["title_zh"] = f.title_zh;
    v["title_en"] = f.title_en;
    v["summary_zh"] = f.summary_zh;
    v["summary_en"] = f.summary_en;
    v["organizations"] = f.organizations;
    json crit = json::array();
    if (const Category* cat = c->category(s->category))
      for (const auto& cr : cat->criteria) {
        auto it = f.criteria.find(cr.slug);
        crit.push_back({{"title", cr.title.in(ctx.lang)}, {"value", it == f.criteria.end() ? "" : it->second}});
      }
    v["criteria"] = crit;
    v["is_case"] = c->has_field("countries");
    v["started_on"] = f.started_on;
    json countries = json::array();
    for (const auto& code : f.countries) countries.push_back(ctx.env.countries.name(code, ctx.lang));
    v["countries"] = countries;
    v["form"] = f.form.empty() ? "" : ctx.tr("form." + f.form);
    const EntryAccess access{s->owner_id, s->status};
    const Instant now = ctx.env.now();
    v["is_owner"] = owns_entry(ctx.actor, access);
    v["can_withdraw"] = can_withdraw(ctx.actor, access, *c, now).ok();
    v["can_edit"] = can_change_entry(ctx.actor, access, *c, now).ok();
    v["is_submitted"] = s->status == EntryStatus::submitted;
    v["deadline_text"] = deadline_text(ctx, *c);
    v["materials"] = materials_view(ctx, *c, *s, {});
    add_recommendation_view(ctx, *s, *c, v);
    return page(ctx, "entry_view", v, 200, v["title"].get<std::string>());
  });

  r.add("GET", "/entries/{id}/edit", {.anonymous = 303, .owner = 200, .other = 404, .organiser = 404}, [](Ctx& ctx) {
    if (!ctx.actor.signed_in()) return to_login(ctx);
    auto s = service::get_entry(ctx.env, ctx.actor, ctx.req.param("id"));
    if (!s || !owns_entry(ctx.actor, {s->owner_id, s->status})) return answer_error(ctx, Error::make(Code::not_found, "error.submission_not_found"));
    auto c = service::find_call(ctx.env, s->call);
    if (!c) return answer_error(ctx, c.error());
    std::string err = call_status(*c, ctx.env.now()) == CallStatus::closed ? ctx.tr("error.deadline_passed") : "";
    return edit_page(ctx, *s, *c, {}, err, 200);
  });

  r.add("POST", "/entries/{id}", {.anonymous = 303, .owner = 303, .other = 404, .organiser = 404}, [](Ctx& ctx) {
    if (!ctx.actor.signed_in()) return to_login(ctx);
    auto f = form_of(ctx);
    // A recommendation code typed in the form goes on the entry first (empty: none). A code that
    // cannot be used shows the form again with the code's problem and everything typed.
    if (f.count("recommendation_code")) {
      std::string typed = field(f, "recommendation_code");
      std::string id = ctx.req.param("id");
      if (normalise_code(typed) != service::recommendation_code_of(ctx.env, id).value_or("")) {
        auto st = service::set_recommendation_code(ctx.env, ctx.actor, id, typed);
        if (!st && st.error().code == Code::invalid) {
          auto s = service::get_entry(ctx.env, ctx.actor, id);
          if (!s) return answer_error(ctx, s.error());
          auto c = service::find_call(ctx.env, s->call);
          if (!c) return answer_error(ctx, c.error());
          Entry shown = *s;
          if (const Category* cat = c->category(s->category))
            if (auto applied = apply_fields(s->fields, form_patch(*c, *cat, f))) shown.fields = *applied;
          return edit_page(ctx, shown, *c, st.error().fields, ctx.tr(st.error().message), http_status(st.error().code),
                           typed);
        }
        // Any other refusal (the deadline, not the owner's) is the save's too: it answers below.
      }
    }
    // One use case for the whole form: the entry and its call are read once.
    auto form = service::save_entry_form(
        ctx.env, ctx.actor, ctx.req.param("id"),
        [&](const Call& call, const Category& cat) { return form_patch(call, cat, f); }, field(f, "action") == "submit");
    if (!form) return answer_error(ctx, form.error());
    if (form->error)  // shown again with what was sent and the problems
      return edit_page(ctx, form->entry, form->call, form->error->fields, ctx.tr(form->error->message),
                       http_status(form->error->code));
    if (form->submitted) return redirect_with_flash(ctx, "/entries/" + form->entry.id, "flash.submitted");
    return redirect_with_flash(ctx, "/entries/" + form->entry.id + "/edit", "flash.saved");
  });

  r.add("POST", "/entries/{id}/withdraw", {.anonymous = 303, .owner = 303, .other = 404, .organiser = 404}, [](Ctx& ctx) {
    if (!ctx.actor.signed_in()) return to_login(ctx);
    auto s = service::withdraw_entry(ctx.env, ctx.actor, ctx.req.param("id"));
    if (!s) return answer_error(ctx, s.error());
    return redirect_with_flash(ctx, "/entries/" + s->id, "flash.withdrawn");
  });

  r.add("GET", "/admin", {.anonymous = 303, .owner = 403, .other = 403, .organiser = 200}, [](Ctx& ctx) {
    if (!ctx.actor.signed_in()) return to_login(ctx);
    auto counts = service::entry_counts(ctx.env, ctx.actor);  // the policy decides who may see it
    if (!counts) return answer_error(ctx, counts.error());
    json calls = json::array();
    for (const auto& c : service::list_calls(ctx.env)) {
      auto it = counts->find(c.slug);
      json v = call_view(ctx, c);
      v["total"] = std::to_string(it == counts->end() ? 0 : it->second.total);
      v["submitted"] = std::to_string(it == counts->end() ? 0 : it->second.submitted);
      calls.push_back(v);
    }
    return page(ctx, "admin", {{"calls", calls}}, 200, ctx.tr("nav.admin"));
  });

  r.add("GET", "/admin/calls/{slug}/entries", {.anonymous = 303, .owner = 403, .other = 403, .organiser = 200}, [](Ctx& ctx) {
    if (!ctx.actor.signed_in()) return to_login(ctx);
    auto c = service::find_call(ctx.env, ctx.req.param("slug"));
    if (!c) return answer_error(ctx, c.error());
    std::string fcat = ctx.req.query_param("category"), fstatus = ctx.req.query_param("status");
    auto all = service::call_entries(ctx.env, ctx.actor, c->slug, {});
    if (!all) return answer_error(ctx, all.error());
    json cats = json::array();
    for (const auto& cat : c->categories) {
      int total = 0, submitted = 0;
      for (const auto& s : *all)
        if (s.category == cat.slug) total++, submitted += s.status == EntryStatus::submitted;
      cats.push_back({{"slug", cat.slug}, {"title", cat.title.in(ctx.lang)}, {"total", std::to_string(total)},
                      {"submitted", std::to_string(submitted)}, {"selected", fcat == cat.slug}});
    }
    json statuses = json::array();
    for (const char* st : {"draft", "submitted", "withdrawn"})
      statuses.push_back({{"slug", st}, {"label", ctx.tr(std::string("entry.status.") + st)}, {"selected", fstatus == st}});
    json entries = json::array();
    std::vector<std::string> owners;
    for (const auto& s : *all) {
      if ((!fcat.empty() && s.category != fcat) || (!fstatus.empty() && std::string(to_string(s.status)) != fstatus)) continue;
      entries.push_back(entry_view(ctx, s, &*c));
      owners.push_back(s.owner_id);
    }
    auto verified = service::verified_accounts(ctx.env, owners);  // the owner's address: confirmed or not
    for (size_t i = 0; i < entries.size(); ++i) entries[i]["owner_verified"] = verified.count(owners[i]) > 0;
    std::string query = "?category=" + http::url_encode(fcat) + "&status=" + http::url_encode(fstatus);
    return page(ctx, "admin_entries",
                {{"call", call_view(ctx, *c)}, {"categories", cats}, {"statuses", statuses}, {"entries", entries},
                 {"has_entries", !entries.empty()},
                 {"count", ctx.tr("entries.count", {{"n", std::to_string(entries.size())}})},
                 {"csv_href", "/admin/calls/" + c->slug + "/entries.csv" + query}},
                200, c->title.in(ctx.lang));
  });

  r.add("GET", "/admin/calls/{slug}/entries.csv", {.anonymous = 303, .owner = 403, .other = 403, .organiser = 200}, [](Ctx& ctx) {
    if (!ctx.actor.signed_in()) return to_login(ctx);
    auto c = service::find_call(ctx.env, ctx.req.param("slug"));
    if (!c) return answer_error(ctx, c.error());
    service::EntryFilter f{ctx.req.query_param("category"), ctx.req.query_param("status")};
    auto list = service::call_entries(ctx.env, ctx.actor, c->slug, f);
    if (!list) return answer_error(ctx, list.error());
    std::string out = "\xEF\xBB\xBF";  // UTF-8 BOM: Excel then reads Chinese correctly
    std::vector<std::string> head{"csv.receipt", "csv.status", "csv.category", "csv.title_zh", "csv.title_en",
                                  "csv.organizations", "csv.applicant", "csv.email", "csv.country",
                                  "csv.submitted_at", "csv.updated_at"};
    for (size_t i = 0; i < head.size(); ++i) out += (i ? "," : "") + csv_cell(ctx.tr(head[i]));
    out += "\r\n";
    for (const auto& s : *list) {
      std::string orgs;
      for (const auto& o : s.fields.organizations) orgs += (orgs.empty() ? "" : "; ") + o;
      const Category* cat = c->category(s.category);
      std::vector<std::string> row{s.receipt.value_or(""),
                                   ctx.tr(std::string("entry.status.") + std::string(to_string(s.status))),
                                   cat ? cat->title.in(ctx.lang) : s.category,
                                   s.fields.title_zh,
                                   s.fields.title_en,
                                   orgs,
                                   ctx.lang == Lang::zh && !s.owner_org_zh.empty() ? s.owner_org_zh
                                   : s.owner_org_en.empty()                         ? s.owner_org_zh
                                                                                     : s.owner_org_en,
                                   s.owner_email,
                                   s.owner_country,
                                   s.submitted_at ? iso_local(*s.submitted_at, c->time_zone) : "",
                                   iso_local(s.updated_at, c->time_zone)};
      for (size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + csv_cell(row[i]);
      out += "\r\n";
    }
    Response res{200, {}, std::move(out)};
    res.set("Content-Type", "text/csv; charset=utf-8");
    res.set("Content-Disposition", "attachment; filename=\"" + c->slug + "-entries.csv\"");
    return res;
  });
}

}  // namespace laurel::web
