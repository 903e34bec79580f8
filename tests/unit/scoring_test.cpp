// Review scores (core/scoring.h): weighted totals, an entry's measures, per-expert z-scores, the
// ranking and its tie-breaks, entries without reviews, other scales, the explanation of a rank,
// and the checks of a form and of a review. Every expected number is worked out by hand in the
// comment next to it.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/scoring.h"

namespace laurel {
namespace {

// One criterion of weight 1: a review's total is its score.
ScoreForm single(int min = 1, int max = 10) { return ScoreForm{{{"q", 1, false}}, min, max}; }

RoundReview review(std::string id, std::string entry, std::string expert, double q) {
  return RoundReview{std::move(id), std::move(entry), std::move(expert), {{"q", q}}};
}

const RankingRow& row_of(const std::vector<RankingRow>& rows, const std::string& entry) {
  for (const auto& r : rows)
    if (r.entry == entry) return r;
  throw std::runtime_error("no row for " + entry);
}

std::vector<std::string> order_of(const std::vector<RankingRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.entry);
  return out;
}

// ---- totals ----

TEST(ScoringTotal, IsTheWeightedMeanOfTheScores) {
  // innovation ×2, impact ×1, feasibility ×1; scores 8, 6, 4: (2·8 + 6 + 4) / (2 + 1 + 1) = 26 / 4 = 6.5.
  ScoreForm form{{{"innovation", 2}, {"impact", 1}, {"feasibility", 1}}};
  auto t = review_total(form, {{"innovation", 8}, {"impact", 6}, {"feasibility", 4}});
  ASSERT_TRUE(t);
  EXPECT_DOUBLE_EQ(t->weighted_sum, 26);
  EXPECT_DOUBLE_EQ(t->weight_sum, 4);
  EXPECT_DOUBLE_EQ(t->total, 6.5);
  ASSERT_EQ(t->terms.size(), 3u);
  EXPECT_EQ(t->terms[0].criterion, "innovation");
  EXPECT_DOUBLE_EQ(t->terms[0].weight, 2);
  EXPECT_DOUBLE_EQ(t->terms[0].score, 8);
  EXPECT_EQ(t->terms[2].criterion, "feasibility");
}

TEST(ScoringTotal, StaysOnTheCriterionScaleWhateverTheWeights) {
  // Weights 0.5 and 1.5, scores 10 and 2: (5 + 3) / 2 = 4 (a plain mean would be 6).
  ScoreForm form{{{"a", 0.5}, {"b", 1.5}}};
  EXPECT_DOUBLE_EQ(review_total(form, {{"a", 10}, {"b", 2}})->total, 4);
  // All scores 7: the total is 7, whatever the weights.
  EXPECT_DOUBLE_EQ(review_total(form, {{"a", 7}, {"b", 7}})->total, 7);
}

TEST(ScoringTotal, LeavesOutCriteriaNotScoredAndScoresNotOnTheForm) {
  ScoreForm form{{{"a", 2}, {"b", 1}}};
  // Only b scored: 1·9 / 1 = 9; "zzz" is not on the form.
  auto t = review_total(form, {{"b", 9}, {"zzz", 1}});
  ASSERT_TRUE(t);
  EXPECT_DOUBLE_EQ(t->total, 9);
  EXPECT_EQ(t->terms.size(), 1u);
  EXPECT_FALSE(review_total(form, {}));
  EXPECT_FALSE(review_total(form, {{"zzz", 5}}));
}

// ---- measures ----

TEST(ScoringMeasures, MeanMedianStdevOfTwoReviews) {
  // Totals 9 and 5: mean 7, median (5 + 9) / 2 = 7, trimmed mean = mean (fewer than 4),
  // population sd = sqrt(((9−7)² + (5−7)²) / 2) = 2 — not above 2, so no disagreement.
  auto rows = rank_entries(single(), {{"E1", "R1"}}, {review("r1", "E1", "A", 9), review("r2", "E1", "B", 5)});
  const auto& m = *rows[0].measures;
  EXPECT_EQ(m.reviews, 2);
  EXPECT_DOUBLE_EQ(m.mean, 7);
  EXPECT_DOUBLE_EQ(m.median, 7);
  EXPECT_DOUBLE_EQ(m.trimmed_mean, 7);
  EXPECT_DOUBLE_EQ(m.stdev, 2);
  EXPECT_FALSE(m.disagreement);
}

TEST(ScoringMeasures, TrimmedMeanDropsHighestAndLowestFromFourTotals) {
  // Totals 2, 10, 5, 6: sorted 2 5 6 10; mean 23/4 = 5.75; median (5 + 6)/2 = 5.5;
  // trimmed (5 + 6)/2 = 5.5; deviations −3.75 −0.75 0.25 4.25, squares sum 32.75, /4 = 8.1875,
  // sd = sqrt(8.1875) = 2.8614 > 2: disagreement.
  auto rows = rank_entries(single(), {{"E", "R"}},
                           {review("a", "E", "A", 2), review("b", "E", "B", 10), review("c", "E", "C", 5),
                            review("d", "E", "D", 6)});
  const auto& m = *rows[0].measures;
  EXPECT_EQ(m.reviews, 4);
  EXPECT_DOUBLE_EQ(m.mean, 5.75);
  EXPECT_DOUBLE_EQ(m.median, 5.5);
  EXPECT_DOUBLE_EQ(m.trimmed_mean, 5.5);
  EXPECT_NEAR(m.stdev, std::sqrt(8.1875), 1e-12);
  EXPECT_NEAR(m.stdev, 2.861380, 1e-6);
  EXPECT_TRUE(m.disagreement);
}

TEST(ScoringMeasures, WithThreeTotalsTheTrimmedMeanIsTheMean) {
  // Totals 2, 5, 11 (on a 1–20 scale): mean 6, median 5,
  // trimmed = mean = 6 (fewer than 4 totals); sd = sqrt((16 + 1 + 25)/3) = sqrt(14).
  auto rows = rank_entries(single(1, 20), {{"E", "R"}},
                           {review("a", "E", "A", 2), review("b", "E", "B", 5), review("c", "E", "C", 11)});
  const auto& m = *rows[0].measures;
  EXPECT_DOUBLE_EQ(m.mean, 6);
  EXPECT_DOUBLE_EQ(m.median, 5);
  EXPECT_DOUBLE_EQ(m.trimmed_mean, 6);
  EXPECT_NEAR(m.stdev, std::sqrt(14.0), 1e-12);
}

TEST(ScoringMeasures, FiveTotalsTrimOnlyOneAtEachEnd) {
  // 1 1 4 8 8: trimmed averages 1 4 8 → 13/3; median 4; mean 22/5 = 4.4.
  auto rows = rank_entries(single(), {{"E", "R"}},
                           {review("a", "E", "A", 8), review("b", "E", "B", 1), review("c", "E", "C", 4),
                            review("d", "E", "D", 1), review("e", "E", "F", 8)});
  const auto& m = *rows[0].measures;
  EXPECT_NEAR(m.trimmed_mean, 13.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(m.median, 4);
  EXPECT_DOUBLE_EQ(m.mean, 4.4);
}

TEST(ScoringMeasures, OneReviewHasNoSpread) {
  auto rows = rank_entries(single(), {{"E", "R"}}, {review("a", "E", "A", 7)});
  const auto& m = *rows[0].measures;
  EXPECT_EQ(m.reviews, 1);
  EXPECT_DOUBLE_EQ(m.mean, 7);
  EXPECT_DOUBLE_EQ(m.median, 7);
  EXPECT_DOUBLE_EQ(m.trimmed_mean, 7);
  EXPECT_DOUBLE_EQ(m.stdev, 0);
  EXPECT_DOUBLE_EQ(m.z_mean, 0);  // the expert's only review: sd 0, z 0
  EXPECT_FALSE(m.disagreement);
}

// ---- z-scores and the ranking ----

// Expert A (lenient) gives E1 9 and E2 7: mean 8, sd 1, so z(E1) = +1, z(E2) = −1.
// Expert B (harsh) gives E1 5, E2 3, E3 4: mean 4, sd = sqrt((1 + 1 + 0)/3) = sqrt(2/3) = 0.81650,
//   so z(E1) = 1/0.81650 = +1.22474, z(E2) = −1.22474, z(E3) = 0.
// Expert C gives only E3 6: sd 0, so z = 0.
// E1: totals 9, 5 → mean 7, z_mean (1 + 1.22474)/2 = 1.11237.
// E2: totals 7, 3 → mean 5, z_mean −1.11237.
// E3: totals 4, 6 → mean 5, z_mean 0.
// E4, E5: no review.
std::vector<RoundReview> scenario() {
  return {review("r1", "E1", "A", 9), review("r2", "E2", "A", 7), review("r3", "E1", "B", 5),
          review("r4", "E2", "B", 3), review("r5", "E3", "B", 4), review("r6", "E3", "C", 6)};
}
std::vector<RankEntry> scenario_entries() {
  return {{"E5", "LT25-A-0002"}, {"E2", "LT25-A-0005"}, {"E4", "LT25-A-0001"}, {"E1", "LT25-A-0009"},
          {"E3", "LT25-A-0003"}};
}

TEST(ScoringRanking, NormalisesEachExpertAndRanksByZMean) {
  auto rows = rank_entries(single(), scenario_entries(), scenario());
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(order_of(rows), (std::vector<std::string>{"E1", "E3", "E2", "E4", "E5"}));
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].rank, static_cast<int>(i + 1));
  const double zb = 1 / std::sqrt(2.0 / 3);  // 1.22474
  EXPECT_NEAR(zb, 1.224745, 1e-6);
  EXPECT_NEAR(row_of(rows, "E1").measures->z_mean, (1 + zb) / 2, 1e-12);
  EXPECT_NEAR(row_of(rows, "E1").measures->z_mean, 1.112372, 1e-6);
  EXPECT_NEAR(row_of(rows, "E2").measures->z_mean, -(1 + zb) / 2, 1e-12);
  EXPECT_NEAR(row_of(rows, "E3").measures->z_mean, 0, 1e-12);
  EXPECT_DOUBLE_EQ(row_of(rows, "E1").measures->mean, 7);
  EXPECT_DOUBLE_EQ(row_of(rows, "E3").measures->stdev, 1);
  EXPECT_EQ(row_of(rows, "E1").receipt, "LT25-A-0009");
}

