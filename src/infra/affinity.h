// Affinity between award entries and expert profiles (issue 13, point 3): the cost of assigning an
// expert to an entry in the min-cost flow. Bilingual BM25 through Xapian (libxapian-dev 1.4):
//
// - Terms. One Xapian::TermGenerator for both sides, FLAG_CJK_NGRAM: a span of CJK characters
//   gives its unigrams and bigrams (大规模网络 → 大 规 模 网 络 大规 规模 模网 网络); other text gives
//   lower-cased words, stemmed by Xapian::Stem("en") (routing → rout, networks → network), no
//   Z prefix (STEM_ALL), a few English stop words left out. Chinese and English terms do not
//   meet: a Chinese entry and an English-only profile have affinity 0 (no translation).
// - Experts. Each profile (keywords, bio, organisation: every piece in either language) is one
//   document of an in-memory database (DB_BACKEND_INMEMORY), with boolean terms "XC" + group
//   for the categories / committees the expert may review.
// - Query. The entry's texts (titles, summaries, criterion statements) go through the same
//   TermGenerator into a scratch document; its terms that occur in no profile are dropped
//   (they cannot change any score), the rest ranked by tf × idf (idf as BM25 computes it over
//   the profiles), the best `max_query_terms` (64) kept and OR-ed, each with its tf as wqf.
//   Why a cap: a 1,500-character Chinese text has well over a thousand distinct unigrams and bigrams,
//   most of them incidental (a bigram across two words, a common character); every query term
//   costs a posting-list merge per entry, and chance bigram matches are noise. The most
//   significant 64 carry the topic and keep one entry's search at ~0.3 ms (500 profiles).
//   (QueryParser with FLAG_CJK_NGRAM would tokenise the same, but has a parse bug with mixed
//   CJK/non-CJK text fixed only in 1.4.25, and cannot cap by significance.)
// - Candidates. Entry::groups restricts the match to experts holding at least one of those
//   groups (Xapian OP_FILTER on the "XC" terms); the collection statistics stay those of all
//   experts, so an affinity does not depend on the filter.
// - Normalisation: absolute, comparable across the entries of one Index (one pool of experts).
//   affinity = BM25 score / ceiling, where the ceiling is the sum over the entry's query terms of
//   the most a document could get from each (BM25 as wdf → ∞: (k1+1) · idf · (k3+1)·wqf/(k3+wqf)).
//   So an affinity is the weighted share of the entry's significant, pool-known vocabulary that a
//   profile covers, with BM25's saturation; it lies in [0,1) and does not depend on which other
//   experts matched, unlike score / max-in-MSet (which would give every entry a best expert of
//   1.0, however poor the pool is for it). It is not comparable across pools: the ceiling counts
//   only terms some profile has, so a pool knowing more of an entry's words raises its ceiling;
//   likewise an entry with few pool-known terms can reach high affinities on them (those experts
//   are then, correctly, the ones that fit it best). Measured: in the unit tests' five profiles
//   the on-topic experts score 0.44 (zh) and 0.63 (en), the off-topic ones 0.06 and 0; in
//   bench/affinity's synthetic pool an entry's best candidate averages 0.17, a candidate 0.02.
//
// Thread-safety: a Xapian database (and so an Index) must not be used from two threads at once,
// not even for const searches. Build one Index per thread (500 profiles of ~300 characters index
// in ~0.25 s); top_experts() does this itself when Options::threads > 1.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace laurel::affinity {

struct Expert {
  std::string id;                   // unique among the experts of one Index
  std::vector<std::string> texts;   // expertise keywords, bio, organisation… (zh and/or en)
  std::vector<std::string> groups;  // categories / committees the expert may review
};

struct Entry {
  std::string id;
  std::vector<std::string> texts;  // titles, summaries, criterion statements (zh and/or en)
  // Candidates: only experts with at least one of these groups; nullopt = every expert
  // (an empty list = no expert).
  std::optional<std::vector<std::string>> groups;
};

struct Match {
  std::size_t expert = 0;  // index into the experts the Index was built from
  std::string id;          // that expert's id
  double affinity = 0;     // in [0,1]
};

struct Options {
  std::size_t top_n = 200;            // experts returned per entry at most
  std::size_t max_query_terms = 64;   // the entry's most significant terms (tf × idf) queried
  unsigned threads = 1;               // top_experts() only: one Index per thread
};

class Index {
 public:
  // Throws std::invalid_argument on a duplicate expert id, std::runtime_error on a Xapian error.
  explicit Index(std::span<const Expert> experts, Options options = {});
  ~Index();
  Index(Index&&) noexcept;
  Index& operator=(Index&&) noexcept;

  // The entry's best experts among its candidates, best first (ties: the earlier expert first),
  // at most Options::top_n, only those with an affinity > 0. Empty for an entry without text.
  std::vector<Match> top(const Entry& entry) const;
  // The affinity of one pair, ignoring entry.groups (e.g. to show a manual assignment's
  // affinity); 0 for an unknown expert or when there is no common term.
  double pair(const Entry& entry, std::string_view expert_id) const;

  std::size_t size() const;  // number of experts

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// For each entry (same order) its top experts, as Index(experts, options).top(entry); with
// options.threads > 1 the entries are split among that many threads, each with its own Index.
std::vector<std::vector<Match>> top_experts(std::span<const Expert> experts, std::span<const Entry> entries,
                                            Options options = {});

}  // namespace laurel::affinity
