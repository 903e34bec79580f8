// Expert review, exports (issue 13, point 7): every review of a round with its scores, as XLSX
// (organisers). Texts are written as strings, formula-guarded (infra/xlsx.h).
#include <nlohmann/json.hpp>

#include "infra/xlsx.h"
#include "service/review.h"
#include "web/app.h"
#include "web/review.h"

namespace laurel::web {

using http::Response;

void add_review_export_routes(Router& r) {
  r.add("GET", "/admin/rounds/{round}/scores.xlsx",
        {.anonymous = 303, .owner = 403, .other = 403, .organiser = 200, .recommender = 403, .expert = 403}, [](Ctx& ctx) {
          if (!ctx.session) return to_login(ctx);
          auto sheet = service::round_scores(ctx.env, ctx.actor, ctx.req.param("round"));
          if (!sheet) return answer_error(ctx, sheet.error());
          xlsx::Sheet s;
          s.name = ctx.tr("export.scores.sheet");
          for (const char* k : {"receipt", "category", "title", "expert", "expert_email", "status"})
            s.header.push_back(ctx.tr(std::string("export.scores.") + k));
          std::map<std::string, std::string> criterion_title;
          for (const auto& cat : sheet->call.categories)
            for (const auto& k : cat.criteria)
              if (!criterion_title.count(k.slug)) criterion_title[k.slug] = k.title.in(ctx.lang);
          for (const auto& k : sheet->criteria) s.header.push_back(criterion_title[k]);
          for (const char* k : {"total", "recommendation", "confidence", "comment", "submitted_at"})
            s.header.push_back(ctx.tr(std::string("export.scores.") + k));
          for (const auto& k : sheet->criteria) s.header.push_back(criterion_title[k] + " — " + ctx.tr("export.scores.comment"));
          s.widths = {16, 22, 40, 20, 26, 12};
          for (const auto& row : sheet->rows) {
            std::vector<xlsx::Cell> cells;
            const Category* cat = sheet->call.category(row.category);
            cells.push_back(row.receipt);
            cells.push_back(cat ? cat->title.in(ctx.lang) : row.category);
            cells.push_back(row.title.in(ctx.lang));
            cells.push_back(row.expert_name);
            cells.push_back(row.expert_email);
            cells.push_back(ctx.tr("review.status." + row.status));
            for (const auto& k : sheet->criteria) {
              auto it = row.input.scores.find(k);
              if (it != row.input.scores.end()) cells.push_back(it->second);
              else cells.push_back(std::string());
            }
            if (row.total) cells.push_back(*row.total);
            else cells.push_back(std::string());
            cells.push_back(row.input.recommendation ? ctx.tr("review.recommendation." + *row.input.recommendation) : "");
            if (row.input.confidence) cells.push_back(double(*row.input.confidence));
            else cells.push_back(std::string());
            cells.push_back(row.input.comment);
            cells.push_back(row.submitted_at ? iso_local(*row.submitted_at, sheet->call.time_zone) : std::string());
            for (const auto& k : sheet->criteria) {
              auto it = row.input.comments.find(k);
              cells.push_back(it == row.input.comments.end() ? std::string() : it->second);
            }
            s.rows.push_back(std::move(cells));
          }
          Response res{200, {}, xlsx::workbook({s})};
          res.set("Content-Type", xlsx::kContentType);
          res.set("Content-Disposition", "attachment; filename=\"round-" + ctx.req.param("round") + "-scores.xlsx\"");
          return res;
        });
}

}  // namespace laurel::web
