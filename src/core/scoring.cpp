#include "core/scoring.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <unordered_map>

namespace laurel {

namespace {

Error invalid_with(std::map<std::string, Message> fields) {
  Error e = Error::make(Code::invalid, "error.invalid");
  e.fields = std::move(fields);
  return e;
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

double mean_of(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// Population standard deviation (÷ n), around the mean computed first (two passes: no
// cancellation when the totals are large and close).
double population_sd(const std::vector<double>& v) {
  if (v.empty()) return 0.0;
  double m = mean_of(v), sq = 0;
  for (double x : v) sq += (x - m) * (x - m);
  return std::sqrt(sq / static_cast<double>(v.size()));
}

// Compared rounded to 9 decimals, so two values equal but for arithmetic noise tie (and the
// order stays a strict weak order, which a tolerance compare would not be).
long long tie_key(double x) { return std::llround(x * 1e9); }

struct ExpertStats {
  std::vector<double> totals;
  double mean = 0, sd = 0;
};

// Everything rank_entries and explain_entry share: each review's total, each expert's
// normalisation, each entry's reviews (indexes into `reviews`, in the order given), the rows.
struct Computed {
  std::vector<std::optional<ReviewTotal>> totals;     // per review
  std::unordered_map<std::string, ExpertStats> experts;
  std::vector<std::vector<size_t>> entry_reviews;     // per entry, reviews with a total
  std::vector<RankingRow> rows;                       // in the order of `entries`
  std::vector<size_t> order;                          // rows' indexes, best first
};

double z_of(const Computed& c, const RoundReview& r, double total) {
  const auto& s = c.experts.at(r.expert);
  return s.sd > 0 ? (total - s.mean) / s.sd : 0.0;
}

Computed compute(const ScoreForm& form, const std::vector<RankEntry>& entries, const std::vector<RoundReview>& reviews) {
  Computed c;
  c.totals.reserve(reviews.size());
  for (const auto& r : reviews) {
    c.totals.push_back(review_total(form, r.scores));
    if (c.totals.back()) c.experts[r.expert].totals.push_back(c.totals.back()->total);
  }
  for (auto& [id, s] : c.experts) {
    s.mean = mean_of(s.totals);
    s.sd = population_sd(s.totals);
  }

  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < entries.size(); ++i) index.emplace(entries[i].id, i);
  c.entry_reviews.resize(entries.size());
  for (size_t i = 0; i < reviews.size(); ++i) {
    auto it = index.find(reviews[i].entry);
    if (it != index.end() && c.totals[i]) c.entry_reviews[it->second].push_back(i);
  }

  const double threshold = disagreement_threshold(form);
  c.rows.reserve(entries.size());
  for (size_t e = 0; e < entries.size(); ++e) {
    RankingRow row{entries[e].id, entries[e].receipt, std::nullopt, 0};
    const auto& mine = c.entry_reviews[e];
    if (!mine.empty()) {
      std::vector<double> t, z;
      for (size_t i : mine) {
        t.push_back(c.totals[i]->total);
        z.push_back(z_of(c, reviews[i], c.totals[i]->total));
      }
      EntryMeasures m;
      m.reviews = static_cast<int>(t.size());
      m.mean = mean_of(t);
      std::vector<double> sorted = t;
      std::sort(sorted.begin(), sorted.end());
      size_t n = sorted.size();
      m.median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
      m.trimmed_mean = n >= 4 ? mean_of(std::vector<double>(sorted.begin() + 1, sorted.end() - 1)) : m.mean;
      m.stdev = population_sd(t);
      m.z_mean = mean_of(z);
      m.disagreement = m.stdev > threshold;
      row.measures = m;
    }
    c.rows.push_back(std::move(row));
  }

  c.order.resize(c.rows.size());
  std::iota(c.order.begin(), c.order.end(), size_t{0});
  std::sort(c.order.begin(), c.order.end(), [&](size_t a, size_t b) {
    const auto& x = c.rows[a];
    const auto& y = c.rows[b];
    if (x.measures.has_value() != y.measures.has_value()) return x.measures.has_value();
    if (x.measures) {
      long long zx = tie_key(x.measures->z_mean), zy = tie_key(y.measures->z_mean);
      if (zx != zy) return zx > zy;
      long long mx = tie_key(x.measures->mean), my = tie_key(y.measures->mean);
      if (mx != my) return mx > my;
    }
    if (x.receipt != y.receipt) return x.receipt < y.receipt;
    return x.entry < y.entry;
  });
  for (size_t r = 0; r < c.order.size(); ++r) c.rows[c.order[r]].rank = static_cast<int>(r + 1);
  return c;
}

}  // namespace

Status validate_form(const ScoreForm& form) {
  std::map<std::string, Message> fields;
  if (form.criteria.empty()) fields["criteria"] = {"rule.criteria_required", {}};
  std::set<std::string> seen;
  for (const auto& c : form.criteria) {
    if (c.key.empty()) {
      fields["criteria"] = {"rule.criterion_key_required", {}};
      continue;
    }
    if (!seen.insert(c.key).second) fields["criteria." + c.key] = {"rule.criterion_duplicate", {}};
    else if (!std::isfinite(c.weight) || c.weight <= 0) fields["criteria." + c.key] = {"rule.weight_positive", {}};
  }
  if (form.min >= form.max) fields["scale"] = {"rule.scale_order", {}};
  if (!fields.empty()) return invalid_with(std::move(fields));
  return Ok{};
}

Status validate_review(const ScoreForm& form, const ReviewInput& review, bool for_submission) {
  std::map<std::string, Message> fields;
  std::set<std::string> keys;
  for (const auto& c : form.criteria) keys.insert(c.key);
  const std::map<std::string, std::string> range{{"min", std::to_string(form.min)}, {"max", std::to_string(form.max)}};

  for (const auto& [key, score] : review.scores) {
    const std::string field = "scores." + key;
    if (!keys.count(key)) fields[field] = {"rule.unknown_criterion", {}};
    else if (!std::isfinite(score) || score != std::floor(score)) fields[field] = {"rule.score_not_integer", {}};
    else if (score < form.min || score > form.max) fields[field] = {"rule.score_out_of_range", range};
  }
  for (const auto& [key, text] : review.comments)
    if (!keys.count(key)) fields["comments." + key] = {"rule.unknown_criterion", {}};
  if (review.recommendation &&
      std::find(std::begin(kRecommendations), std::end(kRecommendations), *review.recommendation) ==
          std::end(kRecommendations))
    fields["recommendation"] = {"rule.recommendation_unknown", {}};
  if (review.confidence && (*review.confidence < kMinConfidence || *review.confidence > kMaxConfidence))
    fields["confidence"] = {"rule.confidence_out_of_range",
                            {{"min", std::to_string(kMinConfidence)}, {"max", std::to_string(kMaxConfidence)}}};

  if (for_submission) {
    for (const auto& c : form.criteria) {
      if (!review.scores.count(c.key)) fields["scores." + c.key] = {"rule.score_required", {}};
      if (c.comment_required) {
        auto it = review.comments.find(c.key);
        if (it == review.comments.end() || blank(it->second))
          fields["comments." + c.key] = {"rule.comment_required", {}};
      }
    }
    if (!review.recommendation) fields["recommendation"] = {"rule.recommendation_required", {}};
    if (!review.confidence) fields["confidence"] = {"rule.confidence_required", {}};
  }
  if (!fields.empty()) return invalid_with(std::move(fields));
  return Ok{};
}

double disagreement_threshold(const ScoreForm& form) { return 2.0 * (form.max - form.min) / 9.0; }

std::optional<ReviewTotal> review_total(const ScoreForm& form, const std::map<std::string, double>& scores) {
  ReviewTotal t;
  for (const auto& c : form.criteria) {
    auto it = scores.find(c.key);
    if (it == scores.end()) continue;
    t.terms.push_back({c.key, c.weight, it->second});
    t.weighted_sum += c.weight * it->second;
    t.weight_sum += c.weight;
  }
  if (!(t.weight_sum > 0)) return std::nullopt;
  t.total = t.weighted_sum / t.weight_sum;
  return t;
}

std::vector<RankingRow> rank_entries(const ScoreForm& form, const std::vector<RankEntry>& entries,
                                     const std::vector<RoundReview>& reviews) {
  Computed c = compute(form, entries, reviews);
  std::vector<RankingRow> out;
  out.reserve(c.rows.size());
  for (size_t i : c.order) out.push_back(std::move(c.rows[i]));
  return out;
}

std::optional<Explanation> explain_entry(const ScoreForm& form, const std::vector<RankEntry>& entries,
                                         const std::vector<RoundReview>& reviews, const std::string& entry) {
  auto at = std::find_if(entries.begin(), entries.end(), [&](const RankEntry& e) { return e.id == entry; });
  if (at == entries.end()) return std::nullopt;
  const size_t e = static_cast<size_t>(at - entries.begin());
  Computed c = compute(form, entries, reviews);

  Explanation x;
  x.entry = at->id;
  x.receipt = at->receipt;
  for (size_t i : c.entry_reviews[e]) {
    const auto& r = reviews[i];
    const auto& s = c.experts.at(r.expert);
    ExplainedReview er{r.id, r.expert, *c.totals[i], static_cast<int>(s.totals.size()), s.mean, s.sd, 0};
    er.z = z_of(c, r, er.total.total);
    x.sorted_totals.push_back(er.total.total);
    x.reviews.push_back(std::move(er));
  }
  std::sort(x.sorted_totals.begin(), x.sorted_totals.end());
  if (x.sorted_totals.size() >= 4) x.trimmed_totals.assign(x.sorted_totals.begin() + 1, x.sorted_totals.end() - 1);
  else x.trimmed_totals = x.sorted_totals;
  x.measures = c.rows[e].measures;
  x.disagreement_threshold = disagreement_threshold(form);
  x.rank = c.rows[e].rank;
  x.ranked = static_cast<int>(c.rows.size());
  return x;
}

}  // namespace laurel
