// Recommending units in the web layer: the JSON API (web/units_api.cpp), the pages
// (web/unit_pages.cpp) and what entries show of their recommendation.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/units.h"
#include "http/message.h"
#include "service/units.h"
#include "web/app.h"

namespace laurel::web {

void add_unit_api_routes(Router& r);
void add_unit_page_routes(Router& r);
void add_unit_export_routes(Router& r);  // CSV and XLSX (web/unit_exports.cpp)

nlohmann::json unit_json(const Unit& u);      // id, names, kind, parent, archived
nlohmann::json unit_ref_json(const Unit& u);  // id, name_zh, name_en
nlohmann::json code_json(const RecommendationCode& k);
nlohmann::json unit_entry_json(const service::UnitEntry& ue);
// The ranking's weights from the query (weight_submitted, weight_selected, weight_winners;
// 0–1000 each; invalid with the field otherwise).
Result<RankingWeights> ranking_weights_of(Ctx& ctx);

// An entry's JSON gets recommended_by (the code's unit up to the top), recommendation_code and
// endorsements.
void add_recommendation_json(Ctx& ctx, const std::string& entry_id, nlohmann::json& out);
// The body's "recommendation_code": nullopt when absent; "" for null (apply directly); the code
// otherwise. Not a string: `refusal` is set and "\x01" returned.
std::optional<std::string> recommendation_code_member(Ctx& ctx, const nlohmann::json& body, http::Response& refusal);

}  // namespace laurel::web
