// Affinity through Xapian: see affinity.h for the model (terms, query cap, normalisation).
#include "infra/affinity.h"

#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace laurel::affinity {
namespace {

// BM25 parameters, passed to Xapian explicitly (they are Xapian's defaults) because the ceiling
// below repeats BM25Weight's formula (xapian-core weight/bm25weight.cc, 1.4):
//   score(t) = termweight · wdf / (k1 · (b · normlen + 1 − b) + wdf), normlen = max(len / avlen, min_normlen)
//   termweight = (k1 + 1) · log(idf′) · (k3 + 1) · wqf / (k3 + wqf)
//   idf′ = (N − n + 0.5) / (n + 0.5), replaced by idf′ / 2 + 1 when below 2 (no negative weights)
// and as wdf → ∞ score(t) → termweight, the term's ceiling (k2 = 0: no extra, document-level part).
constexpr double kK1 = 1.0, kK2 = 0.0, kK3 = 1.0, kB = 0.5, kMinNormlen = 0.5;

const std::string kIdPrefix = "Q";      // one boolean term per expert: "Q" + id
const std::string kGroupPrefix = "XC";  // one boolean term per category / committee

// Common English function words: they would only add noise (stemmed words of the profiles and
// entries are what matter). Chinese needs no list: a character in every profile gets idf ≈ 0.
constexpr const char* kEnglishStopWords[] = {
    "a",    "about", "an",    "and",  "are",   "as",    "at",   "be",    "been",  "but",  "by",
    "can",  "for",   "from",  "has",  "have",  "in",    "into", "is",    "it",    "its",  "of",
    "on",   "or",    "our",   "such", "that",  "the",   "their", "these", "this", "those", "to",
    "was",  "we",    "were",  "which", "will", "with",  "within", "i",   "my",    "not",  "also",
};

double idf_prime(double n_docs, double term_docs) {
  double tw = (n_docs - term_docs + 0.5) / (term_docs + 0.5);
  if (tw < 2) tw = tw * 0.5 + 1;
  return std::log(tw);
}

double ceiling_of(double idf, double wqf) { return (kK1 + 1) * idf * (kK3 + 1) * wqf / (kK3 + wqf); }

struct QueryTerm {
  std::string term;
  Xapian::termcount wqf;
  double idf;
  double significance;  // tf × idf
};

[[noreturn]] void rethrow(const Xapian::Error& e) {
  throw std::runtime_error("affinity: Xapian: " + e.get_description());
}

}  // namespace

struct Index::Impl {
  Options options;
  Xapian::WritableDatabase db{std::string(), Xapian::DB_BACKEND_INMEMORY};
  Xapian::SimpleStopper stopper;
  Xapian::TermGenerator generator;
  Xapian::BM25Weight weight{kK1, kK2, kK3, kB, kMinNormlen};
  Xapian::Enquire enquire{db};
  std::vector<std::string> ids;  // by docid − 1
  std::unordered_map<std::string, std::size_t> by_id;

  explicit Impl(Options o) : options(o) {
    for (const char* w : kEnglishStopWords) stopper.add(w);
    generator.set_stemmer(Xapian::Stem("en"));
    generator.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL);  // stemmed, no Z prefix
    generator.set_stopper(&stopper);
    generator.set_stopper_strategy(Xapian::TermGenerator::STOP_ALL);
    generator.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    enquire.set_weighting_scheme(weight);
    enquire.set_docid_order(Xapian::Enquire::ASCENDING);  // ties: the earlier expert first
  }

  void index_text(Xapian::Document& doc, const std::vector<std::string>& texts) {
    generator.set_document(doc);
    for (const auto& t : texts) {
      if (t.empty()) continue;
      generator.index_text_without_positions(t);
    }
  }

  // The entry's most significant terms known to the profiles, and their summed ceiling.
  std::vector<QueryTerm> query_terms(const Entry& entry, double& ceiling) {
    ceiling = 0;
    std::vector<QueryTerm> terms;
    Xapian::Document scratch;
    index_text(scratch, entry.texts);
    const double n_docs = db.get_doccount();
    for (auto it = scratch.termlist_begin(); it != scratch.termlist_end(); ++it) {
      std::string term = *it;
      Xapian::doccount n = db.get_termfreq(term);
      if (n == 0) continue;
      Xapian::termcount wdf = it.get_wdf();
      double idf = idf_prime(n_docs, n);
      terms.push_back({std::move(term), wdf, idf, wdf * idf});
    }
    auto more_significant = [](const QueryTerm& a, const QueryTerm& b) {
      if (a.significance != b.significance) return a.significance > b.significance;
      return a.term < b.term;
    };
    if (terms.size() > options.max_query_terms) {
      std::partial_sort(terms.begin(), terms.begin() + static_cast<std::ptrdiff_t>(options.max_query_terms),
                        terms.end(), more_significant);
      terms.resize(options.max_query_terms);
    }
    for (const auto& t : terms) ceiling += ceiling_of(t.idf, t.wqf);
    return terms;
  }

  // Runs the entry's query, restricted by `filter` (if any), for `count` experts.
  std::vector<Match> search(const Entry& entry, const Xapian::Query* filter, std::size_t count) {
    double ceiling = 0;
    auto terms = query_terms(entry, ceiling);
    if (terms.empty() || ceiling <= 0 || count == 0) return {};
    std::vector<Xapian::Query> parts;
    parts.reserve(terms.size());
    for (const auto& t : terms) parts.emplace_back(t.term, t.wqf);
    Xapian::Query query(Xapian::Query::OP_OR, parts.begin(), parts.end());
    if (filter) query = Xapian::Query(Xapian::Query::OP_FILTER, query, *filter);
    enquire.set_query(query);
    Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(count));
    std::vector<Match> out;
    out.reserve(mset.size());
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      double a = std::clamp(it.get_weight() / ceiling, 0.0, 1.0);
      if (a <= 0) continue;
      std::size_t i = *it - 1;
      out.push_back({i, ids[i], a});
    }
    return out;
  }
};

