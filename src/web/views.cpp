#include "web/views.h"

#include <set>

#include "core/material.h"
#include "service/materials.h"

#include <cstdio>

#include "core/entry.h"

namespace laurel::web {

using nlohmann::json;

json api_call(const Call& call, Instant now) {
  json j = to_json(call);
  j.erase("receipt_prefix");
  j["status"] = to_string(call_status(call, now));
  const Stage* st = current_stage(call, now);
  j["current_stage"] = st ? json(st->slug) : json(nullptr);
  j["demo"] = call.demo_shifted;
  for (auto& cj : j["categories"]) {
    const Category* cat = call.category(cj["slug"].get<std::string>());
    if (cat) cj["fields"] = field_descriptors(call, *cat);
  }
  return j;
}

std::string zone_label(Ctx& ctx, const Call& call) {
  std::string off = utc_offset_label(call.deadline, call.time_zone);
  if (call.time_zone == "Asia/Shanghai") return ctx.tr("time.beijing", {{"offset", off}});
  return ctx.tr("time.zone", {{"zone", call.time_zone}, {"offset", off}});
}

std::string deadline_text(Ctx& ctx, const Call& call) {
  return ctx.tr("time.with_zone", {{"time", human_datetime(call.deadline, call.time_zone, ctx.lang)},
                                   {"zone", zone_label(ctx, call)}});
}

json call_view(Ctx& ctx, const Call& call) {
  Lang l = ctx.lang;
  Instant now = ctx.env.now();
  auto status = call_status(call, now);
  json v{{"slug", call.slug},
         {"title", call.title.in(l)},
         {"organiser", call.organiser.in(l)},
         {"summary", call.summary.in(l)},
         {"kind_label", ctx.tr("call.kind." + call.kind)},
         {"status", to_string(status)},
         {"status_label", ctx.tr(std::string("call.status.") + std::string(to_string(status)))},
         {"open", status == CallStatus::open},
         {"deadline_iso", iso_local(call.deadline, call.time_zone)},
         {"deadline_text", deadline_text(ctx, call)},
         {"zone_label", zone_label(ctx, call)},
         {"website", call.website},
         {"demo", call.demo_shifted}};
  auto left = std::chrono::duration_cast<std::chrono::seconds>(call.deadline - now).count();
  if (status == CallStatus::open) {
    char hms[32];
    std::snprintf(hms, sizeof hms, "%02lld:%02lld:%02lld", (long long)(left % 86400 / 3600),
                  (long long)(left % 3600 / 60), (long long)(left % 60));
    v["countdown_text"] = ctx.tr("call.countdown_live", {{"days", std::to_string(left / 86400)}, {"hms", hms}});
  }
  json paras = json::array();
  const std::string& d = call.description.in(l);
  for (size_t i = 0; i < d.size();) {
    size_t j = d.find("\n\n", i);
    if (j == std::string::npos) j = d.size();
    std::string p = d.substr(i, j - i);
    if (p.find_first_not_of(" \n") != std::string::npos) paras.push_back(p);
    i = j + 2;
  }
  v["paragraphs"] = paras;
  json types = json::array();
  for (const auto& t : call.applicant_types) types.push_back(ctx.tr("applicant_type." + t));
  v["applicant_types"] = types;
  json cats = json::array();
  for (const auto& c : call.categories) {
    json cj{{"slug", c.slug}, {"title", c.title.in(l)}, {"description", c.description.in(l)}, {"code", c.code}};
    json crit = json::array();
    int n = 0;
    for (const auto& cr : c.criteria)
      crit.push_back({{"n", std::to_string(++n)}, {"slug", cr.slug}, {"title", cr.title.in(l)},
                      {"description", cr.description.in(l)}});
    cj["criteria"] = crit;
    cats.push_back(cj);
  }
  v["categories"] = cats;
  v["category_heading"] = ctx.tr(call.kind == "case" ? "call.domains" : "call.types");
  json rules = json::array();
  if (call.eligibility.min_start_date)
    rules.push_back(ctx.tr("call.rule_started", {{"date", human_date(*call.eligibility.min_start_date, l)}}));
  if (call.eligibility.min_countries > 1)
    rules.push_back(ctx.tr("call.rule_countries", {{"n", std::to_string(call.eligibility.min_countries)}}));
  rules.push_back(ctx.tr(call.kind == "case" ? "call.rule_one_domain" : "call.rule_one_type"));
  v["rules"] = rules;
  json forms = json::array();
  for (const auto& f : call.content_forms) forms.push_back(ctx.tr("form." + f));
  v["content_forms"] = forms;
  v["has_forms"] = !call.content_forms.empty();
  const Stage* cur = current_stage(call, now);
  json stages = json::array();
  int n = 0;
  for (const auto& s : call.stages)
    stages.push_back({{"n", std::to_string(++n)},
                      {"title", s.title.in(l)},
                      {"description", s.description.in(l)},
                      {"when", human_month_range(s.starts, s.ends, l)},
                      {"current", cur == &s}});
  v["stages"] = stages;
  json quotas = json::array();
  for (const auto& q : call.quotas) {
    std::string num = q.min && q.max && *q.min != *q.max ? std::to_string(*q.min) + "–" + std::to_string(*q.max)
                      : q.max                           ? std::to_string(*q.max)
                      : q.min                           ? std::to_string(*q.min)
                                                        : "";
    quotas.push_back({{"title", q.title.in(l)}, {"number", ctx.tr("call.about_n", {{"n", num}})}});
  }
  v["quotas"] = quotas;
  json contacts = json::array();
  for (const auto& c : call.contacts)
    contacts.push_back({{"role", c.role.in(l)}, {"name", c.name.in(l)}, {"phone", c.phone}, {"email", c.email}});
  v["contacts"] = contacts;
  return v;
}

json entry_view(Ctx& ctx, const Entry& s, const Call* call) {
  Lang l = ctx.lang;
  const std::string& title = l == Lang::zh ? (s.fields.title_zh.empty() ? s.fields.title_en : s.fields.title_zh)
                                           : (s.fields.title_en.empty() ? s.fields.title_zh : s.fields.title_en);
  json v{{"id", s.id},
         {"title", title.empty() ? ctx.tr("entry.untitled") : title},
         {"status", to_string(s.status)},
         {"status_label", ctx.tr(std::string("entry.status.") + std::string(to_string(s.status)))},
         {"receipt", s.receipt ? *s.receipt : ""},
         {"call_slug", s.call},
         {"call_title", call ? call->title.in(l) : s.call},
         {"category", s.category},
         {"owner_email", s.owner_email},
         {"owner_org", l == Lang::zh ? (s.owner_org_zh.empty() ? s.owner_org_en : s.owner_org_zh)
                                     : (s.owner_org_en.empty() ? s.owner_org_zh : s.owner_org_en)},
         {"version", std::to_string(s.version)}};
  std::string zone = call ? call->time_zone : "Asia/Shanghai";
  v["updated_text"] = human_datetime(s.updated_at, zone, l);
  v["updated_short"] = human_datetime(s.updated_at, zone, l) + " " + utc_offset_label(s.updated_at, zone);
  v["submitted_text"] = s.submitted_at ? human_datetime(*s.submitted_at, zone, l) : "";
  if (call) {
    if (const Category* c = call->category(s.category)) v["category_title"] = c->title.in(l);
    v["editable"] = call_status(*call, ctx.env.now()) == CallStatus::open;
    v["zone_label"] = zone_label(ctx, *call);
  }
  return v;
}

json materials_view(Ctx& ctx, const Call& call, const Entry& s,
                    const std::map<std::string, Message>& problems) {
  std::vector<Material> all;
  if (auto m = service::entry_materials(ctx.env, ctx.actor, s.id)) all = std::move(*m);
  auto item = [&](const Material& m, bool first, bool last) {
    json j{{"id", m.id},
           {"kind", m.kind},
           {"filename", m.filename},
           {"size_text", format_size(m.size)},
           {"status", m.status},
           {"status_label", ctx.tr("material.status." + m.status)},
           {"error", m.error ? ctx.tr(*m.error) : ""},
           {"ready", m.status == "ready"},
           {"processing", m.status == "processing"},
           {"rejected", m.status == "rejected"},
           {"is_image", m.kind == "image"},
           {"is_video", m.kind == "video"},
           {"is_audio", m.kind == "audio"},
           {"is_document", m.kind == "document"},
           {"thumbnail", m.thumbnail.empty() ? "" : "/api/v1/materials/" + m.id + "/thumbnail"},
           {"content", m.status == "rejected" ? "" : "/api/v1/materials/" + m.id + "/content"},
           {"caption_zh", m.caption.zh},
           {"caption_en", m.caption.en},
           {"caption", m.caption.in(ctx.lang)},
           {"first", first},
           {"last", last}};
    std::string facts;
    if (m.width && m.height) facts = std::to_string(*m.width) + "×" + std::to_string(*m.height);
    if (m.duration) {
      int secs = int(*m.duration + 0.5);
      char buf[32];
      std::snprintf(buf, sizeof buf, "%d:%02d", secs / 60, secs % 60);
      facts += std::string(facts.empty() ? "" : " · ") + buf;
    }
    j["facts"] = facts;
    return j;
  };
  json kinds = json::array();
  std::set<std::string> shown;
  for (const auto* rule : material_rules(call, s.category)) {
    shown.insert(rule->kind);
    std::vector<const Material*> mine;
    for (const auto& m : all)
      if (m.kind == rule->kind) mine.push_back(&m);
    json items = json::array();
    for (size_t i = 0; i < mine.size(); ++i) items.push_back(item(*mine[i], i == 0, i + 1 == mine.size()));
    auto pe = problems.find("materials." + rule->kind);
    int min = rule->required ? std::max(1, rule->min) : rule->min;
    kinds.push_back({{"kind", rule->kind},
                     {"label", rule->label.in(ctx.lang)},
                     {"hint", rule->hint.in(ctx.lang)},
                     {"required", rule->required},
                     {"max_size", rule->max_size},
                     {"limits", ctx.tr("material.limits", {{"min", std::to_string(min)},
                                                           {"max", std::to_string(rule->max)},
                                                           {"size", format_size(rule->max_size)},
                                                           {"formats", accepted_formats(rule->kind)}})},
                     {"accept", accept_attribute(rule->kind)},
                     {"error", pe == problems.end() ? "" : ctx.tr(pe->second)},
                     {"items", items},
                     {"has_items", !items.empty()}});
  }
  json other = json::array();
  for (const auto& m : all)
    if (!shown.count(m.kind)) other.push_back(item(m, true, true));
  return json{{"kinds", kinds}, {"other", other}, {"has_other", !other.empty()}, {"has_kinds", !kinds.empty()}};
}

}  // namespace laurel::web
