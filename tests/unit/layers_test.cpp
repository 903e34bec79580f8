// The layers of docs/architecture.md, as the sources' own #include lines show them: every
// include of a Laurel header points to the same layer or one below. An upward include fails
// here, naming the file and the line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

// Which layers each layer may include (its own and those below it).
const std::map<std::string, std::set<std::string>>& allowed() {
  static const std::map<std::string, std::set<std::string>> m{
      {"core", {"core"}},
      {"infra", {"core", "infra"}},
      {"store", {"core", "infra", "store"}},
      {"service", {"core", "infra", "store", "service"}},
      {"http", {"http"}},  // the server knows no use case and no database
      {"web", {"core", "infra", "store", "service", "http", "web"}},
      {"app", {"core", "infra", "store", "service", "http", "web", "app"}},
  };
  return m;
}

std::vector<std::string> upward_includes(const std::filesystem::path& src) {
  std::vector<std::string> out;
  static const std::regex include_re(R"re(^\s*#\s*include\s+"([a-z_]+)/[^"]+")re");
  for (const auto& entry : std::filesystem::recursive_directory_iterator(src)) {
    if (!entry.is_regular_file()) continue;
    auto rel = std::filesystem::relative(entry.path(), src);
    std::string layer = rel.begin()->string();
    auto rule = allowed().find(layer);
    if (rule == allowed().end()) {
      out.push_back(rel.string() + ": a folder of src/ that is no layer");
      continue;
    }
    std::ifstream in(entry.path());
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      std::smatch m;
      if (std::regex_search(line, m, include_re) && !rule->second.count(m[1].str()))
        out.push_back(rel.string() + ":" + std::to_string(n) + ": " + layer + " includes " + m[1].str());
    }
  }
  return out;
}

TEST(Layers, EveryIncludePointsToItsOwnLayerOrBelow) {
  auto bad = upward_includes("src");
  std::string list;
  for (const auto& b : bad) list += "\n  " + b;
  EXPECT_TRUE(bad.empty()) << "upward includes:" << list;
}

TEST(Layers, TheCheckFindsAnUpwardInclude) {
  auto dir = std::filesystem::temp_directory_path() / ("laurel-layers-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "core");
  std::ofstream(dir / "core" / "bad.cpp") << "#include \"core/ok.h\"\n#include \"service/env.h\"\n";
  auto bad = upward_includes(dir);
  std::filesystem::remove_all(dir);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_NE(bad[0].find("core/bad.cpp:2: core includes service"), std::string::npos) << bad[0];
}

}  // namespace
