// Affinity benchmark (issue 13: "affinity for 2,000 entries × 500 experts under 10 s"): builds
// synthetic but realistic mixed zh/en texts, runs laurel::affinity::top_experts, prints the total
// time and the peak RSS. Run through bench/affinity (it builds this program first).
//   build/bench_affinity [--entries 2000] [--experts 500] [--top 200] [--terms 64] [--threads 1]
//                        [--entry-chars 1500] [--profile-chars 300] [--groups 10] [--seed 1]
// Texts: a vocabulary of ~3,000 Chinese words (two to four characters drawn from ~2,000 common
// characters), ~2,000 English words (and their -s / -ing / -ed forms), organised in 40 topics.
// A text picks a topic (an expert one or two), draws 60 % of its words from that topic's share of
// the vocabulary and the rest from everywhere, in Chinese (about two thirds of the texts), English,
// or both; entries ~1,500 characters, profiles ~300. Every expert is in 1–3 of 10 groups; an entry
// queries one group (its category), so the filter is part of the measurement.
#include "infra/affinity.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using laurel::affinity::Entry;
using laurel::affinity::Expert;

struct Vocabulary {
  std::vector<std::string> zh, en;
};

std::string utf8(char32_t c) {
  std::string s;
  if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
  } else {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  }
  s += static_cast<char>(0x80 | (c & 0x3F));
  return s;
}

Vocabulary vocabulary(std::mt19937_64& rng) {
  Vocabulary v;
  // ~2,000 characters of the CJK Unified Ideographs block (U+4E00…), Zipf-like reuse below.
  std::vector<std::string> chars;
  for (int i = 0; i < 2000; ++i) chars.push_back(utf8(0x4E00 + static_cast<char32_t>(i * 7 % 20000)));
  std::uniform_int_distribution<int> len(2, 4);
  std::geometric_distribution<int> common(0.004);  // frequent characters come back often
  for (int w = 0; w < 3000; ++w) {
    std::string word;
    for (int k = len(rng); k > 0; --k) word += chars[static_cast<std::size_t>(common(rng)) % chars.size()];
    v.zh.push_back(word);
  }
  const char* syllables[] = {"ro", "ut", "net", "work", "al", "go", "rith", "soil", "agr", "crop", "mat", "er",
                             "bio", "gen", "chem", "phys", "dyn", "sys", "tem", "data", "learn", "graph", "opt",
                             "struct", "ion", "cell", "tis", "sue", "med", "pol", "ym", "nan", "tech", "en", "ergy"};
  std::uniform_int_distribution<std::size_t> syl(0, std::size(syllables) - 1);
  const char* suffixes[] = {"", "", "", "s", "ing", "ed"};
  std::uniform_int_distribution<std::size_t> suf(0, std::size(suffixes) - 1);
  for (int w = 0; w < 2000; ++w) {
    std::string word;
    for (int k = len(rng); k > 0; --k) word += syllables[syl(rng)];
    v.en.push_back(word + suffixes[suf(rng)]);
  }
  return v;
}

constexpr int kTopics = 40;

// About `chars` characters of text on `topic`, in Chinese (lang 0), English (1) or both (2).
std::string text(const Vocabulary& v, int topic, int lang, std::size_t chars, std::mt19937_64& rng) {
  std::string out;
  std::size_t n = 0;  // characters so far (a Chinese character counts one)
  std::bernoulli_distribution on_topic(0.6), english(lang == 1 ? 1.0 : lang == 2 ? 0.4 : 0.0);
  std::bernoulli_distribution stop(0.08);
  while (n < chars) {
    bool en = english(rng);
    const auto& words = en ? v.en : v.zh;
    std::size_t share = words.size() / kTopics;
    std::size_t i = on_topic(rng) ? static_cast<std::size_t>(topic) * share + rng() % share : rng() % words.size();
    const std::string& w = words[i];
    if (en) {
      if (!out.empty()) out += ' ';
      out += w;
      n += w.size() + 1;
      if (stop(rng)) { out += ". The"; n += 5; }
    } else {
      out += w;
      n += w.size() / 3;
      if (stop(rng)) { out += "，"; ++n; }
    }
  }
  return out;
}

