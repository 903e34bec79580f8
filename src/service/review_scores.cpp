// Every review of a round with its scores, for the organiser's XLSX export (issue 13, point 7).
#include <nlohmann/json.hpp>

#include "service/calls.h"
#include "service/review.h"

namespace laurel::service {

using nlohmann::json;

Result<ScoreSheet> round_scores(Env& env, const Actor& actor, const std::string& round_id) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto c = env.db.acquire();
  auto round = c->query_one("SELECT call_slug, scale_min, scale_max, title_zh, title_en FROM review_rounds WHERE id = ?", {round_id});
  if (!round) return Error::make(Code::not_found, "error.round_not_found");
  auto call = find_call(env, round->str(0));
  if (!call) return call.error();
  ScoreSheet out;
  out.call = *call;
  out.round_title = Text{round->str(3), round->str(4)};
  for (const auto& cat : call->categories)
    for (const auto& k : cat.criteria)
      if (std::find(out.criteria.begin(), out.criteria.end(), k.slug) == out.criteria.end()) out.criteria.push_back(k.slug);
  for (const auto& r : c->query(
           "SELECT s.receipt, s.category, s.title_zh, s.title_en, x.name, x.email, r.status, r.scores, r.comments, "
           "r.comment, r.recommendation, r.confidence, r.submitted_at FROM reviews r JOIN submissions s ON s.id = r.entry_id "
           "JOIN experts x ON x.id = r.expert_id WHERE r.round_id = ? ORDER BY s.receipt, x.name, r.id",
           {round_id})) {
    ScoreSheetRow row;
    row.receipt = r.null(0) ? "" : r.str(0);
    row.category = r.str(1);
    row.title = Text{r.str(2), r.str(3)};
    row.expert_name = r.str(4);
    row.expert_email = r.str(5);
    row.status = r.str(6);
    auto scores = json::parse(r.str(7), nullptr, false);
    if (scores.is_object())
      for (auto it = scores.begin(); it != scores.end(); ++it)
        if (it.value().is_number()) row.input.scores[it.key()] = it.value().get<double>();
    auto comments = json::parse(r.str(8), nullptr, false);
    if (comments.is_object())
      for (auto it = comments.begin(); it != comments.end(); ++it)
        if (it.value().is_string()) row.input.comments[it.key()] = it.value().get<std::string>();
    row.input.comment = r.str(9);
    if (!r.null(10)) row.input.recommendation = r.str(10);
    if (!r.null(11)) row.input.confidence = int(r.num(11));
    if (!r.null(12)) row.submitted_at = from_unix_seconds(r.num(12));
    ScoreForm form{{}, int(round->num(1)), int(round->num(2))};
    if (const Category* cat = call->category(row.category))
      for (const auto& k : cat->criteria) form.criteria.push_back({k.slug, k.weight, k.comment_required});
    if (auto t = review_total(form, row.input.scores)) row.total = t->total;
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace laurel::service