TEST(ScoringRanking, ZMeanCanDisagreeWithTheRawMean) {
  // A harsh and a lenient expert:
  // X gives F1 2 and F2 4 (mean 3, sd 1): z −1, +1. Y gives F1 9 and F3 7 (mean 8, sd 1): z +1, −1.
  // F1: totals 2, 9 → mean 5.5, z_mean 0.  F2: total 4 → mean 4, z_mean +1.  F3: 7 → z_mean −1.
  // By raw mean F3 (7) > F1 (5.5) > F2 (4); by z_mean F2 > F1 > F3.
  auto rows = rank_entries(single(), {{"F1", "1"}, {"F2", "2"}, {"F3", "3"}},
                           {review("a", "F1", "X", 2), review("b", "F2", "X", 4), review("c", "F1", "Y", 9),
                            review("d", "F3", "Y", 7)});
  EXPECT_EQ(order_of(rows), (std::vector<std::string>{"F2", "F1", "F3"}));
  EXPECT_NEAR(row_of(rows, "F2").measures->z_mean, 1, 1e-12);
  EXPECT_NEAR(row_of(rows, "F1").measures->z_mean, 0, 1e-12);
  EXPECT_NEAR(row_of(rows, "F3").measures->z_mean, -1, 1e-12);
}

TEST(ScoringRanking, EntriesWithoutReviewsHaveNoMeasuresAndComeLastByReceipt) {
  auto rows = rank_entries(single(), scenario_entries(), scenario());
  EXPECT_FALSE(row_of(rows, "E4").measures);
  EXPECT_FALSE(row_of(rows, "E5").measures);
  EXPECT_EQ(row_of(rows, "E4").rank, 4);  // receipt …0001 before …0002
  EXPECT_EQ(row_of(rows, "E5").rank, 5);
  // With no review at all in the round, every entry is unranked-by-score, in receipt order.
  auto none = rank_entries(single(), {{"b", "R2"}, {"a", "R3"}, {"c", "R1"}}, {});
  EXPECT_EQ(order_of(none), (std::vector<std::string>{"c", "b", "a"}));
  EXPECT_TRUE(rank_entries(single(), {}, scenario()).empty());
}

