// Expert review, JSON API (issue 13; docs/api.md "Expert review"): the organiser's pool,
// committees, rounds, conflicts, assignment and ranking; the expert's profile and reviews.
#include <nlohmann/json.hpp>

#include "service/materials.h"
#include "service/review.h"
#include "web/app.h"
#include "web/review.h"

namespace laurel::web {

using nlohmann::json;
using http::Response;

namespace {

Response ok(const json& j, int status = 200) { return Response::json(j.dump(), status); }
Response need_login(Ctx& ctx) { return answer_error(ctx, Error::make(Code::unauthenticated, "error.unauthenticated")); }

// Organiser routes: 401 without a session, 403 for anyone else (before the body is read).
std::optional<Response> organiser_gate(Ctx& ctx) {
  if (!ctx.session) return need_login(ctx);
  if (auto st = can_manage_calls(ctx.actor); !st) return answer_error(ctx, st.error());
  return std::nullopt;
}

Error invalid_field(const std::string& field, const std::string& key) {
  Error e = Error::make(Code::invalid, "error.invalid");
  e.fields[field] = {key, {}};
  return e;
}

std::vector<std::string> strings_of(const json& j, const char* key, Error& e) {
  std::vector<std::string> out;
  if (!j.contains(key) || j[key].is_null()) return out;
  if (!j[key].is_array()) {
    e.fields[key] = {"rule.string_list", {}};
    return out;
  }
  for (const auto& v : j[key]) {
    if (!v.is_string()) {
      e.fields[key] = {"rule.string_list", {}};
      return {};
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

json text_pair(const std::string& zh, const std::string& en) { return {{"zh", zh}, {"en", en}}; }

json round_json(const service::Round& r) {
  return {{"id", r.id},
          {"call", r.call},
          {"number", r.number},
          {"title", text_pair(r.title_zh, r.title_en)},
          {"reviews_per_entry", r.reviews_per_entry},
          {"deadline", iso_utc(r.deadline)},
          {"visibility", r.visibility},
          {"scale", {{"min", r.scale_min}, {"max", r.scale_max}}},
          {"unit_conflicts", r.unit_conflicts},
          {"entries", r.entries}};
}

json measures_json(const std::optional<EntryMeasures>& m) {
  if (!m) return {{"reviews", 0}, {"mean", nullptr}, {"median", nullptr}, {"trimmed_mean", nullptr},
                  {"z_mean", nullptr}, {"stdev", nullptr}, {"disagreement", false}};
  return {{"reviews", m->reviews}, {"mean", m->mean},   {"median", m->median},         {"trimmed_mean", m->trimmed_mean},
          {"z_mean", m->z_mean},   {"stdev", m->stdev}, {"disagreement", m->disagreement}};
}

std::optional<ReviewInput> review_input_of(const json& j, Error& e) {
  ReviewInput in;
  if (j.contains("scores") && !j["scores"].is_null()) {
    if (!j["scores"].is_object() || j["scores"].size() > 100) {
      e.fields["scores"] = {"rule.scores_object", {}};
    } else {
      for (auto it = j["scores"].begin(); it != j["scores"].end(); ++it) {
        if (it.value().is_null()) continue;
        if (!it.value().is_number()) e.fields["scores." + it.key()] = {"rule.score_not_integer", {}};
        else in.scores[it.key()] = it.value().get<double>();
      }
    }
  }
  if (j.contains("comments") && !j["comments"].is_null()) {
    if (!j["comments"].is_object() || j["comments"].size() > 100) {
      e.fields["comments"] = {"rule.comments_object", {}};
    } else {
      for (auto it = j["comments"].begin(); it != j["comments"].end(); ++it) {
        if (it.value().is_null()) continue;
        if (!it.value().is_string()) e.fields["comments." + it.key()] = {"rule.string", {}};
        else in.comments[it.key()] = it.value().get<std::string>();
      }
    }
  }
  if (j.contains("comment") && !j["comment"].is_null()) {
    if (!j["comment"].is_string()) e.fields["comment"] = {"rule.string", {}};
    else in.comment = j["comment"].get<std::string>();
  }
  if (j.contains("recommendation") && !j["recommendation"].is_null()) {
    if (!j["recommendation"].is_string()) e.fields["recommendation"] = {"rule.recommendation_unknown", {}};
    else in.recommendation = j["recommendation"].get<std::string>();
  }
  if (j.contains("confidence") && !j["confidence"].is_null()) {
    if (!j["confidence"].is_number_integer()) e.fields["confidence"] = {"rule.confidence_out_of_range", {{"min", "1"}, {"max", "3"}}};
    else in.confidence = j["confidence"].get<int>();
  }
  if (!e.fields.empty()) return std::nullopt;
  return in;
}

Response import_answer(Ctx& ctx, const Result<std::vector<service::ExpertImportLine>>& lines) {
  if (!lines) return answer_error(ctx, lines.error());
  json out = json::array();
  int invited = 0;
  for (const auto& l : *lines) {
    json row{{"line", l.line}, {"email", l.email}};
    if (l.error) row["error"] = error_body(ctx, *l.error)["error"];
    else if (l.skipped) row["skipped"] = true;
    else row["id"] = l.id, row["token"] = l.token, ++invited;
    out.push_back(row);
  }
  return ok({{"invited", invited}, {"lines", out}});
}

}  // namespace

json expert_json(const service::Expert& x) {
  return {{"id", x.id},
          {"email", x.email},
          {"name", x.name},
          {"organization", x.organization},
          {"country", x.country},
          {"expertise", x.expertise},
          {"bio", x.bio},
          {"calls", x.calls},
          {"categories", x.categories},
          {"max_load", x.max_load},
          {"declared_organizations", x.declared_organizations},
          {"accepted", x.accepted}};
}

json review_summary_json(const service::Review& r) {
  return {{"id", r.id},
          {"round", r.round},
          {"submission", r.entry},
          {"receipt", r.receipt.empty() ? json() : json(r.receipt)},
          {"call", r.call},
          {"category", r.category},
          {"title_zh", r.title_zh},
          {"title_en", r.title_en},
          {"status", r.status}};
}

json review_input_json(const ReviewInput& in) {
  json scores = json::object(), comments = json::object();
  for (const auto& [k, v] : in.scores) scores[k] = v;
  for (const auto& [k, v] : in.comments) comments[k] = v;
  return {{"scores", scores},
          {"comments", comments},
          {"comment", in.comment},
          {"recommendation", in.recommendation ? json(*in.recommendation) : json()},
          {"confidence", in.confidence ? json(*in.confidence) : json()}};
}

json review_json(Ctx& ctx, const service::Review& r, bool with_entry) {
  json out = review_summary_json(r);
  json in = review_input_json(r.input);
  for (auto it = in.begin(); it != in.end(); ++it) out[it.key()] = it.value();
  out["submitted_at"] = r.submitted_at ? json(iso_utc(*r.submitted_at)) : json();
  if (auto form = service::review_form(ctx.env, r)) {
    json criteria = json::array();
    for (const auto& k : form->criteria) criteria.push_back({{"key", k.key}, {"weight", k.weight}, {"comment_required", k.comment_required}});
    out["form"] = {{"criteria", criteria}, {"min", form->min}, {"max", form->max}};
    if (auto t = review_total(*form, r.input.scores)) out["total"] = t->total;
  }
  out["entry"] = nullptr;
  if (with_entry && r.status != "assigned") {
    if (auto e = service::review_entry(ctx.env, r)) {
      json entry = to_json(*e);
      entry.erase("owner_id");
      entry["materials"] = json::array();
      if (auto ms = service::entry_materials(ctx.env, ctx.actor, e->id))
        for (const auto& m : *ms) entry["materials"].push_back(material_json(ctx, m));
      out["entry"] = entry;
    }
  }
  json others = json::array();
  for (const auto& o : service::visible_other_reviews(ctx.env, r)) {
    json j = review_input_json(o.input);
    j["label"] = o.label;
    j["total"] = o.total ? json(*o.total) : json();
    others.push_back(j);
  }
  out["other_reviews"] = others;
  return out;
}

void add_review_api_routes(Router& r) {
  constexpr Access organiser_only{.anonymous = 401, .owner = 403, .other = 403, .organiser = 200, .recommender = 403, .expert = 403};

  // ---- the pool ----
  r.add("POST", "/api/v1/admin/experts",
        {.anonymous = 401, .owner = 403, .other = 403, .organiser = 201, .recommender = 403, .expert = 403}, [](Ctx& ctx) {
          if (auto gate = organiser_gate(ctx)) return std::move(*gate);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          Error e = Error::make(Code::invalid, "error.invalid");
          service::ExpertInvite in;
          for (auto [k, slot] : {std::pair{"email", &in.email}, std::pair{"name", &in.name},
                                 std::pair{"organization", &in.organization}, std::pair{"country", &in.country},
                                 std::pair{"expertise", &in.expertise}, std::pair{"bio", &in.bio}}) {
            if (j.contains(k) && !j[k].is_null() && !j[k].is_string()) e.fields[k] = {"rule.string", {}};
            else *slot = str_of(j, k);
          }
          in.calls = strings_of(j, "calls", e);
          in.categories = strings_of(j, "categories", e);
          if (j.contains("max_load") && !j["max_load"].is_null()) {
            if (!j["max_load"].is_number_integer()) e.fields["max_load"] = {"rule.max_load", {}};
            else in.max_load = int(std::clamp<long long>(j["max_load"].get<long long>(), -1, 100000));
          }
          if (!e.fields.empty()) return answer_error(ctx, e);
          auto out = service::invite_expert(ctx.env, ctx.actor, in);
          if (!out) return answer_error(ctx, out.error());
          return ok({{"id", out->id}, {"token", out->token}}, 201);
        });
  r.add("POST", "/api/v1/admin/experts.csv", organiser_only, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    return import_answer(ctx, service::import_experts_csv(ctx.env, ctx.actor, ctx.req.body));
  });
  r.add("POST", "/api/v1/admin/experts.xlsx", organiser_only, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    return import_answer(ctx, service::import_experts_xlsx(ctx.env, ctx.actor, ctx.req.body));
  });
  r.add("GET", "/api/v1/admin/experts", organiser_only, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto list = service::list_experts(ctx.env, ctx.actor);
    if (!list) return answer_error(ctx, list.error());
    json out = json::array();
    for (const auto& x : *list) out.push_back(expert_json(x));
    return ok({{"experts", out}});
  });
  r.add("GET", "/api/v1/expert/profile",
        {.anonymous = 401, .owner = 404, .other = 404, .organiser = 404, .recommender = 404, .expert = 200}, [](Ctx& ctx) {
          auto x = service::my_expert_profile(ctx.env, ctx.actor);
          if (!x) return answer_error(ctx, x.error());
          return ok(expert_json(*x));
        });
  r.add("PATCH", "/api/v1/expert/profile",
        {.anonymous = 401, .owner = 404, .other = 404, .organiser = 404, .recommender = 404, .expert = 200}, [](Ctx& ctx) {
          if (!ctx.session) return need_login(ctx);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          auto x = service::update_expert_profile(ctx.env, ctx.actor, std::get<json>(b));
          if (!x) return answer_error(ctx, x.error());
          return ok(expert_json(*x));
        });

