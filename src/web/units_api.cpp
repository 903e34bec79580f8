// Recommending units, JSON API (issue 12; docs/api.md "Recommending units"): the organiser's
// units, a manager's sub-units, invitations, recommendation codes, endorsements, a unit's
// entries and reminders, the excellent-organisation ranking and honours.
#include <nlohmann/json.hpp>

#include "service/units.h"
#include "web/app.h"
#include "web/review.h"
#include "web/units.h"

namespace laurel::web {

using nlohmann::json;
using http::Response;

json unit_json(const Unit& u) {
  return {{"id", u.id},
          {"name_zh", u.name_zh},
          {"name_en", u.name_en},
          {"kind", u.kind},
          {"parent", u.parent ? json(*u.parent) : json()},
          {"archived", u.archived}};
}

json unit_ref_json(const Unit& u) { return {{"id", u.id}, {"name_zh", u.name_zh}, {"name_en", u.name_en}}; }

json code_json(const RecommendationCode& k) {
  return {{"code", k.code},
          {"call", k.call},
          {"unit", k.unit_id},
          {"expires_at", k.expires_at ? json(iso_utc(*k.expires_at)) : json()},
          {"max_uses", k.max_uses ? json(*k.max_uses) : json()},
          {"uses", k.uses}};
}

void add_recommendation_json(Ctx& ctx, const std::string& entry_id, json& out) {
  json chain = json::array();
  for (const auto& u : service::recommended_by(ctx.env, entry_id)) chain.push_back(unit_ref_json(u));
  out["recommended_by"] = chain;
  auto code = service::recommendation_code_of(ctx.env, entry_id);
  out["recommendation_code"] = code ? json(*code) : json();
  json endorsements = json::array();
  for (const auto& e : service::endorsements_of(ctx.env, entry_id))
    endorsements.push_back({{"unit", unit_ref_json(e.unit)}, {"text", e.text}, {"created_at", iso_utc(from_unix_seconds(e.created_at))}});
  out["endorsements"] = endorsements;
}

std::optional<std::string> recommendation_code_member(Ctx& ctx, const json& body, Response& refusal) {
  if (!body.is_object() || !body.contains("recommendation_code")) return std::nullopt;
  const json& v = body["recommendation_code"];
  if (v.is_null()) return std::string();
  if (!v.is_string()) {
    Error e = Error::make(Code::invalid, "error.invalid");
    e.fields["recommendation_code"] = {"rule.code_unknown", {}};
    refusal = answer_error(ctx, e);
    return std::string("\x01");  // marks the refusal
  }
  return v.get<std::string>();
}

namespace {

Response ok(const json& j, int status = 200) { return Response::json(j.dump(), status); }
Response need_login(Ctx& ctx) { return answer_error(ctx, Error::make(Code::unauthenticated, "error.unauthenticated")); }

// An optional string member: absent → nullopt; a string → it; anything else → the refusal.
bool string_member(const json& j, const char* key, std::optional<std::string>& out, Error& e) {
  if (!j.contains(key)) return true;
  if (!j[key].is_string()) {
    e.fields[key] = {"rule.string", {}};
    return false;
  }
  out = j[key].get<std::string>();
  return true;
}

service::NewUnit new_unit_of(const json& j) { return {str_of(j, "name_zh"), str_of(j, "name_en"), str_of(j, "kind")}; }

Error bad_types(const json& j, std::initializer_list<const char*> strings) {
  Error e = Error::make(Code::invalid, "error.invalid");
  for (const char* k : strings)
    if (j.contains(k) && !j[k].is_string()) e.fields[k] = {"rule.string", {}};
  return e;
}

}  // namespace

void add_unit_api_routes(Router& r) {
  // ---- the organiser's units ----
  r.add("POST", "/api/v1/admin/units",
        {.anonymous = 401, .owner = 403, .other = 403, .organiser = 201, .recommender = 403}, [](Ctx& ctx) {
          if (!ctx.session) return need_login(ctx);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          if (!ctx.actor.organiser()) return answer_error(ctx, Error::make(Code::forbidden, "error.forbidden"));
          Error e = bad_types(j, {"name_zh", "name_en", "kind"});
          std::optional<std::string> parent;
          if (j.contains("parent") && !j["parent"].is_null()) {
            if (j["parent"].is_string()) parent = j["parent"].get<std::string>();
            else e.fields["parent"] = {"rule.unit_parent_unknown", {}};
          }
          if (!e.fields.empty()) return answer_error(ctx, e);
          auto u = service::create_unit(ctx.env, ctx.actor, new_unit_of(j), parent);
          if (!u) return answer_error(ctx, u.error());
          return ok(unit_json(*u), 201);
        });
  r.add("GET", "/api/v1/admin/units",
        {.anonymous = 401, .owner = 403, .other = 403, .organiser = 200, .recommender = 403}, [](Ctx& ctx) {
          if (!ctx.session) return need_login(ctx);
          if (auto st = can_manage_calls(ctx.actor); !st) return answer_error(ctx, st.error());
          json out = json::array();
          for (const auto& [id, u] : service::all_units(ctx.env)) out.push_back(unit_json(u));
          return ok({{"units", out}});
        });
  r.add("PATCH", "/api/v1/admin/units/{id}",
        {.anonymous = 401, .owner = 403, .other = 403, .organiser = 200, .recommender = 403}, [](Ctx& ctx) {
          if (!ctx.session) return need_login(ctx);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          if (!ctx.actor.organiser()) return answer_error(ctx, Error::make(Code::forbidden, "error.forbidden"));
          service::UnitPatch p;
          Error e = Error::make(Code::invalid, "error.invalid");
          string_member(j, "name_zh", p.name_zh, e);
          string_member(j, "name_en", p.name_en, e);
          if (j.contains("parent")) {
            if (j["parent"].is_null()) p.parent = std::optional<std::string>();
            else if (j["parent"].is_string()) p.parent = std::optional<std::string>(j["parent"].get<std::string>());
            else e.fields["parent"] = {"rule.unit_parent_unknown", {}};
          }
          if (j.contains("archived")) {
            if (j["archived"].is_boolean()) p.archived = j["archived"].get<bool>();
            else e.fields["archived"] = {"rule.boolean", {}};
          }
          if (!e.fields.empty()) return answer_error(ctx, e);
          auto u = service::update_unit(ctx.env, ctx.actor, ctx.req.param("id"), p);
          if (!u) return answer_error(ctx, u.error());
          return ok(unit_json(*u));
        });

  // ---- a member's units ----
  r.add("GET", "/api/v1/units", {.anonymous = 401, .owner = 200, .other = 200, .organiser = 200, .recommender = 200},
        [](Ctx& ctx) {
          auto list = service::my_units(ctx.env, ctx.actor);
          if (!list) return answer_error(ctx, list.error());
          json out = json::array();
          for (const auto& m : *list) {
            json u = unit_json(m.unit);
            u["role"] = m.role;
            json chain = json::array();
            for (const auto& c : m.chain) chain.push_back(unit_ref_json(c));
            u["chain"] = chain;
            out.push_back(u);
          }
          return ok({{"units", out}});
        });
  r.add("GET", "/api/v1/units/{id}", {.anonymous = 401, .owner = 404, .other = 404, .organiser = 200, .recommender = 200},
        [](Ctx& ctx) {
          auto d = service::unit_detail(ctx.env, ctx.actor, ctx.req.param("id"));
          if (!d) return answer_error(ctx, d.error());
          json out = unit_json(d->unit);
          out["can_manage"] = d->manage;
          out["chain"] = json::array();
          for (const auto& u : d->chain) out["chain"].push_back(unit_ref_json(u));
          out["units"] = json::array();
          for (const auto& u : d->children) out["units"].push_back(unit_json(u));
          if (d->manage) {
            out["members"] = json::array();
            for (const auto& m : d->members)
              out["members"].push_back({{"id", m.user_id}, {"email", m.email}, {"name", m.name}, {"role", m.role}});
            out["invitations"] = json::array();
            for (const auto& i : d->invitations)
              out["invitations"].push_back({{"id", i.id},
                                            {"email", i.email},
                                            {"role", i.role},
                                            {"created_at", iso_utc(from_unix_seconds(i.created_at))},
                                            {"expires_at", iso_utc(from_unix_seconds(i.expires_at))},
                                            {"accepted", i.accepted_at.has_value()}});
            out["codes"] = json::array();
            for (const auto& k : d->codes) out["codes"].push_back(code_json(k));
          }
          return ok(out);
        });
  r.add("POST", "/api/v1/units/{id}/units", {.anonymous = 401, .owner = 404, .other = 404, .organiser = 201, .recommender = 201},
        [](Ctx& ctx) {
          if (!ctx.session) return need_login(ctx);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          if (Error e = bad_types(j, {"name_zh", "name_en", "kind"}); !e.fields.empty()) return answer_error(ctx, e);
          auto u = service::create_sub_unit(ctx.env, ctx.actor, ctx.req.param("id"), new_unit_of(j));
          if (!u) return answer_error(ctx, u.error());
          return ok(unit_json(*u), 201);
        });
  r.add("POST", "/api/v1/units/{id}/invitations",
        {.anonymous = 401, .owner = 404, .other = 404, .organiser = 201, .recommender = 201}, [](Ctx& ctx) {
          if (!ctx.session) return need_login(ctx);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          if (Error e = bad_types(j, {"email", "role"}); !e.fields.empty()) return answer_error(ctx, e);
          auto inv = service::invite_to_unit(ctx.env, ctx.actor, ctx.req.param("id"), str_of(j, "email"),
                                             j.contains("role") ? str_of(j, "role") : "member");
          if (!inv) return answer_error(ctx, inv.error());
          return ok({{"id", inv->id}, {"token", inv->token}}, 201);
        });
  r.add("POST", "/api/v1/invitations/{token}/accept",
        {.anonymous = 401, .owner = 410, .other = 410, .organiser = 410, .recommender = 410}, [](Ctx& ctx) {
          if (!ctx.session) return need_login(ctx);
          // One link form for both kinds of invitation: a unit's, else the expert pool's.
          auto u = service::accept_invitation(ctx.env, ctx.actor, ctx.req.param("token"));
          if (u) return ok({{"unit", unit_json(*u)}});
          if (u.error().code != Code::token_expired) return answer_error(ctx, u.error());
          auto x = service::accept_expert_invitation(ctx.env, ctx.actor, ctx.req.param("token"));
          if (!x) return answer_error(ctx, x.error());
          return ok({{"expert", expert_json(*x)}});
        });
  r.add("POST", "/api/v1/units/{id}/codes", {.anonymous = 401, .owner = 404, .other = 404, .organiser = 201, .recommender = 201},
        [](Ctx& ctx) {
          if (!ctx.session) return need_login(ctx);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          Error e = bad_types(j, {"call"});
          std::optional<Instant> expires;
          std::optional<long long> max_uses;
          if (j.contains("expires_at") && !j["expires_at"].is_null()) {
            auto t = j["expires_at"].is_string() ? parse_iso_instant(j["expires_at"].get<std::string>()) : std::nullopt;
            if (!t) e.fields["expires_at"] = {"rule.instant", {}};
            else expires = *t;
          }
          if (j.contains("max_uses") && !j["max_uses"].is_null()) {
            if (!j["max_uses"].is_number_integer()) e.fields["max_uses"] = {"rule.code_max_uses", {}};
            else max_uses = j["max_uses"].get<long long>();
          }
          if (!e.fields.empty()) return answer_error(ctx, e);
          auto k = service::create_code(ctx.env, ctx.actor, ctx.req.param("id"), str_of(j, "call"), expires, max_uses);
          if (!k) return answer_error(ctx, k.error());
          return ok(code_json(*k), 201);
        });
  r.add("POST", "/api/v1/units/{id}/endorsements",
        {.anonymous = 401, .owner = 404, .other = 404, .organiser = 403, .recommender = 201}, [](Ctx& ctx) {
          if (!ctx.session) return need_login(ctx);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          if (Error e = bad_types(j, {"receipt", "text"}); !e.fields.empty()) return answer_error(ctx, e);
          auto id = service::endorse_entry(ctx.env, ctx.actor, ctx.req.param("id"), str_of(j, "receipt"), str_of(j, "text"));
          if (!id) return answer_error(ctx, id.error());
          return ok({{"id", *id}}, 201);
        });
  r.add("GET", "/api/v1/units/{id}/entries", {.anonymous = 401, .owner = 404, .other = 404, .organiser = 200, .recommender = 200},
        [](Ctx& ctx) {
          service::UnitEntryFilter f{ctx.req.query_param("call"), ctx.req.query_param("status")};
          auto list = service::unit_entries(ctx.env, ctx.actor, ctx.req.param("id"), f);
          if (!list) return answer_error(ctx, list.error());
          json out = json::array();
          for (const auto& ue : *list) out.push_back(unit_entry_json(ue));
          return ok({{"entries", out}});
        });
  r.add("POST", "/api/v1/units/{id}/reminders/preview",
        {.anonymous = 401, .owner = 404, .other = 404, .organiser = 200, .recommender = 200}, [](Ctx& ctx) {
          if (!ctx.session) return need_login(ctx);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          auto n = service::count_draft_owners(ctx.env, ctx.actor, ctx.req.param("id"), str_of(std::get<json>(b), "call"));
          if (!n) return answer_error(ctx, n.error());
          return ok({{"recipients", *n}});
        });
  r.add("POST", "/api/v1/units/{id}/reminders",
        {.anonymous = 401, .owner = 404, .other = 404, .organiser = 202, .recommender = 202}, [](Ctx& ctx) {
          if (!ctx.session) return need_login(ctx);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          auto n = service::remind_draft_owners(ctx.env, ctx.actor, ctx.req.param("id"), str_of(std::get<json>(b), "call"));
          if (!n) return answer_error(ctx, n.error());
          return ok({{"queued", *n}}, 202);
        });

  // ---- the excellent-organisation ranking ----
  r.add("GET", "/api/v1/admin/calls/{slug}/organisation-ranking",
        {.anonymous = 401, .owner = 403, .other = 403, .organiser = 200, .recommender = 403}, [](Ctx& ctx) {
          if (!ctx.session) return need_login(ctx);
          auto w = ranking_weights_of(ctx);
          if (!w) return answer_error(ctx, w.error());
          auto rank = service::organisation_ranking(ctx.env, ctx.actor, ctx.req.param("slug"),
                                                    ctx.req.query_param("include_subunits") == "true", *w);
          if (!rank) return answer_error(ctx, rank.error());
          json rows = json::array();
          for (const auto& row : rank->rows)
            rows.push_back({{"unit", unit_ref_json(row.unit)},
                            {"submitted", row.submitted},
                            {"selected", row.selected},
                            {"winners", row.winners},
                            {"score", row.score},
                            {"honoured", row.honoured}});
          return ok({{"formula", rank->formula},
                     {"weights", {{"submitted", w->submitted}, {"selected", w->selected}, {"winners", w->winners}}},
                     {"rows", rows}});
        });
  for (const char* method : {"PUT", "DELETE"})
    r.add(method, "/api/v1/admin/calls/{slug}/honours/{id}",
          {.anonymous = 401, .owner = 403, .other = 403, .organiser = 204, .recommender = 403}, [method](Ctx& ctx) {
            if (!ctx.session) return need_login(ctx);
            auto st = service::set_honour(ctx.env, ctx.actor, ctx.req.param("slug"), ctx.req.param("id"),
                                          std::string(method) == "PUT");
            if (!st) return answer_error(ctx, st.error());
            return Response{204, {}, {}};
          });
}

json unit_entry_json(const service::UnitEntry& ue) {
  return {{"id", ue.entry.id},
          {"receipt", ue.entry.receipt ? json(*ue.entry.receipt) : json()},
          {"call", ue.entry.call},
          {"category", ue.entry.category},
          {"status", std::string(to_string(ue.entry.status))},
          {"title_zh", ue.entry.fields.title_zh},
          {"title_en", ue.entry.fields.title_en},
          {"owner", {{"email", ue.entry.owner_email}, {"name", ue.owner_name}}},
          {"via", {{"id", ue.via.id}, {"name_zh", ue.via.name_zh}, {"name_en", ue.via.name_en}, {"how", ue.how}}}};
}

Result<RankingWeights> ranking_weights_of(Ctx& ctx) {
  RankingWeights w;
  Error e = Error::make(Code::invalid, "error.invalid");
  for (auto [key, slot] : {std::pair{"weight_submitted", &w.submitted}, std::pair{"weight_selected", &w.selected},
                           std::pair{"weight_winners", &w.winners}}) {
    std::string v = ctx.req.query_param(key);
    if (v.empty()) continue;
    try {
      size_t used = 0;
      double d = std::stod(v, &used);
      if (used != v.size() || !(d >= 0 && d <= 1000)) throw std::invalid_argument(v);
      *slot = d;
    } catch (...) {
      e.fields[key] = {"rule.weight", {}};
    }
  }
  if (!e.fields.empty()) return e;
  return w;
}

}  // namespace laurel::web