TEST(ScoringRanking, ReviewWithoutAnyScoreDoesNotCount) {
  // r2 scored nothing on the form: no total, so E has one review and expert B none.
  auto rows = rank_entries(single(), {{"E", "R"}},
                           {review("r1", "E", "A", 6), RoundReview{"r2", "E", "B", {{"other", 3}}}});
  EXPECT_EQ(rows[0].measures->reviews, 1);
  EXPECT_DOUBLE_EQ(rows[0].measures->mean, 6);
}

TEST(ScoringRanking, TiesOnZMeanGoByMeanThenByReceipt) {
  // Each expert's reviews all have the same total (sd 0), so every z is 0 and every z_mean ties.
  // G1 and G2: mean 7 (D gives both 7); G3: mean 5 (E gives 5). G2's receipt is smaller than G1's.
  auto rows = rank_entries(single(), {{"G3", "R1"}, {"G1", "R9"}, {"G2", "R5"}},
                           {review("a", "G1", "D", 7), review("b", "G2", "D", 7), review("c", "G3", "E", 5)});
  EXPECT_EQ(order_of(rows), (std::vector<std::string>{"G2", "G1", "G3"}));
  EXPECT_EQ(rows[0].rank, 1);
  EXPECT_EQ(rows[2].rank, 3);
}