  // ---- committees and rounds ----
  r.add("POST", "/api/v1/admin/calls/{slug}/committees",
        {.anonymous = 401, .owner = 403, .other = 403, .organiser = 201, .recommender = 403, .expert = 403}, [](Ctx& ctx) {
          if (auto gate = organiser_gate(ctx)) return std::move(*gate);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          Error e = Error::make(Code::invalid, "error.invalid");
          service::Committee k;
          k.category = str_of(j, "category");
          k.name_zh = str_of(j, "name_zh");
          k.name_en = str_of(j, "name_en");
          k.experts = strings_of(j, "experts", e);
          if (!e.fields.empty()) return answer_error(ctx, e);
          auto out = service::create_committee(ctx.env, ctx.actor, ctx.req.param("slug"), k);
          if (!out) return answer_error(ctx, out.error());
          return ok({{"id", out->id}, {"category", out->category}, {"name_zh", out->name_zh}, {"name_en", out->name_en},
                     {"experts", out->experts}},
                    201);
        });
  r.add("GET", "/api/v1/admin/calls/{slug}/committees", organiser_only, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto list = service::list_committees(ctx.env, ctx.actor, ctx.req.param("slug"));
    if (!list) return answer_error(ctx, list.error());
    json out = json::array();
    for (const auto& k : *list)
      out.push_back({{"id", k.id}, {"category", k.category}, {"name_zh", k.name_zh}, {"name_en", k.name_en}, {"experts", k.experts}});
    return ok({{"committees", out}});
  });
  r.add("POST", "/api/v1/admin/calls/{slug}/rounds",
        {.anonymous = 401, .owner = 403, .other = 403, .organiser = 201, .recommender = 403, .expert = 403}, [](Ctx& ctx) {
          if (auto gate = organiser_gate(ctx)) return std::move(*gate);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          Error e = Error::make(Code::invalid, "error.invalid");
          service::NewRound in;
          if (j.contains("title")) {
            if (j["title"].is_object()) {
              in.title_zh = str_of(j["title"], "zh");
              in.title_en = str_of(j["title"], "en");
            } else if (j["title"].is_string()) {
              in.title_zh = in.title_en = j["title"].get<std::string>();
            } else {
              e.fields["title"] = {"rule.round_title_required", {}};
            }
          }
          if (j.contains("reviews_per_entry")) {
            if (!j["reviews_per_entry"].is_number_integer()) e.fields["reviews_per_entry"] = {"rule.reviews_per_entry", {}};
            else in.reviews_per_entry = int(std::clamp<long long>(j["reviews_per_entry"].get<long long>(), -1, 1000));
          }
          if (j.contains("deadline") && j["deadline"].is_string()) in.deadline = parse_iso_instant(j["deadline"].get<std::string>());
          if (j.contains("visibility")) {
            if (!j["visibility"].is_string()) e.fields["visibility"] = {"rule.visibility", {}};
            else in.visibility = j["visibility"].get<std::string>();
          }
          if (j.contains("scale")) {
            const json& s = j["scale"];
            if (!s.is_object() || !s.value("min", json(1)).is_number_integer() || !s.value("max", json(10)).is_number_integer())
              e.fields["scale"] = {"rule.scale_order", {}};
            else {
              in.scale_min = int(std::clamp<long long>(s.value("min", 1LL), -1, 1000));
              in.scale_max = int(std::clamp<long long>(s.value("max", 10LL), -1, 1000));
            }
          }
          if (j.contains("unit_conflicts")) {
            if (!j["unit_conflicts"].is_boolean()) e.fields["unit_conflicts"] = {"rule.boolean", {}};
            else in.unit_conflicts = j["unit_conflicts"].get<bool>();
          }
          if (!j.contains("entries") || (j["entries"].is_string() && j["entries"] == "submitted")) {
            in.all_submitted = true;
          } else if (j["entries"].is_array()) {
            in.all_submitted = false;
            in.entry_ids = strings_of(j, "entries", e);
          } else {
            e.fields["entries"] = {"rule.round_entries", {}};
          }
          if (!e.fields.empty()) return answer_error(ctx, e);
          auto out = service::create_round(ctx.env, ctx.actor, ctx.req.param("slug"), in);
          if (!out) return answer_error(ctx, out.error());
          return ok(round_json(*out), 201);
        });
  r.add("GET", "/api/v1/admin/calls/{slug}/rounds", organiser_only, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto list = service::list_rounds(ctx.env, ctx.actor, ctx.req.param("slug"));
    if (!list) return answer_error(ctx, list.error());
    json out = json::array();
    for (const auto& x : *list) out.push_back(round_json(x));
    return ok({{"rounds", out}});
  });
  r.add("GET", "/api/v1/admin/rounds/{round}", organiser_only, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto x = service::get_round(ctx.env, ctx.actor, ctx.req.param("round"));
    if (!x) return answer_error(ctx, x.error());
    return ok(round_json(*x));
  });

  // ---- conflicts ----
  r.add("POST", "/api/v1/admin/rounds/{round}/conflicts",
        {.anonymous = 401, .owner = 403, .other = 403, .organiser = 201, .recommender = 403, .expert = 403}, [](Ctx& ctx) {
          if (auto gate = organiser_gate(ctx)) return std::move(*gate);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          auto st = service::add_conflict(ctx.env, ctx.actor, ctx.req.param("round"), str_of(j, "expert"),
                                          str_of(j, "submission"), str_of(j, "reason"));
          if (!st) return answer_error(ctx, st.error());
          return ok({{"expert", str_of(j, "expert")}, {"submission", str_of(j, "submission")}, {"source", "organiser"}}, 201);
        });
  r.add("GET", "/api/v1/admin/rounds/{round}/conflicts", organiser_only, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto list = service::list_conflicts(ctx.env, ctx.actor, ctx.req.param("round"));
    if (!list) return answer_error(ctx, list.error());
    json out = json::array();
    for (const auto& k : *list)
      out.push_back({{"expert", k.expert}, {"submission", k.submission}, {"source", k.source}, {"reason", k.reason}});
    return ok({{"conflicts", out}});
  });
  r.add("POST", "/api/v1/admin/rounds/{round}/conflicts/lift",
        {.anonymous = 401, .owner = 403, .other = 403, .organiser = 200, .recommender = 403, .expert = 403}, [](Ctx& ctx) {
          if (auto gate = organiser_gate(ctx)) return std::move(*gate);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          auto st = service::lift_conflict(ctx.env, ctx.actor, ctx.req.param("round"), str_of(j, "expert"),
                                           str_of(j, "submission"), str_of(j, "reason"));
          if (!st) return answer_error(ctx, st.error());
          return ok({{"lifted", true}});
        });
  r.add("PUT", "/api/v1/admin/rounds/{round}/bids",
        {.anonymous = 401, .owner = 403, .other = 403, .organiser = 200, .recommender = 403, .expert = 403}, [](Ctx& ctx) {
          if (auto gate = organiser_gate(ctx)) return std::move(*gate);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          auto st = service::set_bid(ctx.env, ctx.actor, ctx.req.param("round"), str_of(j, "expert"), str_of(j, "submission"),
                                     str_of(j, "bid"));
          if (!st) return answer_error(ctx, st.error());
          return ok({{"expert", str_of(j, "expert")}, {"submission", str_of(j, "submission")}, {"bid", str_of(j, "bid")}});
        });

  // ---- assignment ----
  r.add("POST", "/api/v1/admin/rounds/{round}/assignment/proposal", organiser_only, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto p = service::propose_assignment(ctx.env, ctx.actor, ctx.req.param("round"));
    if (!p) return answer_error(ctx, p.error());
    json assignments = json::array(), loads = json::object(), short_list = json::array();
    for (const auto& a : p->assignments) assignments.push_back({{"submission", a.submission}, {"expert", a.expert}, {"affinity", a.affinity}});
    for (const auto& [x, n] : p->loads) loads[x] = n;
    for (const auto& s : p->short_entries)
      short_list.push_back({{"submission", s.submission}, {"reason", s.reason}, {"wanted", s.wanted}, {"assigned", s.assigned}});
    return ok({{"id", p->id},
               {"assignments", assignments},
               {"total_affinity", p->total_affinity},
               {"loads", loads},
               {"short", short_list}});
  });
  r.add("POST", "/api/v1/admin/rounds/{round}/assignment/apply",
        {.anonymous = 401, .owner = 403, .other = 403, .organiser = 200, .recommender = 403, .expert = 403}, [](Ctx& ctx) {
          if (auto gate = organiser_gate(ctx)) return std::move(*gate);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          auto n = service::apply_proposal(ctx.env, ctx.actor, ctx.req.param("round"), str_of(std::get<json>(b), "proposal"));
          if (!n) return answer_error(ctx, n.error());
          return ok({{"applied", *n}});
        });
  r.add("POST", "/api/v1/admin/rounds/{round}/assignments",
        {.anonymous = 401, .owner = 403, .other = 403, .organiser = 201, .recommender = 403, .expert = 403}, [](Ctx& ctx) {
          if (auto gate = organiser_gate(ctx)) return std::move(*gate);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          auto id = service::assign_review(ctx.env, ctx.actor, ctx.req.param("round"), str_of(j, "submission"), str_of(j, "expert"));
          if (!id) return answer_error(ctx, id.error());
          return ok({{"id", *id}, {"submission", str_of(j, "submission")}, {"expert", str_of(j, "expert")}}, 201);
        });
  r.add("POST", "/api/v1/admin/rounds/{round}/assignments.csv", organiser_only, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto rows = service::assign_from_csv(ctx.env, ctx.actor, ctx.req.param("round"), ctx.req.body);
    if (!rows) return answer_error(ctx, rows.error());
    json out = json::array();
    int made = 0;
    for (const auto& a : *rows) {
      json row{{"line", a.line}, {"receipt", a.receipt}, {"email", a.email}};
      if (a.error) row["error"] = error_body(ctx, *a.error)["error"];
      else row["review"] = a.review_id, ++made;
      out.push_back(row);
    }
    return ok({{"assigned", made}, {"lines", out}});
  });
  r.add("POST", "/api/v1/admin/reviews/{id}/reopen",
        {.anonymous = 401, .owner = 403, .other = 403, .organiser = 200, .recommender = 403, .expert = 403}, [](Ctx& ctx) {
          if (auto gate = organiser_gate(ctx)) return std::move(*gate);
          auto st = service::reopen_review(ctx.env, ctx.actor, ctx.req.param("id"));
          if (!st) return answer_error(ctx, st.error());
          return ok({{"status", "draft"}});
        });

  // ---- ranking and progress ----
  r.add("GET", "/api/v1/admin/rounds/{round}/ranking", organiser_only, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto rows = service::round_ranking(ctx.env, ctx.actor, ctx.req.param("round"), ctx.req.query_param("category"));
    if (!rows) return answer_error(ctx, rows.error());
    json out = json::array();
    for (const auto& x : *rows) {
      json row{{"submission", x.submission}, {"receipt", x.receipt}, {"title_zh", x.title_zh}, {"title_en", x.title_en},
               {"category", x.category}, {"rank", x.row.rank}};
      json m = measures_json(x.row.measures);
      for (auto it = m.begin(); it != m.end(); ++it) row[it.key()] = it.value();
      out.push_back(row);
    }
    return ok({{"rows", out}});
  });
  r.add("GET", "/api/v1/admin/rounds/{round}/ranking/{id}", organiser_only, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto ex = service::explain_rank(ctx.env, ctx.actor, ctx.req.param("round"), ctx.req.param("id"));
    if (!ex) return answer_error(ctx, ex.error());
    return ok(explanation_json(*ex));
  });
  r.add("GET", "/api/v1/admin/rounds/{round}/progress", organiser_only, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto p = service::round_progress(ctx.env, ctx.actor, ctx.req.param("round"));
    if (!p) return answer_error(ctx, p.error());
    json experts = json::array(), entries = json::array();
    for (const auto& x : p->experts)
      experts.push_back({{"expert", x.expert}, {"name", x.name}, {"email", x.email}, {"assigned", x.assigned},
                         {"opened", x.opened}, {"draft", x.draft}, {"submitted", x.submitted}});
    for (const auto& e : p->entries)
      entries.push_back({{"submission", e.submission}, {"receipt", e.receipt}, {"assigned", e.assigned},
                         {"opened", e.opened}, {"draft", e.draft}, {"submitted", e.submitted}});
    return ok({{"experts", experts}, {"entries", entries}});
  });
  r.add("POST", "/api/v1/admin/rounds/{round}/reminders",
        {.anonymous = 401, .owner = 403, .other = 403, .organiser = 202, .recommender = 403, .expert = 403}, [](Ctx& ctx) {
          if (auto gate = organiser_gate(ctx)) return std::move(*gate);
          auto n = service::remind_experts(ctx.env, ctx.actor, ctx.req.param("round"));
          if (!n) return answer_error(ctx, n.error());
          return ok({{"queued", *n}}, 202);
        });

  // ---- the expert's reviews ----
  r.add("GET", "/api/v1/reviews", {.anonymous = 401, .owner = 200, .other = 200, .organiser = 200, .recommender = 200, .expert = 200},
        [](Ctx& ctx) {
          auto list = service::my_reviews(ctx.env, ctx.actor);
          if (!list) return answer_error(ctx, list.error());
          json out = json::array();
          for (const auto& x : *list) out.push_back(review_summary_json(x));
          return ok({{"reviews", out}});
        });
  r.add("GET", "/api/v1/reviews/{id}", {.anonymous = 401, .owner = 404, .other = 404, .organiser = 404, .recommender = 404, .expert = 200},
        [](Ctx& ctx) {
          auto x = service::get_review(ctx.env, ctx.actor, ctx.req.param("id"));
          if (!x) return answer_error(ctx, x.error());
          if (x->status != "assigned") service::mark_opened(ctx.env, x->id);
          return ok(review_json(ctx, *x, true));
        });
  r.add("POST", "/api/v1/reviews/{id}/declare",
        {.anonymous = 401, .owner = 404, .other = 404, .organiser = 404, .recommender = 404, .expert = 200}, [](Ctx& ctx) {
          if (!ctx.session) return need_login(ctx);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          if (!j.contains("conflict") || !j["conflict"].is_boolean())
            return answer_error(ctx, invalid_field("conflict", "rule.boolean"));
          bool conflict = j["conflict"].get<bool>();
          auto st = service::declare(ctx.env, ctx.actor, ctx.req.param("id"), conflict);
          if (!st) return answer_error(ctx, st.error());
          if (conflict) return ok({{"id", ctx.req.param("id")}, {"status", "withdrawn"}});
          auto x = service::get_review(ctx.env, ctx.actor, ctx.req.param("id"));
          if (!x) return answer_error(ctx, x.error());
          return ok(review_summary_json(*x));
        });
  r.add("PATCH", "/api/v1/reviews/{id}", {.anonymous = 401, .owner = 404, .other = 404, .organiser = 404, .recommender = 404, .expert = 200},
        [](Ctx& ctx) {
          if (!ctx.session) return need_login(ctx);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          // Whose review it is is decided before the body is judged: another's is 404 whatever it holds.
          auto mine = service::get_review(ctx.env, ctx.actor, ctx.req.param("id"));
          if (!mine) return answer_error(ctx, mine.error());
          Error e = Error::make(Code::invalid, "error.invalid");
          const json& j = std::get<json>(b);
          auto in = review_input_of(j, e);
          if (!in) return answer_error(ctx, e);
          // A merge patch (as PATCH /submissions/{id}): the parts given replace those parts, a
          // score or comment given as null is removed, the parts not given stay (autosave of one
          // field does not wipe the others).
          ReviewInput merged = mine->input;
          auto merge_map = [&](const char* key, auto& into, const auto& from) {
            if (!j.contains(key)) return;
            if (j[key].is_null()) return into.clear();
            for (auto it = j[key].begin(); it != j[key].end(); ++it) {
              if (it.value().is_null()) into.erase(it.key());
              else into[it.key()] = from.at(it.key());
            }
          };
          merge_map("scores", merged.scores, in->scores);
          merge_map("comments", merged.comments, in->comments);
          if (j.contains("comment")) merged.comment = in->comment;
          if (j.contains("recommendation")) merged.recommendation = in->recommendation;
          if (j.contains("confidence")) merged.confidence = in->confidence;
          auto x = service::save_review(ctx.env, ctx.actor, ctx.req.param("id"), merged);
          if (!x) return answer_error(ctx, x.error());
          return ok(review_json(ctx, *x, false));
        });
  r.add("POST", "/api/v1/reviews/{id}/submit",
        {.anonymous = 401, .owner = 404, .other = 404, .organiser = 404, .recommender = 404, .expert = 200}, [](Ctx& ctx) {
          auto x = service::submit_review(ctx.env, ctx.actor, ctx.req.param("id"));
          if (!x) return answer_error(ctx, x.error());
          return ok(review_json(ctx, *x, false));
        });
}