Index::Index(std::span<const Expert> experts, Options options) try : impl_(std::make_unique<Impl>(options)) {
  impl_->ids.reserve(experts.size());
  for (const auto& e : experts) {
    if (!impl_->by_id.emplace(e.id, impl_->ids.size()).second)
      throw std::invalid_argument("affinity: duplicate expert id " + e.id);
    Xapian::Document doc;
    impl_->index_text(doc, e.texts);
    doc.add_boolean_term(kIdPrefix + e.id);
    for (const auto& g : e.groups) doc.add_boolean_term(kGroupPrefix + g);
    Xapian::docid id = impl_->db.add_document(doc);
    if (id != impl_->ids.size() + 1) throw std::logic_error("affinity: unexpected Xapian docid");
    impl_->ids.push_back(e.id);
  }
  impl_->db.commit();  // a no-op in memory; keeps the statistics current for get_termfreq()
} catch (const Xapian::Error& e) {
  rethrow(e);
}

Index::~Index() = default;
Index::Index(Index&&) noexcept = default;
Index& Index::operator=(Index&&) noexcept = default;

std::size_t Index::size() const { return impl_->ids.size(); }

std::vector<Match> Index::top(const Entry& entry) const {
  try {
    if (!entry.groups) return impl_->search(entry, nullptr, impl_->options.top_n);
    if (entry.groups->empty()) return {};
    std::vector<Xapian::Query> groups;
    for (const auto& g : *entry.groups) groups.emplace_back(kGroupPrefix + g);
    Xapian::Query filter(Xapian::Query::OP_OR, groups.begin(), groups.end());
    return impl_->search(entry, &filter, impl_->options.top_n);
  } catch (const Xapian::Error& e) {
    rethrow(e);
  }
}

double Index::pair(const Entry& entry, std::string_view expert_id) const {
  try {
    if (!impl_->by_id.count(std::string(expert_id))) return 0;
    Xapian::Query filter(kIdPrefix + std::string(expert_id));
    auto m = impl_->search(entry, &filter, 1);
    return m.empty() ? 0 : m.front().affinity;
  } catch (const Xapian::Error& e) {
    rethrow(e);
  }
}

std::vector<std::vector<Match>> top_experts(std::span<const Expert> experts, std::span<const Entry> entries,
                                            Options options) {
  std::vector<std::vector<Match>> out(entries.size());
  unsigned threads = std::max(1u, std::min<unsigned>(options.threads, static_cast<unsigned>(entries.size())));
  auto run = [&](std::size_t from, std::size_t to) {
    Index index(experts, options);
    for (std::size_t i = from; i < to; ++i) out[i] = index.top(entries[i]);
  };
  if (threads <= 1) {
    run(0, entries.size());
    return out;
  }
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(threads);
  std::size_t chunk = (entries.size() + threads - 1) / threads;
  for (unsigned t = 0; t < threads; ++t) {
    std::size_t from = std::min(entries.size(), t * chunk), to = std::min(entries.size(), from + chunk);
    pool.emplace_back([&, t, from, to] {
      try {
        run(from, to);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& th : pool) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return out;
}

}  // namespace laurel::affinity