TEST(ScoringRanking, ArithmeticNoiseDoesNotBreakATie) {
  // Weights 1 and 2: totals 1 (1,1), 11/3 (1,5), 17/3 (1,8). P has them in that order and Q in
  // the reverse; summed in those orders the two means differ in the last bit
  // (3.444444444444444 and 3.4444444444444446). Every expert reviews once (z 0), so the mean
  // decides — and as the means are equal, the receipt must, putting P (R1) first.
  ScoreForm form{{{"a", 1}, {"b", 2}}};
  auto r = [](std::string id, std::string entry, double a, double b) {
    return RoundReview{id, std::move(entry), "x-" + id, {{"a", a}, {"b", b}}};
  };
  auto rows = rank_entries(form, {{"Q", "R2"}, {"P", "R1"}},
                           {r("1", "P", 1, 1), r("2", "P", 1, 5), r("3", "P", 1, 8), r("4", "Q", 1, 8),
                            r("5", "Q", 1, 5), r("6", "Q", 1, 1)});
  EXPECT_NE(row_of(rows, "P").measures->mean, row_of(rows, "Q").measures->mean);  // the noise is there
  EXPECT_EQ(order_of(rows), (std::vector<std::string>{"P", "Q"}));
}

TEST(ScoringRanking, ExpertsAreNormalisedOverTheWholeRound) {
  // Ranking only category "a" (entry A1), but expert X also reviewed B1 of category "b": X's
  // mean is (8 + 4)/2 = 6, sd 2, so z(A1) = (8 − 6)/2 = +1. Without B1, X's only review would give 0.
  std::vector<RoundReview> round{review("1", "A1", "X", 8), review("2", "B1", "X", 4)};
  auto rows = rank_entries(single(), {{"A1", "R1"}}, round);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NEAR(rows[0].measures->z_mean, 1, 1e-12);
  EXPECT_EQ(rows[0].measures->reviews, 1);
}

TEST(ScoringRanking, WeightedTotalsFeedTheMeasures) {
  // innovation ×2, impact ×1: X gives (8, 5) → 21/3 = 7; Y gives (4, 10) → 18/3 = 6. Mean 6.5.
  ScoreForm form{{{"innovation", 2}, {"impact", 1}}};
  auto rows = rank_entries(form, {{"E", "R"}},
                           {RoundReview{"1", "E", "X", {{"innovation", 8}, {"impact", 5}}},
                            RoundReview{"2", "E", "Y", {{"innovation", 4}, {"impact", 10}}}});
  EXPECT_DOUBLE_EQ(rows[0].measures->mean, 6.5);
  EXPECT_DOUBLE_EQ(rows[0].measures->stdev, 0.5);
}

// ---- other scales ----

TEST(ScoringScale, DisagreementThresholdScalesWithTheScale) {
  EXPECT_DOUBLE_EQ(disagreement_threshold(single(1, 10)), 2);
  EXPECT_NEAR(disagreement_threshold(single(0, 100)), 200.0 / 9, 1e-12);  // 22.22
  EXPECT_NEAR(disagreement_threshold(single(1, 5)), 8.0 / 9, 1e-12);      // 0.889
}