long arg(int argc, char** argv, const char* name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atol(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const long n_entries = arg(argc, argv, "--entries", 2000), n_experts = arg(argc, argv, "--experts", 500);
  const long entry_chars = arg(argc, argv, "--entry-chars", 1500), profile_chars = arg(argc, argv, "--profile-chars", 300);
  const long n_groups = arg(argc, argv, "--groups", 10), seed = arg(argc, argv, "--seed", 1);
  laurel::affinity::Options options;
  options.top_n = static_cast<std::size_t>(arg(argc, argv, "--top", 200));
  options.max_query_terms = static_cast<std::size_t>(arg(argc, argv, "--terms", 64));
  options.threads = static_cast<unsigned>(arg(argc, argv, "--threads", 1));

  std::mt19937_64 rng(static_cast<std::uint64_t>(seed));
  auto t0 = std::chrono::steady_clock::now();
  Vocabulary v = vocabulary(rng);
  std::discrete_distribution<int> lang({60, 25, 15});  // zh, en, both
  std::uniform_int_distribution<int> topic(0, kTopics - 1);
  std::vector<Expert> experts;
  std::size_t text_bytes = 0;
  for (long i = 0; i < n_experts; ++i) {
    Expert e{"x" + std::to_string(i), {}, {}};
    int l = lang(rng), t = topic(rng);
    e.texts.push_back(text(v, t, l, static_cast<std::size_t>(profile_chars) / 6, rng));          // keywords
    e.texts.push_back(text(v, rng() % 2 ? t : topic(rng), l, static_cast<std::size_t>(profile_chars) * 5 / 6, rng));  // bio
    for (int g = 1 + static_cast<int>(rng() % 3); g > 0; --g) e.groups.push_back("g" + std::to_string(rng() % n_groups));
    for (const auto& s : e.texts) text_bytes += s.size();
    experts.push_back(std::move(e));
  }
  std::vector<Entry> entries;
  for (long i = 0; i < n_entries; ++i) {
    Entry e{"e" + std::to_string(i), {}, std::vector<std::string>{"g" + std::to_string(rng() % n_groups)}};
    int l = lang(rng), t = topic(rng);
    auto c = static_cast<std::size_t>(entry_chars);
    e.texts.push_back(text(v, t, l, c / 30, rng));      // title
    e.texts.push_back(text(v, t, l, c * 2 / 5, rng));   // summary
    for (int k = 0; k < 3; ++k) e.texts.push_back(text(v, t, l, c / 6, rng));  // criterion statements
    for (const auto& s : e.texts) text_bytes += s.size();
    entries.push_back(std::move(e));
  }
  auto t1 = std::chrono::steady_clock::now();
  auto result = laurel::affinity::top_experts(experts, entries, options);
  auto t2 = std::chrono::steady_clock::now();

  std::size_t matches = 0;
  double sum = 0, best = 0;
  for (const auto& r : result) {
    matches += r.size();
    for (const auto& m : r) sum += m.affinity;
    if (!r.empty()) best += r.front().affinity;
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double gen_s = std::chrono::duration<double>(t1 - t0).count(), aff_s = std::chrono::duration<double>(t2 - t1).count();
  std::printf("affinity: %ld entries x %ld experts, top %zu, %zu query terms, %u thread(s)\n", n_entries, n_experts,
              options.top_n, options.max_query_terms, options.threads);
  std::printf("  texts generated in %.2f s (%.1f MiB of UTF-8)\n", gen_s, text_bytes / 1048576.0);
  std::printf("  affinity (index + %ld queries): %.2f s (%.2f ms an entry)  goal < 10 s: %s\n", n_entries, aff_s,
              1000 * aff_s / static_cast<double>(std::max(1L, n_entries)), aff_s < 10 ? "met" : "MISSED");
  std::printf("  matches %zu (%.1f an entry), mean affinity %.3f, mean best %.3f\n", matches,
              static_cast<double>(matches) / static_cast<double>(std::max(1L, n_entries)),
              matches ? sum / static_cast<double>(matches) : 0.0, best / static_cast<double>(std::max(1L, n_entries)));
  std::printf("  peak RSS %.1f MiB (whole process, texts included)\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
  std::printf("  reproduce: bench/affinity");
  for (int i = 1; i < argc; ++i) std::printf(" %s", argv[i]);
  std::printf("\n");
  return aff_s < 10 ? 0 : 1;
}
