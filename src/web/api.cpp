// The JSON API under /api/v1 (docs/api.md): the same services as the pages.
#include <nlohmann/json.hpp>

#include "core/json_input.h"
#include "service/accounts.h"
#include "service/calls.h"
#include "service/materials.h"
#include "service/entries.h"
#include "web/app.h"
#include "web/units.h"
#include "web/views.h"

namespace laurel::web {

using nlohmann::json;
using http::Response;

// The body as a JSON object, or the 400/415 answer.
std::variant<json, Response> body_json(Ctx& ctx) {
  std::string ct = ctx.req.header("content-type");
  if (!ctx.req.body.empty() && ct.rfind("application/json", 0) != 0)
    return answer_error(ctx, Error::make(Code::unsupported_media_type, "error.json_expected"));
  // Bounded while parsing (depth, members, items): a hostile document is refused before it is
  // built. Handlers then read it through references, never copying it.
  auto j = parse_json_bounded(ctx.req.body.empty() ? std::string_view("{}") : std::string_view(ctx.req.body));
  if (!j) return answer_error(ctx, j.error());
  if (!j->is_object()) return answer_error(ctx, Error::make(Code::bad_request, "error.malformed_json"));
  return std::move(*j);
}

namespace {

Response ok(const json& j, int status = 200) { return Response::json(j.dump(), status); }


// The member `key` of `j` (an object), or an empty object when absent; never a copy.
const json& member_or_empty(const json& j, const char* key) {
  static const json empty = json::object();
  auto it = j.find(key);
  return it == j.end() ? empty : *it;
}

Response need_login(Ctx& ctx) { return answer_error(ctx, Error::make(Code::unauthenticated, "error.unauthenticated")); }

}  // namespace

void add_api_routes(Router& r) {
  r.add("POST", "/api/v1/accounts", {.anonymous = 201, .owner = 201, .other = 201, .organiser = 201}, [](Ctx& ctx) {
    auto b = body_json(ctx);
    if (auto* res = std::get_if<Response>(&b)) return *res;
    const json& j = std::get<json>(b);
    const json& org = member_or_empty(j, "organization");
    if (!org.is_object()) return answer_error(ctx, Error::make(Code::bad_request, "error.malformed_json"));
    for (const char* k : {"email", "password", "contact_name", "phone"})
      if (j.contains(k) && !j[k].is_string()) return answer_error(ctx, Error::make(Code::bad_request, "error.malformed_json"));
    if (org.contains("overseas") && !org["overseas"].is_boolean())
      return answer_error(ctx, Error::make(Code::bad_request, "error.malformed_json"));
    service::Registration reg{str_of(j, "email"),       str_of(j, "password"),    str_of(j, "contact_name"),
                              str_of(j, "phone"),       str_of(org, "name_zh"),   str_of(org, "name_en"),
                              str_of(org, "type"),      str_of(org, "country"),   org.contains("overseas") && org["overseas"].get<bool>()};
    reg.lang = std::string(lang_code(ctx.lang));
    auto a = service::register_account(ctx.env, reg, client_info(ctx));
    if (!a) return answer_error(ctx, a.error());
    return ok({{"id", a->id}, {"email", a->email}}, 201);
  });

  r.add("POST", "/api/v1/session", {.anonymous = 200, .owner = 200, .other = 200, .organiser = 200}, [](Ctx& ctx) {
    auto b = body_json(ctx);
    if (auto* res = std::get_if<Response>(&b)) return *res;
    const json& j = std::get<json>(b);
    auto s = service::log_in(ctx.env, str_of(j, "email"), str_of(j, "password"), client_info(ctx));
    if (!s) return answer_error(ctx, s.error());
    if (auto ask = two_factor_challenge(ctx, *s, true, "")) return std::move(*ask);
    const auto& a = s->session.actor;
    auto res = ok({{"csrf_token", s->session.csrf_token}, {"user", {{"id", a.id}, {"email", a.email}, {"role", stored_role(a)}}}});
    set_login_cookies(ctx, res, *s);
    return res;
  });

  r.add("DELETE", "/api/v1/session", {.anonymous = 401, .owner = 204, .other = 204, .organiser = 204}, [](Ctx& ctx) {
    if (!ctx.session) return need_login(ctx);
    service::log_out(ctx.env, ctx.session->token);
    Response res{204, {}, {}};
    res.set("Set-Cookie", http::cookie_header("laurel_session", "", 0));
    return res;
  });

  r.add("GET", "/api/v1/calls", {.anonymous = 200, .owner = 200, .other = 200, .organiser = 200}, [](Ctx& ctx) {
    json calls = json::array();
    for (const auto& c : service::list_calls(ctx.env)) calls.push_back(api_call(c, ctx.env.now()));
    return ok({{"calls", calls}});
  });

  r.add("GET", "/api/v1/calls/{slug}", {.anonymous = 200, .owner = 200, .other = 200, .organiser = 200}, [](Ctx& ctx) {
    auto c = service::find_call(ctx.env, ctx.req.param("slug"));
    if (!c) return answer_error(ctx, c.error());
    return ok(api_call(*c, ctx.env.now()));
  });

  r.add("POST", "/api/v1/calls/{slug}/submissions", {.anonymous = 401, .owner = 201, .other = 201, .organiser = 403}, [](Ctx& ctx) {
    if (!ctx.session) return need_login(ctx);
    auto b = body_json(ctx);
    if (auto* res = std::get_if<Response>(&b)) return *res;
    const json& j = std::get<json>(b);
    if (j.contains("category") && !j["category"].is_string()) return answer_error(ctx, Error::make(Code::bad_request, "error.malformed_json"));
    // A recommendation code is checked before anything is made: a bad one makes no entry.
    Response refusal;
    auto code = recommendation_code_member(ctx, j, refusal);
    if (code && *code == "\x01") return refusal;
    if (code && !code->empty())
      if (auto st = service::check_recommendation_code(ctx.env, ctx.req.param("slug"), *code); !st)
        return answer_error(ctx, st.error());
    auto s = service::create_entry(ctx.env, ctx.actor, ctx.req.param("slug"), str_of(j, "category"),
                                        member_or_empty(j, "fields"));
    if (!s) return answer_error(ctx, s.error());
    if (code && !code->empty())
      if (auto st = service::set_recommendation_code(ctx.env, ctx.actor, s->id, *code); !st)
        return answer_error(ctx, st.error());  // the code's last use went to another entry meanwhile
    json out = to_json(*s);
    add_recommendation_json(ctx, s->id, out);
    return ok(out, 201);
  });

  r.add("GET", "/api/v1/submissions", {.anonymous = 401, .owner = 200, .other = 200, .organiser = 200}, [](Ctx& ctx) {
    auto list = service::my_entries(ctx.env, ctx.actor);
    if (!list) return answer_error(ctx, list.error());
    json out = json::array();
    for (const auto& s : *list) out.push_back(to_json(s));
    return ok({{"submissions", out}});
  });

  r.add("GET", "/api/v1/submissions/{id}", {.anonymous = 401, .owner = 200, .other = 404, .organiser = 200}, [](Ctx& ctx) {
    auto s = service::get_entry(ctx.env, ctx.actor, ctx.req.param("id"));
    if (!s) return answer_error(ctx, s.error());
    json out = to_json(*s);
    add_recommendation_json(ctx, s->id, out);
    auto materials = service::entry_materials(ctx.env, ctx.actor, s->id);
    if (!materials) return answer_error(ctx, materials.error());
    out["materials"] = json::array();
    for (const auto& m : *materials) out["materials"].push_back(material_json(ctx, m));
    return ok(out);
  });

  r.add("PATCH", "/api/v1/submissions/{id}", {.anonymous = 401, .owner = 200, .other = 404, .organiser = 404}, [](Ctx& ctx) {
    if (!ctx.session) return need_login(ctx);
    auto b = body_json(ctx);
    if (auto* res = std::get_if<Response>(&b)) return *res;
    const json& j = std::get<json>(b);
    // A bad code leaves the draft unchanged, and bad fields leave its code unchanged: the code is
    // checked first (no write), the fields saved, then the code put on.
    Response refusal;
    auto code = recommendation_code_member(ctx, j, refusal);
    if (code && *code == "\x01") return refusal;
    if (code && !code->empty()) {
      auto current = service::get_entry(ctx.env, ctx.actor, ctx.req.param("id"));
      if (!current) return answer_error(ctx, current.error());
      auto held = service::recommendation_code_of(ctx.env, current->id);
      if (!held || *held != normalise_code(*code))  // the code it holds already counts it
        if (auto st = service::check_recommendation_code(ctx.env, current->call, *code); !st)
          return answer_error(ctx, st.error());
    }
    auto s = service::save_entry(ctx.env, ctx.actor, ctx.req.param("id"), member_or_empty(j, "fields"));
    if (!s) return answer_error(ctx, s.error());
    if (code)
      if (auto st = service::set_recommendation_code(ctx.env, ctx.actor, ctx.req.param("id"), *code); !st)
        return answer_error(ctx, st.error());  // its last use went to another entry meanwhile: the fields are saved
    json out = to_json(*s);
    out.erase("fields");  // autosave sends long texts often: the answer does not echo them back
    if (code) add_recommendation_json(ctx, s->id, out);
    return ok(out);
  });

  r.add("POST", "/api/v1/submissions/{id}/submit", {.anonymous = 401, .owner = 200, .other = 404, .organiser = 404}, [](Ctx& ctx) {
    auto s = service::submit_entry(ctx.env, ctx.actor, ctx.req.param("id"));
    if (!s) return answer_error(ctx, s.error());
    json j = to_json(*s);
    j.erase("fields");  // a state change answers with the state; GET the entry for its texts
    return ok(j);
  });

  r.add("POST", "/api/v1/submissions/{id}/withdraw", {.anonymous = 401, .owner = 200, .other = 404, .organiser = 404}, [](Ctx& ctx) {
    auto s = service::withdraw_entry(ctx.env, ctx.actor, ctx.req.param("id"));
    if (!s) return answer_error(ctx, s.error());
    json j = to_json(*s);
    j.erase("fields");
    return ok(j);
  });

  r.add("POST", "/api/v1/admin/calls", {.anonymous = 401, .owner = 403, .other = 403, .organiser = 200}, [](Ctx& ctx) {
    if (!ctx.session) return need_login(ctx);
    auto loaded = service::load_calls_as(ctx.env, ctx.actor, ctx.req.body, "request body");
    if (!loaded) return answer_error(ctx, loaded.error());
    return ok({{"calls", *loaded}});
  });

  r.add("GET", "/api/v1/admin/calls/{slug}/submissions", {.anonymous = 401, .owner = 403, .other = 403, .organiser = 200}, [](Ctx& ctx) {
    service::EntryFilter f{ctx.req.query_param("category"), ctx.req.query_param("status")};
    auto list = service::call_entries(ctx.env, ctx.actor, ctx.req.param("slug"), f);
    if (!list) return answer_error(ctx, list.error());
    json out = json::array();
    for (const auto& s : *list) {
      json j = to_json(s);
      j["owner"] = {{"email", s.owner_email}, {"name_zh", s.owner_org_zh}, {"name_en", s.owner_org_en},
                    {"country", s.owner_country}};
      out.push_back(j);
    }
    return ok({{"submissions", out}});
  });
}

}  // namespace laurel::web