TEST(ScoringScale, DisagreementOnAHundredPointScale) {
  // 40 and 85: sd 22.5 > 22.22 → disagreement. 40 and 84: sd 22 → none.
  auto wide = rank_entries(single(0, 100), {{"E", "R"}}, {review("a", "E", "A", 40), review("b", "E", "B", 85)});
  EXPECT_DOUBLE_EQ(wide[0].measures->stdev, 22.5);
  EXPECT_TRUE(wide[0].measures->disagreement);
  auto narrow = rank_entries(single(0, 100), {{"E", "R"}}, {review("a", "E", "A", 40), review("b", "E", "B", 84)});
  EXPECT_DOUBLE_EQ(narrow[0].measures->stdev, 22);
  EXPECT_FALSE(narrow[0].measures->disagreement);
}

TEST(ScoringScale, DisagreementOnAFivePointScale) {
  // 2 and 4: sd 1 > 0.889 → disagreement; 3 and 4: sd 0.5 → none. On 1–10, sd 1 would be fine.
  auto two = rank_entries(single(1, 5), {{"E", "R"}}, {review("a", "E", "A", 2), review("b", "E", "B", 4)});
  EXPECT_TRUE(two[0].measures->disagreement);
  auto one = rank_entries(single(1, 5), {{"E", "R"}}, {review("a", "E", "A", 3), review("b", "E", "B", 4)});
  EXPECT_FALSE(one[0].measures->disagreement);
  auto ten = rank_entries(single(1, 10), {{"E", "R"}}, {review("a", "E", "A", 2), review("b", "E", "B", 4)});
  EXPECT_FALSE(ten[0].measures->disagreement);
}

TEST(ScoringScale, DisagreementJustAboveTwo) {
  // 1 and 6 on 1–10: sd 2.5 > 2.
  auto rows = rank_entries(single(), {{"E", "R"}}, {review("a", "E", "A", 1), review("b", "E", "B", 6)});
  EXPECT_DOUBLE_EQ(rows[0].measures->stdev, 2.5);
  EXPECT_TRUE(rows[0].measures->disagreement);
}

// ---- the explanation ----

TEST(ScoringExplain, ShowsEachReviewTheExpertsNormalisationAndTheArithmetic) {
  auto x = explain_entry(single(), scenario_entries(), scenario(), "E1");
  ASSERT_TRUE(x);
  EXPECT_EQ(x->entry, "E1");
  EXPECT_EQ(x->receipt, "LT25-A-0009");
  ASSERT_EQ(x->reviews.size(), 2u);
  const auto& a = x->reviews[0];  // r1 by A: 9; A's totals 9, 7 → mean 8, sd 1, z +1
  EXPECT_EQ(a.review, "r1");
  EXPECT_EQ(a.expert, "A");
  EXPECT_DOUBLE_EQ(a.total.total, 9);
  EXPECT_EQ(a.total.terms.size(), 1u);
  EXPECT_EQ(a.expert_reviews, 2);
  EXPECT_DOUBLE_EQ(a.expert_mean, 8);
  EXPECT_DOUBLE_EQ(a.expert_sd, 1);
  EXPECT_DOUBLE_EQ(a.z, 1);
  const auto& b = x->reviews[1];  // r3 by B: 5; B's totals 5, 3, 4 → mean 4, sd 0.8165, z 1.2247
  EXPECT_EQ(b.review, "r3");
  EXPECT_EQ(b.expert_reviews, 3);
  EXPECT_DOUBLE_EQ(b.expert_mean, 4);
  EXPECT_NEAR(b.expert_sd, std::sqrt(2.0 / 3), 1e-12);
  EXPECT_NEAR(b.z, 1.224745, 1e-6);
  EXPECT_EQ(x->sorted_totals, (std::vector<double>{5, 9}));
  EXPECT_EQ(x->trimmed_totals, (std::vector<double>{5, 9}));  // fewer than 4: nothing dropped
  ASSERT_TRUE(x->measures);
  EXPECT_NEAR(x->measures->z_mean, (a.z + b.z) / 2, 1e-12);
  EXPECT_DOUBLE_EQ(x->disagreement_threshold, 2);
  EXPECT_EQ(x->rank, 1);
  EXPECT_EQ(x->ranked, 5);
}

