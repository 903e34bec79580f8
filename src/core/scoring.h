// Expert review scores (issue 13, point 6): a review's weighted total, an entry's measures over
// its submitted reviews (mean, median, trimmed mean, standard deviation, z-scores normalised per
// expert), the ranking of a round's entries, the arithmetic behind one entry's rank as data for
// a page, and the check of a review against its form. Pure: the service reads the round's
// reviews and the form and asks these; nothing here stores or fetches anything.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace laurel {

// One criterion of a review form: its key (as in `scores.<key>`), its weight in the total, and
// whether a comment on it is required at submission.
struct ScoreCriterion {
  std::string key;
  double weight = 1;
  bool comment_required = false;
};

// A round's review form for a category: the criteria and the scale every criterion is scored
// on (whole numbers from `min` to `max`, both included; default 1–10).
struct ScoreForm {
  std::vector<ScoreCriterion> criteria;
  int min = 1, max = 10;
};

// Checks a form before a round uses it: at least one criterion, keys unique and non-empty,
// weights finite and positive, min < max. Ok, or Code::invalid with fields "criteria"
// (rule.criteria_required, rule.criterion_key_required), "criteria.<key>"
// (rule.criterion_duplicate, rule.weight_positive), "scale" (rule.scale_order).
Status validate_form(const ScoreForm& form);

// The recommendations a review may give, and the confidence range.
inline constexpr std::string_view kRecommendations[] = {"strongly-support", "support", "neutral", "oppose"};
inline constexpr int kMinConfidence = 1, kMaxConfidence = 3;

// A review as the expert fills it in (a draft may lack any part).
struct ReviewInput {
  std::map<std::string, double> scores;        // criterion key -> score (a double, to refuse 7.5)
  std::map<std::string, std::string> comments;  // criterion key -> comment
  std::string comment;                          // the overall comment (optional)
  std::optional<std::string> recommendation;
  std::optional<int> confidence;
};

// Checks a review against its form. Always: a score is a whole number within the scale, keyed by
// a criterion of the form; the recommendation is one of kRecommendations; the confidence is 1–3.
// With `for_submission`, also: every criterion has a score, every criterion whose comment is
// required has a non-blank one, and the recommendation and confidence are given. Ok, or
// Code::invalid ("error.invalid") with one message per field: "scores.<criterion>",
// "comments.<criterion>", "recommendation", "confidence". Message keys (params):
//   rule.score_required, rule.score_not_integer, rule.score_out_of_range ({min}, {max}),
//   rule.unknown_criterion, rule.comment_required, rule.recommendation_required,
//   rule.recommendation_unknown, rule.confidence_required, rule.confidence_out_of_range ({min}, {max}).
Status validate_review(const ScoreForm& form, const ReviewInput& review, bool for_submission);

// The stdev above which an entry's reviews disagree: 2 on a 1–10 scale, in proportion on
// another (2 × (max − min) / 9; 22.2 on 0–100, 0.89 on 1–5).
double disagreement_threshold(const ScoreForm& form);

// One term of a review's total: the criterion, its weight and the score given.
struct ScoreTerm {
  std::string criterion;
  double weight = 0, score = 0;
};

// A review's weighted total: Σ(weight × score) / Σ(weight) over the form's criteria the review
// scored, on the criterion scale. The terms and both sums are kept so a page can show the sum.
// Scores for criteria not on the form are ignored. No total (nullopt) when no criterion of
// positive total weight was scored.
struct ReviewTotal {
  std::vector<ScoreTerm> terms;  // in the form's order
  double weighted_sum = 0, weight_sum = 0;
  double total = 0;  // weighted_sum / weight_sum
};
std::optional<ReviewTotal> review_total(const ScoreForm& form, const std::map<std::string, double>& scores);

// A submitted review of the round: its id, the entry it reviews, the expert, the scores. Drafts
// are not passed: only submitted reviews count anywhere below.
struct RoundReview {
  std::string id, entry, expert;
  std::map<std::string, double> scores;
};

// An entry to rank: its id and its receipt (the last tie-break; receipts of one call sort as
// text, "LT25-BR-0007" < "LT25-BR-0012").
struct RankEntry {
  std::string id, receipt;
};

// An entry's measures over the totals of its submitted reviews.
struct EntryMeasures {
  int reviews = 0;
  double mean = 0, median = 0;
  double trimmed_mean = 0;  // without the highest and the lowest total when there are ≥ 4, else the mean
  double stdev = 0;         // population standard deviation (÷ n)
  double z_mean = 0;        // the mean of the reviews' per-expert z-scores
  bool disagreement = false;  // stdev > disagreement_threshold(form)
};

// One row of the ranking. `measures` is nullopt for an entry without a submitted review (with a
// total): it has no measures and ranks after every reviewed entry.
struct RankingRow {
  std::string entry, receipt;
  std::optional<EntryMeasures> measures;
  int rank = 0;  // 1, 2, 3, … — every row its own rank (ties are broken, see rank_entries)
};

// Ranks `entries` over the round's submitted `reviews`. An expert's z for a review is
// (total − the expert's mean total in the round) / the expert's population sd of totals in the
// round, and 0 when that sd is 0. The expert's mean and sd are taken over every review passed,
// including reviews of entries not in `entries` (another category of the same round), so pass the
// whole round's reviews even when ranking one category. Order: z_mean descending, then mean
// descending, then receipt ascending (then id); entries without measures last, by receipt.
// z_means and means are compared rounded to 9 decimals, so arithmetic noise never decides a rank.
std::vector<RankingRow> rank_entries(const ScoreForm& form, const std::vector<RankEntry>& entries,
                                     const std::vector<RoundReview>& reviews);

// Why an entry ranks where it does, as data a page can lay out: each review's total with its
// terms, the expert's normalisation (mean, sd and how many reviews of the round it came from),
// the review's z; the totals sorted, those the trimmed mean kept, and the measures and rank.
struct ExplainedReview {
  std::string review, expert;
  ReviewTotal total;
  int expert_reviews = 0;           // the expert's submitted reviews (with a total) in the round
  double expert_mean = 0, expert_sd = 0;
  double z = 0;                     // (total − expert_mean) / expert_sd, 0 when expert_sd is 0
};
struct Explanation {
  std::string entry, receipt;
  std::vector<ExplainedReview> reviews;  // in the order given
  std::vector<double> sorted_totals;     // ascending
  std::vector<double> trimmed_totals;    // those the trimmed mean averages (ascending)
  std::optional<EntryMeasures> measures;
  double disagreement_threshold = 0;
  int rank = 0;                          // as in rank_entries
  int ranked = 0;                        // rows in that ranking
};
// Explains `entry` (an id among `entries`) in the ranking rank_entries(form, entries, reviews)
// gives; nullopt when the id is not among `entries`.
std::optional<Explanation> explain_entry(const ScoreForm& form, const std::vector<RankEntry>& entries,
                                         const std::vector<RoundReview>& reviews, const std::string& entry);

}  // namespace laurel
