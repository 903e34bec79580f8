// Expert review in the web layer: the JSON API (web/review_api.cpp) and the pages
// (web/review_pages.cpp).
#pragma once
#include <nlohmann/json.hpp>

#include "core/scoring.h"
#include "service/review.h"
#include "web/app.h"

namespace laurel::web {

void add_review_api_routes(Router& r);
void add_review_page_routes(Router& r);
void add_review_export_routes(Router& r);  // the round's scores as XLSX (web/review_exports.cpp)

nlohmann::json expert_json(const service::Expert& x);
nlohmann::json review_summary_json(const service::Review& r);  // id, round, submission, titles, status…
nlohmann::json review_input_json(const ReviewInput& in);
// The expert's view of a review: the summary, the input, the form, the total, the entry (fields
// and materials; null until no conflict is declared) and the other reviews the round lets them see.
nlohmann::json review_json(Ctx& ctx, const service::Review& r, bool with_entry);
nlohmann::json explanation_json(const Explanation& ex);

}  // namespace laurel::web