TEST(ScoringExplain, SameRankAsTheRankingAndTrimmedTotals) {
  auto rows = rank_entries(single(), scenario_entries(), scenario());
  for (const auto& r : rows) EXPECT_EQ(explain_entry(single(), scenario_entries(), scenario(), r.entry)->rank, r.rank);
  // Four reviews: the trimmed totals drop one at each end.
  auto x = explain_entry(single(), {{"E", "R"}},
                         {review("a", "E", "A", 2), review("b", "E", "B", 10), review("c", "E", "C", 5),
                          review("d", "E", "D", 6)},
                         "E");
  EXPECT_EQ(x->sorted_totals, (std::vector<double>{2, 5, 6, 10}));
  EXPECT_EQ(x->trimmed_totals, (std::vector<double>{5, 6}));
}

TEST(ScoringExplain, AnEntryWithoutReviewsAndAnUnknownOne) {
  auto x = explain_entry(single(), scenario_entries(), scenario(), "E4");
  ASSERT_TRUE(x);
  EXPECT_TRUE(x->reviews.empty());
  EXPECT_FALSE(x->measures);
  EXPECT_EQ(x->rank, 4);
  EXPECT_FALSE(explain_entry(single(), scenario_entries(), scenario(), "nope"));
}

// ---- checking a review ----

ScoreForm review_form() {
  return ScoreForm{{{"innovation", 2, true}, {"impact", 1, false}}, 1, 10};
}

ReviewInput complete() {
  ReviewInput r;
  r.scores = {{"innovation", 8}, {"impact", 6}};
  r.comments = {{"innovation", "Original approach."}};
  r.recommendation = "support";
  r.confidence = 2;
  return r;
}

// The field → message-key map of a refusal (empty when Ok).
std::map<std::string, std::string> problems(const Status& s) {
  std::map<std::string, std::string> out;
  if (s) return out;
  EXPECT_EQ(s.error().code, Code::invalid);
  EXPECT_EQ(s.error().message.key, "error.invalid");
  for (const auto& [field, m] : s.error().fields) out[field] = m.key;
  return out;
}

TEST(ScoringValidation, ACompleteReviewPasses) {
  EXPECT_TRUE(validate_review(review_form(), complete(), true));
  EXPECT_TRUE(validate_review(review_form(), complete(), false));
  // The scale's ends are allowed.
  auto r = complete();
  r.scores = {{"innovation", 1}, {"impact", 10}};
  EXPECT_TRUE(validate_review(review_form(), r, true));
  for (auto rec : kRecommendations) {
    r.recommendation = std::string(rec);
    EXPECT_TRUE(validate_review(review_form(), r, true)) << rec;
  }
  for (int c : {1, 2, 3}) {
    r.confidence = c;
    EXPECT_TRUE(validate_review(review_form(), r, true)) << c;
  }
}

TEST(ScoringValidation, ADraftMayLackAnything) {
  EXPECT_TRUE(validate_review(review_form(), ReviewInput{}, false));
  ReviewInput r;
  r.scores = {{"impact", 3}};
  EXPECT_TRUE(validate_review(review_form(), r, false));
}

TEST(ScoringValidation, SubmissionNeedsEveryPart) {
  auto p = problems(validate_review(review_form(), ReviewInput{}, true));
  EXPECT_EQ(p, (std::map<std::string, std::string>{{"scores.innovation", "rule.score_required"},
                                                   {"scores.impact", "rule.score_required"},
                                                   {"comments.innovation", "rule.comment_required"},
                                                   {"recommendation", "rule.recommendation_required"},
                                                   {"confidence", "rule.confidence_required"}}));
}

TEST(ScoringValidation, ARequiredCommentMayNotBeBlankAndAnOptionalOneMayBeMissing) {
  auto r = complete();
  r.comments["innovation"] = "  \n\t ";
  EXPECT_EQ(problems(validate_review(review_form(), r, true)),
            (std::map<std::string, std::string>{{"comments.innovation", "rule.comment_required"}}));
  EXPECT_TRUE(validate_review(review_form(), r, false));  // a draft may leave it blank
  r = complete();
  r.comments.erase("impact");  // not required
  EXPECT_TRUE(validate_review(review_form(), r, true));
}

