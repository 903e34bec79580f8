// Expert review, pages (issue 13): the expert's profile (/expert), their reviews (/reviews) and
// one review (/reviews/{id}: the declaration of no conflict, then the entry with its materials
// and the score form, autosaved by static/review.js); the organiser's expert pool
// (/admin/experts), a call's rounds (/admin/calls/{slug}/rounds), a round (/admin/rounds/{round}:
// progress, conflicts, the assignment proposal, manual and CSV assignment, reminders), its
// ranking and the explanation of one entry's rank. Forms post back here; no JavaScript needed.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "service/calls.h"
#include "service/entries.h"
#include "service/review.h"
#include "web/app.h"
#include "web/review.h"
#include "web/views.h"

namespace laurel::web {

using nlohmann::json;
using http::Response;

namespace {

std::string field(const Form& f, const std::string& k) { return form_field(f, k); }

std::vector<std::string> fields_all(const Form& f, const std::string& k) {
  std::vector<std::string> out;
  auto [a, b] = f.equal_range(k);
  for (auto it = a; it != b; ++it)
    if (!it->second.empty()) out.push_back(it->second);
  return out;
}

std::string text_in(const Ctx& ctx, const std::string& zh, const std::string& en) {
  if (ctx.lang == Lang::en) return en.empty() ? zh : en;
  return zh.empty() ? en : zh;
}

std::string fixed2(double d) {
  if (!std::isfinite(d)) return "—";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", d);
  std::string s = buf;
  if (s == "-0.00") s = "0.00";
  return s;
}

std::string when_in(Ctx& ctx, Instant t, const std::string& zone) {
  std::string off = utc_offset_label(t, zone);
  std::string z = zone == "Asia/Shanghai" ? ctx.tr("time.beijing", {{"offset", off}})
                                          : ctx.tr("time.zone", {{"zone", zone}, {"offset", off}});
  return ctx.tr("time.with_zone", {{"time", human_datetime(t, zone, ctx.lang)}, {"zone", z}});
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

std::map<std::string, Call> calls_by_slug(Ctx& ctx) {
  std::map<std::string, Call> out;
  for (auto& c : service::list_calls(ctx.env)) out.emplace(c.slug, c);
  return out;
}

// A category's title in the viewer's language: in `call` when given, else in any call.
std::string category_title(Ctx& ctx, const std::map<std::string, Call>& calls, const std::string& call,
                           const std::string& cat) {
  if (auto it = calls.find(call); it != calls.end())
    if (const Category* c = it->second.category(cat)) return c->title.in(ctx.lang);
  for (const auto& [slug, c] : calls)
    if (const Category* k = c.category(cat)) return k->title.in(ctx.lang);
  return cat;
}
std::string call_title(Ctx& ctx, const std::map<std::string, Call>& calls, const std::string& slug) {
  auto it = calls.find(slug);
  return it == calls.end() ? slug : it->second.title.in(ctx.lang);
}

// The calls, each with its categories, as checkboxes.
json call_choices(Ctx& ctx, const std::map<std::string, Call>& calls, const std::vector<std::string>& sel_calls,
                  const std::vector<std::string>& sel_cats) {
  auto has = [](const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); };
  json out = json::array();
  for (const auto& [slug, c] : calls) {
    json cats = json::array();
    for (const auto& k : c.categories)
      cats.push_back({{"slug", k.slug}, {"title", k.title.in(ctx.lang)}, {"checked", has(sel_cats, k.slug)},
                      {"id", "cat-" + slug + "-" + k.slug}});
    out.push_back({{"slug", slug}, {"title", c.title.in(ctx.lang)}, {"checked", has(sel_calls, slug)},
                   {"id", "call-" + slug}, {"categories", cats}});
  }
  return out;
}

json country_options(Ctx& ctx, const std::string& selected) {
  json out = json::array();
  for (const auto& code : ctx.env.countries.sorted(ctx.lang))
    out.push_back({{"code", code}, {"name", ctx.env.countries.name(code, ctx.lang)}, {"selected", code == selected}});
  return out;
}

std::string country_name(Ctx& ctx, const std::string& code) {
  if (code.empty()) return "";
  std::string n = ctx.env.countries.name(code, ctx.lang);
  return n.empty() ? code : n;
}

json errors_view(Ctx& ctx, const Error& e) {
  json errors = json::object();
  for (const auto& [k, m] : e.fields) {
    std::string key = k;
    std::replace(key.begin(), key.end(), '.', '_');
    errors[key] = ctx.tr(m);
  }
  return errors;
}

std::optional<int> parse_int(const std::string& s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  try {
    size_t used = 0;
    int v = std::stoi(s, &used);
    if (used != s.size()) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

// What the expert pages show of a review's round (the service's Review carries it).
struct RoundFacts {
  std::string title_zh, title_en, visibility;
  Instant deadline{};
};
RoundFacts round_facts(const service::Review& r) {
  return {r.round_title_zh, r.round_title_en, r.round_visibility, r.round_deadline};
}

std::string status_label(Ctx& ctx, const std::string& s) { return ctx.tr("review.status." + s); }

// ---------------------------------------------------------------- the expert

struct ProfilePosted {
  Form values;
  const Error* error = nullptr;
};

Response profile_page(Ctx& ctx, const service::Expert& x, const ProfilePosted* posted, int status) {
  auto calls = calls_by_slug(ctx);
  auto val = [&](const char* k, const std::string& stored) { return posted ? field(posted->values, k) : stored; };
  std::vector<std::string> sel_calls = posted ? fields_all(posted->values, "calls") : x.calls;
  std::vector<std::string> sel_cats = posted ? fields_all(posted->values, "categories") : x.categories;
  json v{{"name", val("name", x.name)},
         {"organization", val("organization", x.organization)},
         {"countries", country_options(ctx, val("country", x.country))},
         {"expertise", val("expertise", x.expertise)},
         {"bio", val("bio", x.bio)},
         {"declared_organizations", val("declared_organizations", [&] {
            std::string lines;
            for (const auto& o : x.declared_organizations) lines += (lines.empty() ? "" : "\n") + o;
            return lines;
          }())},
         {"max_load", val("max_load", std::to_string(x.max_load))},
         {"email", x.email},
         {"calls", call_choices(ctx, calls, sel_calls, sel_cats)},
         {"errors", posted && posted->error ? errors_view(ctx, *posted->error) : json::object()}};
  if (posted && posted->error) v["error"] = ctx.tr(posted->error->message);
  return page(ctx, "expert_profile", v, status, ctx.tr("review.profile.title"));
}

// The form's fields as the profile patch (max_load checked here: a form sends text).
json profile_patch(const Form& f, Error& e) {
  json p{{"name", field(f, "name")},
         {"organization", field(f, "organization")},
         {"country", field(f, "country")},
         {"expertise", field(f, "expertise")},
         {"bio", field(f, "bio")},
         {"calls", fields_all(f, "calls")},
         {"categories", fields_all(f, "categories")}};
  json orgs = json::array();  // one a line
  std::string text = field(f, "declared_organizations");
  for (size_t i = 0; i <= text.size();) {
    size_t j = text.find('\n', i);
    if (j == std::string::npos) j = text.size();
    if (auto line = trim(text.substr(i, j - i)); !line.empty()) orgs.push_back(line);
    i = j + 1;
  }
  p["declared_organizations"] = orgs;
  if (auto n = parse_int(field(f, "max_load"))) p["max_load"] = *n;
  else e.fields["max_load"] = {"rule.max_load", {}};
  return p;
}

// One review's page. `typed`: what the form sent (shown instead of the stored input, so nothing
// typed is lost); `err`: what was wrong with it.
Response review_page(Ctx& ctx, const service::Review& r, const ReviewInput* typed, const Error* err, int status) {
  auto calls = calls_by_slug(ctx);
  auto cit = calls.find(r.call);
  const Call* call = cit == calls.end() ? nullptr : &cit->second;
  std::string zone = call ? call->time_zone : "Asia/Shanghai";
  RoundFacts round = round_facts(r);
  std::string title = text_in(ctx, r.title_zh, r.title_en);
  if (title.empty()) title = ctx.tr("entry.untitled");
  Instant now = ctx.env.now();
  bool open = now < round.deadline;
  json v{{"id", r.id},
         {"title", title},
         {"receipt", r.receipt},
         {"call_title", call_title(ctx, calls, r.call)},
         {"category_title", category_title(ctx, calls, r.call, r.category)},
         {"round_title", text_in(ctx, round.title_zh, round.title_en)},
         {"deadline_text", when_in(ctx, round.deadline, zone)},
         {"open", open},
         {"status", r.status},
         {"status_label", status_label(ctx, r.status)},
         {"declare", r.status == "assigned"}};
  if (r.status == "assigned") return page(ctx, "review", v, status, title);

  service::mark_opened(ctx.env, r.id);
  if (auto e = service::review_entry(ctx.env, r); e && call) {
    json ev = entry_view(ctx, *e, call);
    const auto& f = e->fields;
    ev["title_zh"] = f.title_zh;
    ev["title_en"] = f.title_en;
    ev["summary_zh"] = f.summary_zh;
    ev["summary_en"] = f.summary_en;
    ev["organizations"] = f.organizations;
    json crit = json::array();
    if (const Category* cat = call->category(e->category))
      for (const auto& cr : cat->criteria) {
        auto it = f.criteria.find(cr.slug);
        crit.push_back({{"title", cr.title.in(ctx.lang)}, {"value", it == f.criteria.end() ? "" : it->second}});
      }
    ev["criteria"] = crit;
    ev["is_case"] = call->has_field("countries");
    ev["started_on"] = f.started_on;
    json countries = json::array();
    for (const auto& code : f.countries) countries.push_back(ctx.env.countries.name(code, ctx.lang));
    ev["countries"] = countries;
    ev["form"] = f.form.empty() ? "" : ctx.tr("form." + f.form);
    ev["materials"] = materials_view(ctx, *call, *e, {});
    v["entry"] = ev;
  }

  // The score form: the category's criteria on the round's scale.
  const ReviewInput& in = typed ? *typed : r.input;
  bool editable = open && r.status != "submitted";
  v["editable"] = editable;
  v["submitted"] = r.status == "submitted";
  if (r.submitted_at) v["submitted_text"] = when_in(ctx, *r.submitted_at, zone);
  auto form = service::review_form(ctx.env, r);
  std::map<std::string, const Criterion*> titles;
  if (call)
    if (const Category* cat = call->category(r.category))
      for (const auto& cr : cat->criteria) titles[cr.slug] = &cr;
  auto ferr = [&](const std::string& k) -> std::string {
    if (!err) return "";
    auto it = err->fields.find(k);
    return it == err->fields.end() ? "" : ctx.tr(it->second);
  };
  json summary = json::array();
  bool focused = false;
  auto note_error = [&](json& slot, const std::string& key, const std::string& anchor, const std::string& label) {
    std::string m = ferr(key);
    if (m.empty()) return;
    slot["error"] = m;
    if (!focused) slot["autofocus"] = true, focused = true;
    summary.push_back({{"href", "#" + anchor}, {"text", label + ctx.tr("punct.colon") + m}});
  };
  json criteria = json::array();
  int scale_min = form ? form->min : 1, scale_max = form ? form->max : 10;
  bool radios = scale_max - scale_min <= 10;
  if (form) {
    int n = 0;
    for (const auto& k : form->criteria) {
      auto t = titles.find(k.key);
      std::string ctitle = t == titles.end() ? k.key : t->second->title.in(ctx.lang);
      auto sit = in.scores.find(k.key);
      std::optional<double> score = sit == in.scores.end() ? std::nullopt : std::optional<double>(sit->second);
      auto cit2 = in.comments.find(k.key);
      json c{{"key", k.key},
             {"n", std::to_string(++n)},
             {"title", ctitle},
             {"description", t == titles.end() ? "" : t->second->description.in(ctx.lang)},
             {"weight", fixed2(k.weight)},
             {"comment_required", k.comment_required},
             {"comment", cit2 == in.comments.end() ? "" : cit2->second},
             {"score_text", ""},
             {"radios", radios},
             {"min", std::to_string(scale_min)},
             {"max", std::to_string(scale_max)}};
      if (score && std::floor(*score) == *score) c["score_text"] = std::to_string((long long)*score);
      else if (score) c["score_text"] = fixed2(*score);
      json options = json::array();
      if (radios)
        for (int s = scale_min; s <= scale_max; ++s)
          options.push_back({{"value", std::to_string(s)},
                             {"id", s == scale_min ? "score-" + k.key : "score-" + k.key + "-" + std::to_string(s)},
                             {"checked", score && *score == s},
                             {"first", s == scale_min}});
      c["options"] = options;
      json score_slot = json::object(), comment_slot = json::object();
      note_error(score_slot, "scores." + k.key, "score-" + k.key, ctitle);
      note_error(comment_slot, "comments." + k.key, "comment-" + k.key,
                 ctitle + ctx.tr("punct.open_paren") + ctx.tr("review.form.criterion_comment") + ctx.tr("punct.close_paren"));
      c["score_error"] = score_slot.value("error", "");
      c["score_autofocus"] = score_slot.value("autofocus", false);
      c["comment_error"] = comment_slot.value("error", "");
      c["comment_autofocus"] = comment_slot.value("autofocus", false);
      criteria.push_back(c);
    }
  }
  json overall = json::object(), rec = json::object(), conf = json::object();
  note_error(overall, "comment", "comment", ctx.tr("review.form.overall"));
  note_error(rec, "recommendation", "recommendation", ctx.tr("review.form.recommendation"));
  note_error(conf, "confidence", "confidence", ctx.tr("review.form.confidence"));
  json recs = json::array();
  for (auto s : kRecommendations)
    recs.push_back({{"slug", std::string(s)},
                    {"label", ctx.tr("review.recommendation." + std::string(s))},
                    {"selected", in.recommendation && *in.recommendation == s}});
  json confs = json::array();
  for (int c = kMinConfidence; c <= kMaxConfidence; ++c)
    confs.push_back({{"value", std::to_string(c)},
                     {"id", c == kMinConfidence ? std::string("confidence") : "confidence-" + std::to_string(c)},
                     {"label", ctx.tr("review.confidence." + std::to_string(c))},
                     {"checked", in.confidence && *in.confidence == c},
                     {"first", c == kMinConfidence}});
  std::string total;
  if (form)
    if (auto t = review_total(*form, in.scores)) total = fixed2(t->total);
  v["form"] = {{"criteria", criteria},
               {"scale", ctx.tr("review.form.scale", {{"min", std::to_string(scale_min)}, {"max", std::to_string(scale_max)}})},
               {"comment", in.comment},
               {"comment_error", overall.value("error", "")},
               {"comment_autofocus", overall.value("autofocus", false)},
               {"recommendations", recs},
               {"recommendation_label", in.recommendation ? ctx.tr("review.recommendation." + *in.recommendation) : ""},
               {"recommendation_error", rec.value("error", "")},
               {"recommendation_autofocus", rec.value("autofocus", false)},
               {"confidences", confs},
               {"confidence_label", in.confidence ? ctx.tr("review.confidence." + std::to_string(*in.confidence)) : ""},
               {"confidence_error", conf.value("error", "")},
               {"confidence_autofocus", conf.value("autofocus", false)},
               {"total", total}};
  if (err) {
    v["error"] = ctx.tr(err->message);
    v["error_summary"] = summary;
    v["has_error_summary"] = !summary.empty();
  }

  // Other experts' reviews, as the round's visibility allows (anonymous labels).
  json others = json::array();
  for (const auto& o : service::visible_other_reviews(ctx.env, r)) {
    std::string n = o.label;
    if (!n.empty() && n[0] == '#') n.erase(0, 1);
    json scores = json::array();
    if (form)
      for (const auto& k : form->criteria) {
        auto t = titles.find(k.key);
        auto s = o.input.scores.find(k.key);
        auto cm = o.input.comments.find(k.key);
        scores.push_back({{"title", t == titles.end() ? k.key : t->second->title.in(ctx.lang)},
                          {"score", s == o.input.scores.end() ? "—" : std::to_string((long long)s->second)},
                          {"comment", cm == o.input.comments.end() ? "" : cm->second}});
      }
    others.push_back({{"label", ctx.tr("review.others.label", {{"n", n}})},
                      {"total", o.total ? fixed2(*o.total) : "—"},
                      {"scores", scores},
                      {"comment", o.input.comment},
                      {"recommendation", o.input.recommendation ? ctx.tr("review.recommendation." + *o.input.recommendation) : ""},
                      {"confidence", o.input.confidence ? ctx.tr("review.confidence." + std::to_string(*o.input.confidence)) : ""}});
  }
  v["others"] = others;
  v["has_others"] = !others.empty();
  v["others_hint"] = ctx.tr("review.others.visibility." + (round.visibility.empty() ? std::string("never") : round.visibility));
  if (status == 200 && err) status = http_status(err->code);
  return page(ctx, "review", v, status, title);
}

// The review form's fields as a ReviewInput; a score or confidence that is no number is the
// field's problem (in `e`).
ReviewInput review_input_of(const Form& f, const ScoreForm* form, Error& e) {
  ReviewInput in;
  std::set<std::string> keys;
  if (form)
    for (const auto& k : form->criteria) keys.insert(k.key);
  for (const auto& [k, val] : f) {
    if (k.rfind("score.", 0) == 0) keys.insert(k.substr(6));
    if (k.rfind("comment.", 0) == 0) keys.insert(k.substr(8));
  }
  for (const auto& k : keys) {
    std::string s = field(f, "score." + k);
    if (!s.empty()) {
      try {
        size_t used = 0;
        double d = std::stod(s, &used);
        if (used != s.size() || !std::isfinite(d)) throw std::invalid_argument(s);
        in.scores[k] = d;
      } catch (...) {
        e.fields["scores." + k] = {"rule.score_not_integer", {}};
      }
    }
    if (f.count("comment." + k)) in.comments[k] = field(f, "comment." + k);
  }
  in.comment = field(f, "comment");
  if (std::string r = field(f, "recommendation"); !r.empty()) in.recommendation = r;
  if (std::string c = field(f, "confidence"); !c.empty()) {
    if (auto n = parse_int(c)) in.confidence = *n;
    else e.fields["confidence"] = {"rule.confidence_out_of_range", {{"min", "1"}, {"max", "3"}}};
  }
  return in;
}

// ---------------------------------------------------------------- the organiser: the pool

struct InvitePosted {
  Form values;
  const Error* error = nullptr;
};

// The lines of an import (CSV pasted, or a file sent by the page's script to the API), as shown.
struct ImportShown {
  std::string csv;
  std::optional<Error> error;
  std::vector<service::ExpertImportLine> lines;
};

Response experts_page(Ctx& ctx, const InvitePosted* posted, int status, const std::string& link = "",
                      const ImportShown* imported = nullptr) {
  auto list = service::list_experts(ctx.env, ctx.actor);
  if (!list) return answer_error(ctx, list.error());
  auto calls = calls_by_slug(ctx);
  json experts = json::array();
  for (const auto& x : *list) {
    std::string cs, ks;
    for (const auto& c : x.calls) cs += (cs.empty() ? "" : ctx.tr("units.list_sep")) + call_title(ctx, calls, c);
    for (const auto& k : x.categories) ks += (ks.empty() ? "" : ctx.tr("units.list_sep")) + category_title(ctx, calls, "", k);
    experts.push_back({{"id", x.id},
                       {"name", x.name},
                       {"email", x.email},
                       {"organization", x.organization},
                       {"country", country_name(ctx, x.country)},
                       {"expertise", x.expertise},
                       {"calls", cs.empty() ? ctx.tr("review.pool.any") : cs},
                       {"categories", ks.empty() ? ctx.tr("review.pool.any") : ks},
                       {"max_load", std::to_string(x.max_load)},
                       {"accepted", x.accepted}});
  }
  auto val = [&](const char* k) { return posted ? field(posted->values, k) : std::string(); };
  json invite{{"email", val("email")},
              {"name", val("name")},
              {"organization", val("organization")},
              {"countries", country_options(ctx, val("country"))},
              {"expertise", val("expertise")},
              {"max_load", posted ? val("max_load") : std::string("10")},
              {"calls", call_choices(ctx, calls, posted ? fields_all(posted->values, "calls") : std::vector<std::string>{},
                                     posted ? fields_all(posted->values, "categories") : std::vector<std::string>{})},
              {"errors", posted && posted->error ? errors_view(ctx, *posted->error) : json::object()}};
  if (posted && posted->error) invite["error"] = ctx.tr(posted->error->message);
  json v{{"experts", experts}, {"has_experts", !experts.empty()}, {"invite", invite}, {"csrf", ctx.csrf}};
  if (!link.empty()) v["invitation_link"] = link;
  json import{{"csv", imported ? imported->csv : std::string()}};
  if (imported && imported->error) import["error"] = ctx.tr(imported->error->message);
  if (imported && imported->error)
    for (const auto& [k, m] : imported->error->fields) import["field_error"] = ctx.tr(m);
  if (imported && !imported->error) {
    json lines = json::array();
    int invited = 0;
    for (const auto& l : imported->lines) {
      std::string outcome = l.error ? ctx.tr(l.error->message) : l.skipped ? ctx.tr("review.import.skipped")
                                                                            : ctx.tr("review.import.invited");
      if (l.error)
        for (const auto& [k, m] : l.error->fields) outcome += " " + ctx.tr(m);
      if (!l.error && !l.skipped) ++invited;
      lines.push_back({{"line", std::to_string(l.line)}, {"email", l.email}, {"outcome", outcome}, {"bad", l.error.has_value()}});
    }
    import["has_lines"] = !lines.empty();
    import["lines"] = lines;
    import["summary"] = ctx.tr("review.import.summary", {{"invited", std::to_string(invited)},
                                                          {"lines", std::to_string(imported->lines.size())}});
  }
  v["import"] = import;
  return page(ctx, "admin_experts", v, status, ctx.tr("review.pool.title"));
}

// ---------------------------------------------------------------- the organiser: rounds

json visibility_options(Ctx& ctx, const std::string& selected) {
  json out = json::array();
  for (const char* s : {"never", "after_submit", "always"})
    out.push_back({{"slug", s}, {"label", ctx.tr(std::string("review.visibility.") + s)}, {"selected", selected == s}});
  return out;
}

struct RoundsPosted {
  Form values;
  const Error* error = nullptr;
  const Error* committee_error = nullptr;  // the committee form's refusal
};

Response rounds_page(Ctx& ctx, const Call& call, const RoundsPosted* posted, int status) {
  auto list = service::list_rounds(ctx.env, ctx.actor, call.slug);
  if (!list) return answer_error(ctx, list.error());
  json rounds = json::array();
  for (const auto& r : *list)
    rounds.push_back({{"id", r.id},
                      {"number", std::to_string(r.number)},
                      {"title", text_in(ctx, r.title_zh, r.title_en)},
                      {"deadline", when_in(ctx, r.deadline, call.time_zone)},
                      {"k", std::to_string(r.reviews_per_entry)},
                      {"visibility", ctx.tr("review.visibility." + r.visibility)},
                      {"scale", std::to_string(r.scale_min) + "–" + std::to_string(r.scale_max)},
                      {"entries", std::to_string(r.entries)}});
  auto val = [&](const char* k, const std::string& d) { return posted ? field(posted->values, k) : d; };
  bool shortlist = posted && field(posted->values, "entries") == "shortlist";
  json create{{"title_zh", val("title_zh", "")},
              {"title_en", val("title_en", "")},
              {"reviews_per_entry", val("reviews_per_entry", "3")},
              {"deadline", val("deadline", "")},
              {"visibilities", visibility_options(ctx, val("visibility", "after_submit"))},
              {"scale_min", val("scale_min", "1")},
              {"scale_max", val("scale_max", "10")},
              {"shortlist", shortlist},
              {"all_submitted", !shortlist},
              {"receipts", val("receipts", "")},
              {"errors", posted && posted->error ? errors_view(ctx, *posted->error) : json::object()}};
  if (posted && posted->error) create["error"] = ctx.tr(posted->error->message);
  json v{{"slug", call.slug},
         {"call_title", call.title.in(ctx.lang)},
         {"zone", zone_label(ctx, call)},
         {"deadline_hint", ctx.tr("review.round.deadline_hint", {{"zone", zone_label(ctx, call)}})},
         {"rounds", rounds},
         {"has_rounds", !rounds.empty()},
         {"create", create},
         {"csrf", ctx.csrf}};
  // Committees of the call: a named group of experts a category's entries go to.
  std::map<std::string, std::string> expert_names;
  json experts = json::array();
  if (auto pool = service::list_experts(ctx.env, ctx.actor))
    for (const auto& x : *pool) {
      expert_names[x.id] = x.name;
      if (x.accepted) experts.push_back({{"id", x.id}, {"name", x.name}, {"organization", x.organization}});
    }
  json committees = json::array();
  if (auto list = service::list_committees(ctx.env, ctx.actor, call.slug))
    for (const auto& k : *list) {
      std::string members;
      for (const auto& x : k.experts) members += (members.empty() ? "" : ", ") + (expert_names.count(x) ? expert_names[x] : x);
      const Category* cat = call.category(k.category);
      committees.push_back({{"name", text_in(ctx, k.name_zh, k.name_en)},
                            {"category", cat ? cat->title.in(ctx.lang) : k.category},
                            {"members", members}});
    }
  json categories = json::array();
  for (const auto& c : call.categories) categories.push_back({{"slug", c.slug}, {"title", c.title.in(ctx.lang)}});
  v["committees"] = committees;
  v["experts"] = experts;
  v["categories"] = categories;
  if (posted && posted->committee_error) v["committees_error"] = ctx.tr(posted->committee_error->message);
  return page(ctx, "admin_rounds", v, status, ctx.tr("review.rounds.title") + " · " + call.title.in(ctx.lang));
}

// What the round page shows besides the round itself: a proposal, the CSV results, a refused form.
struct RoundExtras {
  std::optional<service::Proposal> proposal;
  std::optional<std::vector<service::CsvAssignment>> csv;
  std::string form;  // assign | csv | conflict | lift | apply
  Form values;
  const Error* error = nullptr;
};

Response round_page(Ctx& ctx, const std::string& round_id, const RoundExtras* x, int status) {
  auto round = service::get_round(ctx.env, ctx.actor, round_id);
  if (!round) return answer_error(ctx, round.error());
  auto call = service::find_call(ctx.env, round->call);
  if (!call) return answer_error(ctx, call.error());
  auto experts = service::list_experts(ctx.env, ctx.actor);
  if (!experts) return answer_error(ctx, experts.error());
  auto entries = service::round_ranking(ctx.env, ctx.actor, round_id, "");
  if (!entries) return answer_error(ctx, entries.error());
  auto progress = service::round_progress(ctx.env, ctx.actor, round_id);
  if (!progress) return answer_error(ctx, progress.error());
  auto conflicts = service::list_conflicts(ctx.env, ctx.actor, round_id);
  if (!conflicts) return answer_error(ctx, conflicts.error());
  std::map<std::string, Call> calls{{call->slug, *call}};

  std::map<std::string, const service::Expert*> expert_by_id;
  for (const auto& e : *experts) expert_by_id[e.id] = &e;
  std::map<std::string, const service::RankedEntry*> entry_by_id;
  for (const auto& e : *entries) entry_by_id[e.submission] = &e;
  auto expert_name = [&](const std::string& id) {
    auto it = expert_by_id.find(id);
    return it == expert_by_id.end() ? id : it->second->name;
  };
  auto receipt_of = [&](const std::string& id) {
    auto it = entry_by_id.find(id);
    return it == entry_by_id.end() || it->second->receipt.empty() ? id : it->second->receipt;
  };
  auto title_of = [&](const std::string& id) {
    auto it = entry_by_id.find(id);
    if (it == entry_by_id.end()) return std::string();
    std::string t = text_in(ctx, it->second->title_zh, it->second->title_en);
    return t.empty() ? ctx.tr("entry.untitled") : t;
  };

  json per_expert = json::array();
  for (const auto& p : progress->experts) {
    auto it = expert_by_id.find(p.expert);
    per_expert.push_back({{"name", p.name},
                          {"email", p.email},
                          {"assigned", std::to_string(p.assigned)},
                          {"opened", std::to_string(p.opened)},
                          {"draft", std::to_string(p.draft)},
                          {"submitted", std::to_string(p.submitted)},
                          {"load", it == expert_by_id.end() ? "" : std::to_string(it->second->max_load)}});
  }
  std::map<std::string, const service::Progress::PerEntry*> prog_by_entry;
  for (const auto& p : progress->entries) prog_by_entry[p.submission] = &p;
  json per_entry = json::array();
  for (const auto& e : *entries) {
    auto it = prog_by_entry.find(e.submission);
    const service::Progress::PerEntry* p = it == prog_by_entry.end() ? nullptr : it->second;
    int assigned = p ? p->assigned : 0;
    per_entry.push_back({{"receipt", e.receipt},
                         {"title", title_of(e.submission)},
                         {"category", category_title(ctx, calls, call->slug, e.category)},
                         {"assigned", std::to_string(assigned)},
                         {"opened", std::to_string(p ? p->opened : 0)},
                         {"draft", std::to_string(p ? p->draft : 0)},
                         {"submitted", std::to_string(p ? p->submitted : 0)},
                         {"short", assigned < round->reviews_per_entry}});
  }

  json conflict_rows = json::array();
  for (const auto& k : *conflicts)
    conflict_rows.push_back({{"expert", k.expert},
                             {"expert_name", expert_name(k.expert)},
                             {"submission", k.submission},
                             {"receipt", receipt_of(k.submission)},
                             {"title", title_of(k.submission)},
                             {"source", ctx.tr("review.conflict.source." + k.source)},
                             {"reason", k.reason}});

  auto val = [&](const char* form, const char* key) {
    return x && x->form == form ? field(x->values, key) : std::string();
  };
  json expert_options = json::array();
  for (const auto& e : *experts) {
    if (!e.accepted) continue;
    expert_options.push_back({{"id", e.id}, {"label", e.name + (e.organization.empty() ? "" : " · " + e.organization)}});
  }
  auto options_for = [&](const char* form) {
    json out = expert_options;
    std::string sel = val(form, "expert");
    for (auto& o : out) o["selected"] = o["id"] == sel;
    return out;
  };
  json forms = json::object();
  for (const char* f : {"assign", "csv", "conflict", "lift", "apply"}) forms[f] = {{"errors", json::object()}};
  if (x && x->error) {
    forms[x->form]["errors"] = errors_view(ctx, *x->error);
    forms[x->form]["error"] = ctx.tr(x->error->message);
  }
  forms["assign"]["experts"] = options_for("assign");
  forms["assign"]["receipt"] = val("assign", "receipt");
  forms["conflict"]["experts"] = options_for("conflict");
  forms["conflict"]["receipt"] = val("conflict", "receipt");
  forms["conflict"]["reason"] = val("conflict", "reason");
  forms["csv"]["text"] = val("csv", "csv");

  json v{{"id", round->id},
         {"round_id", round->id},
         {"slug", call->slug},
         {"call_title", call->title.in(ctx.lang)},
         {"title", text_in(ctx, round->title_zh, round->title_en)},
         {"number", ctx.tr("review.round.number_label", {{"n", std::to_string(round->number)}})},
         {"deadline", when_in(ctx, round->deadline, call->time_zone)},
         {"k", std::to_string(round->reviews_per_entry)},
         {"visibility", ctx.tr("review.visibility." + round->visibility)},
         {"scale", std::to_string(round->scale_min) + "–" + std::to_string(round->scale_max)},
         {"entries_count", std::to_string(round->entries)},
         {"per_expert", per_expert},
         {"has_per_expert", !per_expert.empty()},
         {"per_entry", per_entry},
         {"has_per_entry", !per_entry.empty()},
         {"conflicts", conflict_rows},
         {"has_conflicts", !conflict_rows.empty()},
         {"has_experts", !expert_options.empty()},
         {"forms", forms}};

  if (x && x->proposal) {
    const auto& p = *x->proposal;
    std::map<std::string, std::vector<const service::ProposedPair*>> by_entry;
    for (const auto& a : p.assignments) by_entry[a.submission].push_back(&a);
    json rows = json::array();
    for (const auto& e : *entries) {
      auto it = by_entry.find(e.submission);
      if (it == by_entry.end()) continue;
      json pairs = json::array();
      double sum = 0;
      for (const auto* a : it->second) {
        pairs.push_back({{"expert", expert_name(a->expert)}, {"affinity", fixed2(a->affinity)}});
        sum += a->affinity;
      }
      rows.push_back({{"receipt", e.receipt}, {"title", title_of(e.submission)}, {"pairs", pairs}, {"affinity", fixed2(sum)}});
    }
    json loads = json::array();
    for (const auto& [id, n] : p.loads) {
      auto it = expert_by_id.find(id);
      loads.push_back({{"expert", expert_name(id)},
                       {"load", std::to_string(n)},
                       {"max", it == expert_by_id.end() ? "" : std::to_string(it->second->max_load)}});
    }
    json shorts = json::array();
    for (const auto& s : p.short_entries)
      shorts.push_back({{"receipt", receipt_of(s.submission)},
                        {"title", title_of(s.submission)},
                        {"reason", ctx.tr("review.proposal.reason." + s.reason)},
                        {"count", ctx.tr("review.proposal.got", {{"assigned", std::to_string(s.assigned)},
                                                                  {"wanted", std::to_string(s.wanted)}})}});
    v["proposal"] = {{"id", p.id},
                     {"total_affinity", fixed2(p.total_affinity)},
                     {"pairs_count", std::to_string(p.assignments.size())},
                     {"rows", rows},
                     {"has_rows", !rows.empty()},
                     {"loads", loads},
                     {"has_loads", !loads.empty()},
                     {"short", shorts},
                     {"has_short", !shorts.empty()}};
  }
  if (x && x->csv) {
    json lines = json::array();
    int made = 0;
    for (const auto& a : *x->csv) {
      lines.push_back({{"line", std::to_string(a.line)},
                       {"receipt", a.receipt},
                       {"email", a.email},
                       {"ok", !a.error},
                       {"error", a.error ? ctx.tr(a.error->message) : ""}});
      if (!a.error) ++made;
    }
    v["csv_result"] = {{"lines", lines}, {"summary", ctx.tr("review.csv.made", {{"n", std::to_string(made)}})}};
  }
  if (status == 200 && x && x->error) status = http_status(x->error->code);
  return page(ctx, "admin_round", v, status, v["title"].get<std::string>());
}

// A round form's refusal: the round page with the form's problem, or the error page when the
// round itself cannot be shown.
Response round_refused(Ctx& ctx, const std::string& round_id, const std::string& form, const Form& f, const Error& e) {
  if (e.code == Code::unauthenticated) return to_login(ctx);
  if (e.code == Code::forbidden || (e.code == Code::not_found && e.message.key == "error.round_not_found"))
    return answer_error(ctx, e);
  RoundExtras x;
  x.form = form;
  x.values = f;
  x.error = &e;
  return round_page(ctx, round_id, &x, http_status(e.code));
}

// The round's entry with this receipt (as typed: case and spaces forgiven), or "".
std::string entry_by_receipt(Ctx& ctx, const std::string& round_id, std::string receipt) {
  receipt.erase(std::remove_if(receipt.begin(), receipt.end(), [](unsigned char c) { return std::isspace(c); }), receipt.end());
  std::transform(receipt.begin(), receipt.end(), receipt.begin(), [](unsigned char c) { return std::toupper(c); });
  if (receipt.empty()) return "";
  auto rows = service::round_ranking(ctx.env, ctx.actor, round_id, "");
  if (!rows) return "";
  for (const auto& r : *rows)
    if (r.receipt == receipt) return r.submission;
  return "";
}

Error receipt_error(const std::string& receipt) {
  Error e = Error::make(Code::invalid, "error.invalid");
  e.fields["receipt"] = {"review.round.unknown_receipt", {{"receipt", receipt}}};
  return e;
}

// ---------------------------------------------------------------- ranking

struct SortKey {
  const char* slug;
  const char* label;  // i18n key
  bool numeric;
};
constexpr SortKey kSortKeys[] = {{"rank", "review.ranking.rank", true},         {"receipt", "entry.receipt", false},
                                 {"reviews", "review.ranking.reviews", true},   {"mean", "review.ranking.mean", true},
                                 {"median", "review.ranking.median", true},     {"trimmed_mean", "review.ranking.trimmed_mean", true},
                                 {"z_mean", "review.ranking.z_mean", true},     {"stdev", "review.ranking.stdev", true},
                                 {"disagreement", "review.ranking.disagreement", true}};

double measure(const service::RankedEntry& e, const std::string& key) {
  if (key == "rank") return e.row.rank;
  const auto& m = e.row.measures;
  if (key == "reviews") return m ? m->reviews : 0;
  if (!m) return -INFINITY;
  if (key == "mean") return m->mean;
  if (key == "median") return m->median;
  if (key == "trimmed_mean") return m->trimmed_mean;
  if (key == "z_mean") return m->z_mean;
  if (key == "stdev") return m->stdev;
  if (key == "disagreement") return m->disagreement ? 1 : 0;
  return e.row.rank;
}

Response ranking_page(Ctx& ctx, const service::Round& round, const Call& call) {
  std::string category = ctx.req.query_param("category");
  if (!category.empty() && !call.category(category)) category.clear();
  auto rows = service::round_ranking(ctx.env, ctx.actor, round.id, category);
  if (!rows) return answer_error(ctx, rows.error());
  std::string sort = ctx.req.query_param("sort"), dir = ctx.req.query_param("dir");
  const SortKey* key = &kSortKeys[0];
  for (const auto& k : kSortKeys)
    if (sort == k.slug) key = &k;
  sort = key->slug;
  // Rank and receipt read best ascending; the measures best descending.
  bool natural_asc = sort == "rank" || sort == "receipt";
  bool asc = dir.empty() ? natural_asc : dir == "asc";
  std::vector<service::RankedEntry> list = *rows;
  std::stable_sort(list.begin(), list.end(), [&](const auto& a, const auto& b) {
    if (sort == "receipt") return asc ? a.receipt < b.receipt : a.receipt > b.receipt;
    double x = measure(a, sort), y = measure(b, sort);
    if (x == y) return a.row.rank < b.row.rank;
    return asc ? x < y : x > y;
  });
  std::map<std::string, Call> calls{{call.slug, call}};
  std::string base = "/admin/rounds/" + round.id + "/ranking?category=" + http::url_encode(category);
  json columns = json::array();
  for (const auto& k : kSortKeys) {
    bool current = sort == k.slug;
    bool next_asc = current ? !asc : (std::string(k.slug) == "rank" || std::string(k.slug) == "receipt");
    columns.push_back({{"slug", k.slug},
                       {"label", ctx.tr(k.label)},
                       {"href", base + "&sort=" + k.slug + "&dir=" + (next_asc ? "asc" : "desc")},
                       {"current", current},
                       {"aria_sort", current ? (asc ? "ascending" : "descending") : "none"},
                       {"arrow", current ? (asc ? "▲" : "▼") : ""},
                       {"numeric", k.numeric}});
  }
  json out = json::array();
  for (const auto& e : list) {
    const auto& m = e.row.measures;
    std::string t = text_in(ctx, e.title_zh, e.title_en);
    out.push_back({{"id", e.submission},
                   {"id_round", round.id},
                   {"rank", std::to_string(e.row.rank)},
                   {"receipt", e.receipt},
                   {"title", t.empty() ? ctx.tr("entry.untitled") : t},
                   {"category", category_title(ctx, calls, call.slug, e.category)},
                   {"reviews", std::to_string(m ? m->reviews : 0)},
                   {"mean", m ? fixed2(m->mean) : "—"},
                   {"median", m ? fixed2(m->median) : "—"},
                   {"trimmed_mean", m ? fixed2(m->trimmed_mean) : "—"},
                   {"z_mean", m ? fixed2(m->z_mean) : "—"},
                   {"stdev", m ? fixed2(m->stdev) : "—"},
                   {"disagreement", m && m->disagreement}});
  }
  json cats = json::array();
  for (const auto& c : call.categories)
    cats.push_back({{"slug", c.slug}, {"title", c.title.in(ctx.lang)}, {"selected", c.slug == category}});
  json v{{"id", round.id},
         {"slug", call.slug},
         {"call_title", call.title.in(ctx.lang)},
         {"round_title", text_in(ctx, round.title_zh, round.title_en)},
         {"columns", columns},
         {"rows", out},
         {"has_rows", !out.empty()},
         {"categories", cats},
         {"sort", sort},
         {"dir", asc ? "asc" : "desc"},
         {"query", "?category=" + http::url_encode(category) + "&sort=" + sort + "&dir=" + (asc ? "asc" : "desc")}};
  return page(ctx, "admin_round_ranking", v, 200, ctx.tr("review.ranking.title"));
}

std::string join_numbers(const std::vector<double>& v) {
  std::string out;
  for (double d : v) out += (out.empty() ? "" : ", ") + fixed2(d);
  return out;
}

Response explain_page(Ctx& ctx, const service::Round& round, const Call& call, const std::string& entry_id) {
  auto ex = service::explain_rank(ctx.env, ctx.actor, round.id, entry_id);
  if (!ex) return answer_error(ctx, ex.error());
  auto rows = service::round_ranking(ctx.env, ctx.actor, round.id, "");
  if (!rows) return answer_error(ctx, rows.error());
  auto experts = service::list_experts(ctx.env, ctx.actor);
  if (!experts) return answer_error(ctx, experts.error());
  std::map<std::string, std::string> names;
  for (const auto& x : *experts) names[x.id] = x.name;
  const service::RankedEntry* me = nullptr;
  for (const auto& r : *rows)
    if (r.submission == entry_id) me = &r;
  std::map<std::string, const Criterion*> crit;
  std::string category = me ? me->category : "";
  if (const Category* c = call.category(category))
    for (const auto& k : c->criteria) crit[k.slug] = &k;

  json reviews = json::array();
  int n = 0;
  for (const auto& r : ex->reviews) {
    json terms = json::array();
    for (const auto& t : r.total.terms) {
      auto it = crit.find(t.criterion);
      terms.push_back({{"criterion", it == crit.end() ? t.criterion : it->second->title.in(ctx.lang)},
                       {"weight", fixed2(t.weight)},
                       {"score", fixed2(t.score)},
                       {"product", fixed2(t.weight * t.score)}});
    }
    auto nit = names.find(r.expert);
    reviews.push_back({{"n", std::to_string(++n)},
                       {"review", r.review},
                       {"expert", nit == names.end() ? r.expert : nit->second},
                       {"terms", terms},
                       {"weighted_sum", fixed2(r.total.weighted_sum)},
                       {"weight_sum", fixed2(r.total.weight_sum)},
                       {"total", fixed2(r.total.total)},
                       {"expert_reviews", std::to_string(r.expert_reviews)},
                       {"expert_mean", fixed2(r.expert_mean)},
                       {"expert_sd", fixed2(r.expert_sd)},
                       {"z", fixed2(r.z)},
                       {"sd_zero", r.expert_sd == 0},
                       {"z_formula", ctx.tr("review.explain.z_formula", {{"total", fixed2(r.total.total)},
                                                                         {"mean", fixed2(r.expert_mean)},
                                                                         {"sd", fixed2(r.expert_sd)},
                                                                         {"z", fixed2(r.z)}})},
                       {"normalisation", ctx.tr("review.explain.normalisation", {{"n", std::to_string(r.expert_reviews)},
                                                                                {"mean", fixed2(r.expert_mean)},
                                                                                {"sd", fixed2(r.expert_sd)}})}});
  }
  // The sorted totals, each marked when the trimmed mean kept it.
  json sorted = json::array();
  std::vector<double> kept = ex->trimmed_totals;
  for (double t : ex->sorted_totals) {
    auto it = std::find_if(kept.begin(), kept.end(), [&](double k) { return std::fabs(k - t) < 1e-9; });
    bool keep = it != kept.end();
    if (keep) kept.erase(it);
    sorted.push_back({{"value", fixed2(t)}, {"kept", keep}});
  }
  const auto& m = ex->measures;
  std::string t = me ? text_in(ctx, me->title_zh, me->title_en) : "";
  json v{{"id", round.id},
         {"slug", call.slug},
         {"call_title", call.title.in(ctx.lang)},
         {"round_title", text_in(ctx, round.title_zh, round.title_en)},
         {"receipt", ex->receipt},
         {"title", t.empty() ? ctx.tr("entry.untitled") : t},
         {"category", me ? category_title(ctx, {{call.slug, call}}, call.slug, me->category) : ""},
         {"reviews", reviews},
         {"has_reviews", !reviews.empty()},
         {"sorted", sorted},
         {"trimmed_rule", ctx.tr(ex->sorted_totals.size() >= 4 ? "review.explain.trimmed_dropped" : "review.explain.trimmed_all")},
         {"rank_text", ctx.tr("review.explain.rank_of", {{"rank", std::to_string(ex->rank)}, {"n", std::to_string(ex->ranked)}})},
         {"threshold", fixed2(ex->disagreement_threshold)},
         {"has_measures", m.has_value()},
         {"mean", m ? fixed2(m->mean) : "—"},
         {"median", m ? fixed2(m->median) : "—"},
         {"trimmed_mean", m ? fixed2(m->trimmed_mean) : "—"},
         {"z_mean", m ? fixed2(m->z_mean) : "—"},
         {"stdev", m ? fixed2(m->stdev) : "—"},
         {"disagreement", m && m->disagreement},
         {"mean_formula", m ? ctx.tr("review.explain.mean_formula", {{"totals", join_numbers(ex->sorted_totals)},
                                                                    {"n", std::to_string(m->reviews)},
                                                                    {"mean", fixed2(m->mean)}})
                            : ""},
         {"back", "/admin/rounds/" + round.id + "/ranking/" + entry_id}};
  return page(ctx, "admin_rank_explain", v, 200, ctx.tr("review.explain.title") + " · " + ex->receipt);
}

}  // namespace

void add_review_page_routes(Router& r) {
  // ---- the expert ----
  constexpr Access expert_page{.anonymous = 303, .owner = 404, .other = 404, .organiser = 404, .recommender = 404, .expert = 200};
  constexpr Access expert_post{.anonymous = 303, .owner = 404, .other = 404, .organiser = 404, .recommender = 404, .expert = 303};
  r.add("GET", "/expert", expert_page, [](Ctx& ctx) {
    if (auto gate = signed_in_gate(ctx)) return std::move(*gate);
    auto x = service::my_expert_profile(ctx.env, ctx.actor);
    if (!x) return answer_error(ctx, x.error());
    return profile_page(ctx, *x, nullptr, 200);
  });
  r.add("POST", "/expert", expert_post, [](Ctx& ctx) {
    if (auto gate = signed_in_gate(ctx)) return std::move(*gate);
    auto x = service::my_expert_profile(ctx.env, ctx.actor);
    if (!x) return answer_error(ctx, x.error());
    auto f = form_of(ctx);
    Error e = Error::make(Code::invalid, "error.invalid");
    json patch = profile_patch(f, e);
    if (e.fields.empty()) {
      auto saved = service::update_expert_profile(ctx.env, ctx.actor, patch);
      if (saved) return redirect_flash("/expert", "flash.expert_profile_saved");
      if (saved.error().code != Code::invalid) return answer_error(ctx, saved.error());
      e = saved.error();
    }
    ProfilePosted p{f, &e};
    return profile_page(ctx, *x, &p, http_status(e.code));
  });

  r.add("GET", "/reviews", {.anonymous = 303, .owner = 200, .other = 200, .organiser = 200, .recommender = 200, .expert = 200},
        [](Ctx& ctx) {
          if (auto gate = signed_in_gate(ctx)) return std::move(*gate);
          auto list = service::my_reviews(ctx.env, ctx.actor);
          if (!list) return answer_error(ctx, list.error());
          auto calls = calls_by_slug(ctx);
          json rows = json::array();
          for (const auto& x : *list) {
            auto cit = calls.find(x.call);
            std::string zone = cit == calls.end() ? "Asia/Shanghai" : cit->second.time_zone;
            RoundFacts rf = round_facts(x);
            std::string title = text_in(ctx, x.title_zh, x.title_en);
            rows.push_back({{"id", x.id},
                            {"receipt", x.receipt},
                            {"title", title.empty() ? ctx.tr("entry.untitled") : title},
                            {"call", call_title(ctx, calls, x.call)},
                            {"category", category_title(ctx, calls, x.call, x.category)},
                            {"round", text_in(ctx, rf.title_zh, rf.title_en)},
                            {"status", x.status},
                            {"status_label", status_label(ctx, x.status)},
                            {"deadline", when_in(ctx, rf.deadline, zone)},
                            {"overdue", x.status != "submitted" && ctx.env.now() >= rf.deadline}});
          }
          bool expert = service::my_expert_profile(ctx.env, ctx.actor).ok();
          return page(ctx, "reviews", {{"reviews", rows}, {"has_reviews", !rows.empty()}, {"is_expert", expert}}, 200,
                      ctx.tr("review.mine.title"));
        });
  r.add("GET", "/reviews/{id}", expert_page, [](Ctx& ctx) {
    if (auto gate = signed_in_gate(ctx)) return std::move(*gate);
    auto x = service::get_review(ctx.env, ctx.actor, ctx.req.param("id"));
    if (!x) return answer_error(ctx, x.error());
    return review_page(ctx, *x, nullptr, nullptr, 200);
  });
  r.add("POST", "/reviews/{id}/declare", expert_post, [](Ctx& ctx) {
    if (auto gate = signed_in_gate(ctx)) return std::move(*gate);
    auto f = form_of(ctx);
    std::string id = ctx.req.param("id");
    bool conflict = field(f, "conflict") == "1";
    auto st = service::declare(ctx.env, ctx.actor, id, conflict);
    if (!st) return answer_error(ctx, st.error());
    if (conflict) return redirect_flash("/reviews", "flash.review_conflict_declared");
    return redirect_flash("/reviews/" + id, "flash.review_declared");
  });
  // action=save (a draft) or submit; a refusal shows the form again with what was typed.
  r.add("POST", "/reviews/{id}", expert_post, [](Ctx& ctx) {
    if (auto gate = signed_in_gate(ctx)) return std::move(*gate);
    std::string id = ctx.req.param("id");
    auto x = service::get_review(ctx.env, ctx.actor, id);
    if (!x) return answer_error(ctx, x.error());
    auto f = form_of(ctx);
    auto form = service::review_form(ctx.env, *x);
    Error e = Error::make(Code::invalid, "error.invalid");
    ReviewInput in = review_input_of(f, form ? &*form : nullptr, e);
    auto refused = [&](const Error& err) {
      if (err.code == Code::not_found || err.code == Code::unauthenticated || err.code == Code::forbidden)
        return answer_error(ctx, err);
      return review_page(ctx, *x, &in, &err, http_status(err.code));
    };
    if (!e.fields.empty()) return refused(e);
    auto saved = service::save_review(ctx.env, ctx.actor, id, in);
    if (!saved) return refused(saved.error());
    if (field(f, "action") == "submit") {
      auto sub = service::submit_review(ctx.env, ctx.actor, id);
      if (!sub) {
        service::Review shown = *saved;
        Error err = sub.error();
        return review_page(ctx, shown, &in, &err, http_status(err.code));
      }
      return redirect_flash("/reviews/" + id, "flash.review_submitted");
    }
    return redirect_flash("/reviews/" + id + "#score-form", "flash.review_saved");
  });

  // ---- the organiser ----
  constexpr Access organiser_page{.anonymous = 303, .owner = 403, .other = 403, .organiser = 200, .recommender = 403, .expert = 403};
  constexpr Access organiser_post{.anonymous = 303, .owner = 403, .other = 403, .organiser = 303, .recommender = 403, .expert = 403};
  r.add("GET", "/admin/experts", organiser_page, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    return experts_page(ctx, nullptr, 200);
  });
  // The invitation link is shown once (the organiser may pass it on if the mail is lost): the
  // page itself answers, not a redirect.
  r.add("POST", "/admin/experts", organiser_page, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto f = form_of(ctx);
    Error e = Error::make(Code::invalid, "error.invalid");
    service::ExpertInvite in{field(f, "email"), field(f, "name"),   field(f, "organization"), field(f, "country"),
                             field(f, "expertise"), field(f, "bio"), fields_all(f, "calls"),   fields_all(f, "categories")};
    if (auto n = parse_int(field(f, "max_load"))) in.max_load = *n;
    else e.fields["max_load"] = {"rule.max_load", {}};
    if (e.fields.empty()) {
      auto out = service::invite_expert(ctx.env, ctx.actor, in);
      if (out) {
        std::string host = ctx.req.header("host");
        std::string link = (host.empty() ? "" : std::string(ctx.tls ? "https://" : "http://") + host) + "/invitations/" + out->token;
        ctx.flash = "flash.expert_invited";
        return experts_page(ctx, nullptr, 200, link);
      }
      if (out.error().code != Code::invalid) return answer_error(ctx, out.error());
      e = out.error();
    }
    InvitePosted p{f, &e};
    return experts_page(ctx, &p, http_status(e.code));
  });

