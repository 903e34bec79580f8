// Affinity (infra/affinity.h): bilingual BM25 through Xapian between entries and expert profiles.
#include "infra/affinity.h"

#include <gtest/gtest.h>
#include <xapian.h>

#include <algorithm>

namespace laurel::affinity {
namespace {

const Expert kZhRouting{"zh-routing",
                        {"网络路由算法；软件定义网络；数据中心网络",
                         "长期从事大规模网络路由算法与网络优化研究，主持多项国家网络通信项目。", "清华大学"},
                        {"tech"}};
const Expert kZhSoil{"zh-soil",
                     {"农业土壤；土壤肥力；作物栽培",
                      "从事农业土壤改良与土壤肥力研究，研究农田土壤的养分循环和作物产量。", "中国农业大学"},
                     {"agri"}};
const Expert kEnRouting{"en-routing",
                        {"network routing; routing algorithms; software-defined networking",
                         "Professor working on routing protocols for large-scale networks and traffic engineering.",
                         "Example Institute of Technology"},
                        {"tech"}};
const Expert kEnSoil{"en-soil",
                     {"soil science; soil fertility; crop nutrition",
                      "Researcher in agricultural soil science, studying nutrient cycles in farm soils.",
                      "Example Agricultural University"},
                     {"agri"}};
const Expert kMixed{"mixed",
                    {"网络路由 routing", "研究大规模网络的路由优化 (network optimisation, routing protocols)."},
                    {"tech"}};

const Entry kZhEntry{"e-zh",
                     {"面向大规模网络的智能路由系统",
                      "本项目提出一种大规模网络路由算法，在数据中心网络和广域网中降低路由收敛时间，提升网络吞吐量。"}};
const Entry kEnEntry{"e-en",
                     {"Intelligent routing for large-scale networks",
                      "We propose a routing algorithm that reduces convergence time in large networks and improves "
                      "the throughput of routed traffic."}};

std::vector<Expert> pool() { return {kZhRouting, kZhSoil, kEnRouting, kEnSoil, kMixed}; }

double of(const std::vector<Match>& matches, const std::string& id) {
  for (const auto& m : matches)
    if (m.id == id) return m.affinity;
  return 0;
}

TEST(Affinity, EnglishStemmerAndCjkNgramsAreWhatXapianGives) {
  EXPECT_EQ(Xapian::Stem("en")("routing"), "rout");
  EXPECT_EQ(Xapian::Stem("en")("routes"), "rout");
  Xapian::TermGenerator g;
  g.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
  Xapian::Document doc;
  g.set_document(doc);
  g.index_text_without_positions("网络路由");
  std::vector<std::string> terms(doc.termlist_begin(), doc.termlist_end());
  EXPECT_EQ(terms, (std::vector<std::string>{"由", "络", "络路", "网", "网络", "路", "路由"}));
}

TEST(Affinity, ChineseEntryPrefersTheChineseExpertOnTheSameTopic) {
  Index index(pool());
  auto top = index.top(kZhEntry);
  ASSERT_FALSE(top.empty());
  double routing = of(top, "zh-routing"), soil = of(top, "zh-soil");
  EXPECT_GT(routing, 0.1);
  EXPECT_GT(routing, 3 * soil) << routing << " vs " << soil;
  EXPECT_NE(top.front().id, "zh-soil");
  EXPECT_DOUBLE_EQ(index.pair(kZhEntry, "zh-routing"), routing);
  EXPECT_DOUBLE_EQ(index.pair(kZhEntry, "zh-soil"), soil);
  // No translation: an English-only profile shares no term with a Chinese-only entry.
  EXPECT_EQ(index.pair(kZhEntry, "en-routing"), 0);
  EXPECT_EQ(index.pair(kZhEntry, "en-soil"), 0);
}

TEST(Affinity, EnglishEntryPrefersTheEnglishExpertOnTheSameTopic) {
  Index index(pool());
  auto top = index.top(kEnEntry);
  double routing = of(top, "en-routing"), soil = of(top, "en-soil");
  EXPECT_GT(routing, 0.1);
  EXPECT_GT(routing, 3 * soil) << routing << " vs " << soil;
  EXPECT_EQ(index.pair(kEnEntry, "zh-routing"), 0);
  // "routing" / "routed" / "routes" meet through the stemmer.
  Index one(std::vector<Expert>{{"x", {"routes"}, {}}, {"y", {"gardens"}, {}}});
  EXPECT_GT(one.pair(Entry{"e", {"routed"}}, "x"), 0);
}

TEST(Affinity, AMixedProfileMatchesEntriesInBothLanguages) {
  Index index(pool());
  EXPECT_GT(index.pair(kZhEntry, "mixed"), 0.1);
  EXPECT_GT(index.pair(kEnEntry, "mixed"), 0.1);
  EXPECT_GT(index.pair(kZhEntry, "mixed"), 3 * index.pair(kZhEntry, "zh-soil"));
  EXPECT_GT(index.pair(kEnEntry, "mixed"), 3 * index.pair(kEnEntry, "en-soil"));
  Entry both{"e-both", {kZhEntry.texts[0], kEnEntry.texts[0], kZhEntry.texts[1], kEnEntry.texts[1]}};
  auto top = index.top(both);
  ASSERT_GE(top.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)  // the three routing profiles first, whatever their language
    EXPECT_TRUE(top[i].id == "zh-routing" || top[i].id == "en-routing" || top[i].id == "mixed") << top[i].id;
}

TEST(Affinity, GroupsRestrictTheCandidates) {
  Index index(pool());
  Entry agri = kZhEntry;
  agri.groups = std::vector<std::string>{"agri"};
  auto top = index.top(agri);
  for (const auto& m : top) EXPECT_TRUE(m.id == "zh-soil" || m.id == "en-soil") << m.id;
  // The filter does not change an affinity (collection statistics are all experts').
  EXPECT_DOUBLE_EQ(of(top, "zh-soil"), index.pair(kZhEntry, "zh-soil"));
  Entry tech = kZhEntry;
  tech.groups = std::vector<std::string>{"tech", "nothing"};
  for (const auto& m : index.top(tech)) EXPECT_NE(m.id, "zh-soil");
  Entry none = kZhEntry;
  none.groups = std::vector<std::string>{};
  EXPECT_TRUE(index.top(none).empty());
}

TEST(Affinity, EmptyTextsGiveZeroWithoutCrashing) {
  Index index(pool());
  EXPECT_TRUE(index.top(Entry{"empty", {}}).empty());
  EXPECT_TRUE(index.top(Entry{"blank", {"", "   ", "，。！"}}).empty());
  EXPECT_EQ(index.pair(Entry{"empty", {}}, "zh-routing"), 0);
  EXPECT_EQ(index.pair(kZhEntry, "no-such-expert"), 0);
  Index nobody(std::vector<Expert>{});
  EXPECT_EQ(nobody.size(), 0u);
  EXPECT_TRUE(nobody.top(kZhEntry).empty());
  Index blank(std::vector<Expert>{{"a", {}, {}}, {"b", {""}, {}}});
  EXPECT_TRUE(blank.top(kZhEntry).empty());
  EXPECT_EQ(blank.pair(kZhEntry, "a"), 0);
}

TEST(Affinity, DuplicateExpertIdsAreRefused) {
  EXPECT_THROW(Index(std::vector<Expert>{{"a", {"x"}, {}}, {"a", {"y"}, {}}}), std::invalid_argument);
}

TEST(Affinity, AffinitiesLieInZeroOneSortedAndCapped) {
  std::vector<Expert> experts = pool();
  // The entry's own text as a profile: the best possible, still below 1.
  experts.push_back({"self", kZhEntry.texts, {}});
  experts.push_back({"twice", {kZhEntry.texts[0] + kZhEntry.texts[1] + kZhEntry.texts[1]}, {}});
  Index index(experts);
  for (const auto& entry : {kZhEntry, kEnEntry}) {
    auto top = index.top(entry);
    for (std::size_t i = 0; i < top.size(); ++i) {
      EXPECT_GT(top[i].affinity, 0);
      EXPECT_LE(top[i].affinity, 1);
      EXPECT_EQ(experts[top[i].expert].id, top[i].id);
      if (i) {
        EXPECT_GE(top[i - 1].affinity, top[i].affinity);
      }
    }
  }
  EXPECT_GT(index.pair(kZhEntry, "self"), index.pair(kZhEntry, "zh-routing"));
  Options two;
  two.top_n = 2;
  EXPECT_EQ(Index(experts, two).top(kZhEntry).size(), 2u);
}

TEST(Affinity, TopExpertsWithThreadsEqualsOneIndex) {
  std::vector<Entry> entries{kZhEntry, kEnEntry, Entry{"empty", {}}, kZhEntry, kEnEntry};
  auto one = top_experts(pool(), entries);
  Options o;
  o.threads = 2;
  auto two = top_experts(pool(), entries, o);
  ASSERT_EQ(one.size(), entries.size());
  ASSERT_EQ(two.size(), entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    ASSERT_EQ(one[i].size(), two[i].size());
    for (std::size_t j = 0; j < one[i].size(); ++j) {
      EXPECT_EQ(one[i][j].id, two[i][j].id);
      EXPECT_DOUBLE_EQ(one[i][j].affinity, two[i][j].affinity);
    }
  }
  EXPECT_TRUE(one[2].empty());
}

}  // namespace
}  // namespace laurel::affinity