TEST(ScoringValidation, ScoresAreWholeNumbersWithinTheScale) {
  struct Case {
    double score;
    const char* key;
  };
  for (Case c : {Case{0, "rule.score_out_of_range"}, Case{11, "rule.score_out_of_range"},
                 Case{-3, "rule.score_out_of_range"}, Case{7.5, "rule.score_not_integer"},
                 Case{std::numeric_limits<double>::quiet_NaN(), "rule.score_not_integer"},
                 Case{std::numeric_limits<double>::infinity(), "rule.score_not_integer"}}) {
    auto r = complete();
    r.scores["impact"] = c.score;
    for (bool submit : {false, true}) {
      auto s = validate_review(review_form(), r, submit);
      EXPECT_EQ(problems(s), (std::map<std::string, std::string>{{"scores.impact", c.key}})) << c.score;
      if (!s && std::string(c.key) == "rule.score_out_of_range") {
        EXPECT_EQ(s.error().fields.at("scores.impact").params,
                  (std::map<std::string, std::string>{{"min", "1"}, {"max", "10"}}));
      }
    }
  }
}

TEST(ScoringValidation, OtherScales) {
  ScoreForm hundred{{{"q", 1}}, 0, 100};
  ReviewInput r = complete();
  r.scores = {{"q", 0}};
  r.comments.clear();
  EXPECT_TRUE(validate_review(hundred, r, true));
  r.scores = {{"q", 100}};
  EXPECT_TRUE(validate_review(hundred, r, true));
  r.scores = {{"q", 101}};
  auto s = validate_review(hundred, r, true);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().fields.at("scores.q").key, "rule.score_out_of_range");
  EXPECT_EQ(s.error().fields.at("scores.q").params, (std::map<std::string, std::string>{{"min", "0"}, {"max", "100"}}));
  ScoreForm five{{{"q", 1}}, 1, 5};
  r.scores = {{"q", 6}};
  EXPECT_EQ(validate_review(five, r, false).error().fields.at("scores.q").params.at("max"), "5");
}

TEST(ScoringValidation, UnknownCriteriaAreRefused) {
  auto r = complete();
  r.scores["originality"] = 5;
  r.comments["clarity"] = "Nice.";
  EXPECT_EQ(problems(validate_review(review_form(), r, false)),
            (std::map<std::string, std::string>{{"scores.originality", "rule.unknown_criterion"},
                                                {"comments.clarity", "rule.unknown_criterion"}}));
}

TEST(ScoringValidation, RecommendationAndConfidence) {
  auto r = complete();
  r.recommendation = "maybe";
  r.confidence = 4;
  auto want = std::map<std::string, std::string>{{"recommendation", "rule.recommendation_unknown"},
                                                 {"confidence", "rule.confidence_out_of_range"}};
  EXPECT_EQ(problems(validate_review(review_form(), r, false)), want);
  EXPECT_EQ(problems(validate_review(review_form(), r, true)), want);
  r.recommendation = "Support";  // case matters: the API's values are lower case
  r.confidence = 0;
  EXPECT_EQ(problems(validate_review(review_form(), r, true)), want);
  auto s = validate_review(review_form(), r, true);
  EXPECT_EQ(s.error().fields.at("confidence").params, (std::map<std::string, std::string>{{"min", "1"}, {"max", "3"}}));
}

// ---- checking a form ----

TEST(ScoringForm, AGoodFormPasses) {
  EXPECT_TRUE(validate_form(review_form()));
  EXPECT_TRUE(validate_form(single(0, 100)));
}

TEST(ScoringForm, RefusesNoCriteriaBadWeightsDuplicatesAndAnEmptyScale) {
  EXPECT_EQ(problems(validate_form(ScoreForm{})), (std::map<std::string, std::string>{{"criteria", "rule.criteria_required"}}));
  ScoreForm f{{{"a", 0}, {"b", -1}, {"c", std::numeric_limits<double>::quiet_NaN()}, {"d", 1}, {"d", 2}, {"", 1}}, 5, 5};
  EXPECT_EQ(problems(validate_form(f)), (std::map<std::string, std::string>{{"criteria.a", "rule.weight_positive"},
                                                                           {"criteria.b", "rule.weight_positive"},
                                                                           {"criteria.c", "rule.weight_positive"},
                                                                           {"criteria.d", "rule.criterion_duplicate"},
                                                                           {"criteria", "rule.criterion_key_required"},
                                                                           {"scale", "rule.scale_order"}}));
}

}  // namespace
}  // namespace laurel
