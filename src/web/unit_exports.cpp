// Recommending units, exports (issue 12): a unit's entries (the dashboard's list, the unit and
// its sub-units) and the organiser's excellent-organisation ranking, as CSV and as XLSX.
//
// CSV: UTF-8 with a BOM (Excel then reads Chinese correctly), CRLF, every field quoted and
// guarded against formula injection (core/spreadsheet.h csv_field), like the organiser's
// /admin/calls/{slug}/entries.csv. XLSX: infra/xlsx (text cells written as text, never formulas,
// with the same leading-apostrophe guard so a re-save as CSV stays harmless). Headers and labels
// in the viewer's language (i18n "export.*"). The access rules are the services': a unit's list
// for the organiser and members of the unit or a unit above it (anyone else: 404), the ranking
// for organisers (403).
#include <cmath>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/spreadsheet.h"
#include "infra/xlsx.h"
#include "service/calls.h"
#include "service/units.h"
#include "web/app.h"
#include "web/units.h"

namespace laurel::web {

using http::Response;

namespace {

constexpr const char* kCsvType = "text/csv; charset=utf-8";

// A name in the viewer's language, the other one when it is empty.
const std::string& name_in(Lang lang, const std::string& zh, const std::string& en) {
  const std::string& a = lang == Lang::zh ? zh : en;
  return a.empty() ? (lang == Lang::zh ? en : zh) : a;
}

// A number as people write it: 12, 2.5 (no trailing zeros, no exponent for ordinary values).
std::string number_text(double v) {
  std::ostringstream o;
  if (std::floor(v) == v && std::abs(v) < 1e15) o << static_cast<long long>(v);
  else o << v;
  return o.str();
}

// Only [A-Za-z0-9_-] of `s` (a file name part for Content-Disposition).
std::string file_part(const std::string& s) {
  std::string out;
  for (char c : s)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') out += c;
  return out.empty() ? "export" : out;
}

std::string csv_line(const std::vector<xlsx::Cell>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    if (const auto* s = std::get_if<std::string>(&cells[i])) out += csv_field(*s);
    else out += csv_field(number_text(std::get<double>(cells[i])));
  }
  return out + "\r\n";
}

std::vector<xlsx::Cell> cells_of(const std::vector<std::string>& texts) { return {texts.begin(), texts.end()}; }

// The CSV of `lines` above the table (each a line of its own), the header and the rows.
Response csv_answer(const std::vector<std::vector<xlsx::Cell>>& lines, const xlsx::Sheet& table,
                    const std::string& filename) {
  std::string out = "\xEF\xBB\xBF";
  for (const auto& l : lines) out += csv_line(l);
  out += csv_line(cells_of(table.header));
  for (const auto& r : table.rows) out += csv_line(r);
  Response res{200, {}, std::move(out)};
  res.set("Content-Type", kCsvType);
  res.set("Content-Disposition", "attachment; filename=\"" + filename + ".csv\"");
  return res;
}

Response xlsx_answer(const std::vector<xlsx::Sheet>& sheets, const std::string& filename) {
  Response res{200, {}, xlsx::workbook(sheets)};  // throws on failure: the router answers 500
  res.set("Content-Type", xlsx::kContentType);
  res.set("Content-Disposition", "attachment; filename=\"" + filename + ".xlsx\"");
  return res;
}

// GET /units/{id}/entries.{csv,xlsx}[?call=&status=]
Response unit_entries_export(Ctx& ctx, bool as_xlsx) {
  if (!ctx.actor.signed_in()) return to_login(ctx);
  const std::string unit_id = ctx.req.param("id");
  service::UnitEntryFilter f{ctx.req.query_param("call"), ctx.req.query_param("status")};
  auto list = service::unit_entries(ctx.env, ctx.actor, unit_id, f);
  if (!list) return answer_error(ctx, list.error());

  xlsx::Sheet sheet;
  sheet.name = ctx.tr("export.entries.sheet");
  for (const char* k : {"receipt", "call", "category", "status", "title_zh", "title_en", "owner_name", "owner_email",
                        "via", "how"})
    sheet.header.push_back(ctx.tr(std::string("export.entries.") + k));
  sheet.widths = {16, 28, 24, 10, 40, 40, 18, 28, 28, 14};
  std::map<std::string, std::optional<Call>> calls;  // by slug, looked up once
  for (const auto& ue : *list) {
    const Entry& e = ue.entry;
    auto it = calls.find(e.call);
    if (it == calls.end()) {
      auto c = service::find_call(ctx.env, e.call);
      it = calls.emplace(e.call, c ? std::optional<Call>(*c) : std::nullopt).first;
    }
    const Call* call = it->second ? &*it->second : nullptr;
    const Category* cat = call ? call->category(e.category) : nullptr;
    sheet.rows.push_back({e.receipt.value_or(""),
                          call ? call->title.in(ctx.lang) : e.call,
                          cat ? cat->title.in(ctx.lang) : e.category,
                          ctx.tr(std::string("entry.status.") + std::string(to_string(e.status))),
                          e.fields.title_zh,
                          e.fields.title_en,
                          ue.owner_name,
                          e.owner_email,
                          name_in(ctx.lang, ue.via.name_zh, ue.via.name_en),
                          ue.how == "code"          ? ctx.tr("export.entries.how_code")
                          : ue.how == "endorsement" ? ctx.tr("export.entries.how_endorsement")
                                                    : ue.how});
  }
  std::string filename = "unit-" + file_part(unit_id) + "-entries";
  if (!f.call.empty()) filename += "-" + file_part(f.call);
  if (!f.status.empty()) filename += "-" + file_part(f.status);
  return as_xlsx ? xlsx_answer({sheet}, filename) : csv_answer({}, sheet, filename);
}

// GET /admin/calls/{slug}/organisation-ranking.{csv,xlsx}[?include_subunits=true&weight_…]
Response ranking_export(Ctx& ctx, bool as_xlsx) {
  if (!ctx.actor.signed_in()) return to_login(ctx);
  if (auto st = can_manage_calls(ctx.actor); !st) return answer_error(ctx, st.error());
  auto w = ranking_weights_of(ctx);
  if (!w) return answer_error(ctx, w.error());
  const bool subunits = ctx.req.query_param("include_subunits") == "true";
  auto call = service::find_call(ctx.env, ctx.req.param("slug"));
  if (!call) return answer_error(ctx, call.error());
  auto rank = service::organisation_ranking(ctx.env, ctx.actor, call->slug, subunits, *w);
  if (!rank) return answer_error(ctx, rank.error());

  xlsx::Sheet sheet;
  sheet.name = ctx.tr("export.ranking.sheet");
  for (const char* k : {"name_zh", "name_en", "submitted", "selected", "winners", "score", "honoured"})
    sheet.header.push_back(ctx.tr(std::string("export.ranking.") + k));
  sheet.widths = {32, 40, 10, 10, 10, 10, 12};
  const std::string yes = ctx.tr("export.ranking.yes"), no = ctx.tr("export.ranking.no");
  for (const auto& row : rank->rows)
    sheet.rows.push_back({row.unit.name_zh, row.unit.name_en, double(row.submitted), double(row.selected),
                          double(row.winners), row.score, row.honoured ? yes : no});

  const std::string formula = ctx.tr("export.ranking.formula", {{"submitted", number_text(w->submitted)},
                                                                {"selected", number_text(w->selected)},
                                                                {"winners", number_text(w->winners)}});
  const std::string scope = ctx.tr(subunits ? "export.ranking.scope_subunits" : "export.ranking.scope_own");
  std::string filename = file_part(call->slug) + "-organisation-ranking" + (subunits ? "-with-subunits" : "");
  if (as_xlsx) {
    xlsx::Sheet about;
    about.name = ctx.tr("export.ranking.formula_sheet");
    about.widths = {16, 80};
    about.rows = {{ctx.tr("export.ranking.formula_label"), formula},
                  {ctx.tr("export.ranking.call"), call->title.in(ctx.lang)},
                  {ctx.tr("export.ranking.scope"), scope}};
    return xlsx_answer({sheet, about}, filename);
  }
  // CSV: the formula and what was counted on a first line, then the table.
  return csv_answer({{ctx.tr("export.ranking.formula_label"), formula, ctx.tr("export.ranking.scope"), scope}}, sheet,
                    filename);
}

}  // namespace

void add_unit_export_routes(Router& r) {
  for (bool as_xlsx : {false, true}) {
    const std::string ext = as_xlsx ? ".xlsx" : ".csv";
    r.add("GET", "/units/{id}/entries" + ext,
          {.anonymous = 303, .owner = 404, .other = 404, .organiser = 200, .recommender = 200},
          [as_xlsx](Ctx& ctx) { return unit_entries_export(ctx, as_xlsx); });
    r.add("GET", "/admin/calls/{slug}/organisation-ranking" + ext,
          {.anonymous = 303, .owner = 403, .other = 403, .organiser = 200, .recommender = 403},
          [as_xlsx](Ctx& ctx) { return ranking_export(ctx, as_xlsx); });
  }
}

}  // namespace laurel::web