  // A list of experts pasted as CSV (the page's script sends an .xlsx or .csv file to the API).
  r.add("POST", "/admin/experts/import", organiser_page, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    ImportShown shown;
    shown.csv = field(form_of(ctx), "csv");
    auto lines = service::import_experts_csv(ctx.env, ctx.actor, shown.csv);
    if (!lines) {
      if (lines.error().code != Code::invalid) return answer_error(ctx, lines.error());
      shown.error = lines.error();
      return experts_page(ctx, nullptr, http_status(lines.error().code), "", &shown);
    }
    shown.lines = std::move(*lines);
    return experts_page(ctx, nullptr, 200, "", &shown);
  });

  r.add("GET", "/admin/calls/{slug}/rounds", organiser_page, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto call = service::find_call(ctx.env, ctx.req.param("slug"));
    if (!call) return answer_error(ctx, call.error());
    return rounds_page(ctx, *call, nullptr, 200);
  });
  r.add("POST", "/admin/calls/{slug}/committees", organiser_post, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto call = service::find_call(ctx.env, ctx.req.param("slug"));
    if (!call) return answer_error(ctx, call.error());
    auto f = form_of(ctx);
    service::Committee k;
    k.category = field(f, "category");
    k.name_zh = field(f, "name_zh");
    k.name_en = field(f, "name_en");
    k.experts = fields_all(f, "experts");
    auto made = service::create_committee(ctx.env, ctx.actor, call->slug, k);
    if (!made) {
      RoundsPosted p{{}, nullptr, &made.error()};
      return rounds_page(ctx, *call, &p, http_status(made.error().code));
    }
    return redirect_flash("/admin/calls/" + call->slug + "/rounds#committees", "flash.committee_created");
  });
  r.add("POST", "/admin/calls/{slug}/rounds", organiser_post, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto call = service::find_call(ctx.env, ctx.req.param("slug"));
    if (!call) return answer_error(ctx, call.error());
    auto f = form_of(ctx);
    Error e = Error::make(Code::invalid, "error.invalid");
    service::NewRound in;
    in.title_zh = field(f, "title_zh");
    in.title_en = field(f, "title_en");
    if (auto k = parse_int(field(f, "reviews_per_entry"))) in.reviews_per_entry = *k;
    else e.fields["reviews_per_entry"] = {"rule.reviews_per_entry", {}};
    if (std::string t = field(f, "deadline"); !t.empty()) {
      std::replace(t.begin(), t.end(), 'T', ' ');
      in.deadline = parse_local_datetime(t, call->time_zone);
      if (!in.deadline) e.fields["deadline"] = {"review.round.bad_deadline", {}};
    } else {
      e.fields["deadline"] = {"review.round.deadline_required", {}};
    }
    in.visibility = field(f, "visibility");
    auto smin = parse_int(field(f, "scale_min")), smax = parse_int(field(f, "scale_max"));
    if (!smin || !smax) e.fields["scale"] = {"rule.scale_order", {}};
    else in.scale_min = *smin, in.scale_max = *smax;
    if (field(f, "entries") == "shortlist") {
      in.all_submitted = false;
      auto all = service::call_entries(ctx.env, ctx.actor, call->slug, {"", "submitted"});
      if (!all) return answer_error(ctx, all.error());
      std::map<std::string, std::string> by_receipt;
      for (const auto& s : *all)
        if (s.receipt) by_receipt[*s.receipt] = s.id;
      std::string text = field(f, "receipts");
      for (size_t i = 0; i <= text.size();) {
        size_t j = text.find_first_of("\n,;", i);
        if (j == std::string::npos) j = text.size();
        std::string line = text.substr(i, j - i);
        line.erase(std::remove_if(line.begin(), line.end(), [](unsigned char c) { return std::isspace(c); }), line.end());
        std::transform(line.begin(), line.end(), line.begin(), [](unsigned char c) { return std::toupper(c); });
        i = j + 1;
        if (line.empty()) continue;
        auto it = by_receipt.find(line);
        if (it == by_receipt.end()) {
          e.fields["receipts"] = {"review.round.unknown_receipt", {{"receipt", line}}};
          break;
        }
        in.entry_ids.push_back(it->second);
      }
      if (in.entry_ids.empty() && !e.fields.count("receipts")) e.fields["receipts"] = {"review.round.shortlist_empty", {}};
    }
    if (e.fields.empty()) {
      auto out = service::create_round(ctx.env, ctx.actor, call->slug, in);
      if (out) return redirect_flash("/admin/rounds/" + out->id, "flash.round_created");
      if (out.error().code != Code::invalid) return answer_error(ctx, out.error());
      e = out.error();
      if (e.fields.count("entries")) e.fields["receipts"] = e.fields["entries"];
    }
    RoundsPosted p{f, &e};
    return rounds_page(ctx, *call, &p, http_status(e.code));
  });

  r.add("GET", "/admin/rounds/{round}", organiser_page, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    return round_page(ctx, ctx.req.param("round"), nullptr, 200);
  });
  r.add("POST", "/admin/rounds/{round}/proposal", organiser_page, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    std::string id = ctx.req.param("round");
    auto p = service::propose_assignment(ctx.env, ctx.actor, id);
    if (!p) return round_refused(ctx, id, "apply", {}, p.error());
    RoundExtras x;
    x.proposal = *p;
    return round_page(ctx, id, &x, 200);
  });
  r.add("POST", "/admin/rounds/{round}/apply",
        {.anonymous = 303, .owner = 403, .other = 403, .organiser = 303, .recommender = 403, .expert = 403}, [](Ctx& ctx) {
          if (auto gate = organiser_gate(ctx)) return std::move(*gate);
          std::string id = ctx.req.param("round");
          auto f = form_of(ctx);
          auto n = service::apply_proposal(ctx.env, ctx.actor, id, field(f, "proposal"));
          if (!n) return round_refused(ctx, id, "apply", f, n.error());
          return redirect_flash("/admin/rounds/" + id + "#progress", "flash.proposal_applied");
        });
  r.add("POST", "/admin/rounds/{round}/assignments", organiser_post, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    std::string id = ctx.req.param("round");
    auto f = form_of(ctx);
    std::string entry = entry_by_receipt(ctx, id, field(f, "receipt"));
    if (entry.empty()) {
      if (auto round = service::get_round(ctx.env, ctx.actor, id); !round) return answer_error(ctx, round.error());
      return round_refused(ctx, id, "assign", f, receipt_error(field(f, "receipt")));
    }
    auto made = service::assign_review(ctx.env, ctx.actor, id, entry, field(f, "expert"));
    if (!made) return round_refused(ctx, id, "assign", f, made.error());
    return redirect_flash("/admin/rounds/" + id + "#assign", "flash.review_assigned");
  });
  r.add("POST", "/admin/rounds/{round}/assignments.csv", organiser_page, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    std::string id = ctx.req.param("round");
    auto f = form_of(ctx);
    auto rows = service::assign_from_csv(ctx.env, ctx.actor, id, field(f, "csv"));
    if (!rows) return round_refused(ctx, id, "csv", f, rows.error());
    RoundExtras x;
    x.csv = *rows;
    x.form = "csv";
    return round_page(ctx, id, &x, 200);
  });
  r.add("POST", "/admin/rounds/{round}/conflicts", organiser_post, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    std::string id = ctx.req.param("round");
    auto f = form_of(ctx);
    std::string entry = entry_by_receipt(ctx, id, field(f, "receipt"));
    if (entry.empty()) {
      if (auto round = service::get_round(ctx.env, ctx.actor, id); !round) return answer_error(ctx, round.error());
      return round_refused(ctx, id, "conflict", f, receipt_error(field(f, "receipt")));
    }
    auto st = service::add_conflict(ctx.env, ctx.actor, id, field(f, "expert"), entry, field(f, "reason"));
    if (!st) return round_refused(ctx, id, "conflict", f, st.error());
    return redirect_flash("/admin/rounds/" + id + "#conflicts", "flash.conflict_added");
  });
  r.add("POST", "/admin/rounds/{round}/conflicts/lift",
        {.anonymous = 303, .owner = 403, .other = 403, .organiser = 303, .recommender = 403, .expert = 403}, [](Ctx& ctx) {
          if (auto gate = organiser_gate(ctx)) return std::move(*gate);
          std::string id = ctx.req.param("round");
          auto f = form_of(ctx);
          auto st = service::lift_conflict(ctx.env, ctx.actor, id, field(f, "expert"), field(f, "submission"), field(f, "reason"));
          if (!st) return round_refused(ctx, id, "lift", f, st.error());
          return redirect_flash("/admin/rounds/" + id + "#conflicts", "flash.conflict_lifted");
        });
  r.add("POST", "/admin/rounds/{round}/reminders", organiser_post, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    std::string id = ctx.req.param("round");
    auto n = service::remind_experts(ctx.env, ctx.actor, id);
    if (!n) return answer_error(ctx, n.error());
    return redirect_flash("/admin/rounds/" + id + "#remind", "flash.experts_reminded");
  });

  r.add("GET", "/admin/rounds/{round}/ranking", organiser_page, [](Ctx& ctx) {
    if (auto gate = organiser_gate(ctx)) return std::move(*gate);
    auto round = service::get_round(ctx.env, ctx.actor, ctx.req.param("round"));
    if (!round) return answer_error(ctx, round.error());
    auto call = service::find_call(ctx.env, round->call);
    if (!call) return answer_error(ctx, call.error());
    return ranking_page(ctx, *round, *call);
  });
  r.add("GET", "/admin/rounds/{round}/ranking/{id}",
        {.anonymous = 303, .owner = 403, .other = 403, .organiser = 200, .recommender = 403, .expert = 403}, [](Ctx& ctx) {
          if (auto gate = organiser_gate(ctx)) return std::move(*gate);
          auto round = service::get_round(ctx.env, ctx.actor, ctx.req.param("round"));
          if (!round) return answer_error(ctx, round.error());
          auto call = service::find_call(ctx.env, round->call);
          if (!call) return answer_error(ctx, call.error());
          return explain_page(ctx, *round, *call, ctx.req.param("id"));
        });
  r.add("POST", "/admin/reviews/{id}/reopen",
        {.anonymous = 303, .owner = 403, .other = 403, .organiser = 303, .recommender = 403, .expert = 403}, [](Ctx& ctx) {
          if (auto gate = organiser_gate(ctx)) return std::move(*gate);
          auto f = form_of(ctx);
          auto st = service::reopen_review(ctx.env, ctx.actor, ctx.req.param("id"));
          if (!st) return answer_error(ctx, st.error());
          std::string back = safe_next(field(f, "back"), "/admin");
          if (back.rfind("/admin/rounds/", 0) != 0) back = "/admin";
          return redirect_flash(back, "flash.review_reopened");
        });
}

}  // namespace laurel::web