json explanation_json(const Explanation& ex) {
  json reviews = json::array();
  for (const auto& r : ex.reviews) {
    json terms = json::array();
    for (const auto& t : r.total.terms) terms.push_back({{"criterion", t.criterion}, {"weight", t.weight}, {"score", t.score}});
    reviews.push_back({{"review", r.review},
                       {"expert", r.expert},
                       {"terms", terms},
                       {"weighted_sum", r.total.weighted_sum},
                       {"weight_sum", r.total.weight_sum},
                       {"total", r.total.total},
                       {"expert_reviews", r.expert_reviews},
                       {"expert_mean", r.expert_mean},
                       {"expert_sd", r.expert_sd},
                       {"z", r.z}});
  }
  json out{{"submission", ex.entry},
           {"receipt", ex.receipt},
           {"reviews", reviews},
           {"sorted_totals", ex.sorted_totals},
           {"trimmed_totals", ex.trimmed_totals},
           {"disagreement_threshold", ex.disagreement_threshold},
           {"rank", ex.rank},
           {"ranked", ex.ranked}};
  json m = measures_json(ex.measures);
  for (auto it = m.begin(); it != m.end(); ++it)
    if (it.key() != "reviews") out[it.key()] = it.value();
  out["review_count"] = m["reviews"];  // "reviews" is the list above
  return out;
}

}  // namespace laurel::web
