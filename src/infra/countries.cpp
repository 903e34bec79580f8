#include "infra/countries.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include <unicode/coll.h>
#include <unicode/unistr.h>
#include <memory>

namespace laurel {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + " (install Debian's iso-codes package)");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A GNU gettext .mo catalogue: msgid -> msgstr.
std::unordered_map<std::string, std::string> read_mo(const std::string& path) {
  std::string d = read_file(path);
  auto u32 = [&](size_t off) {
    if (off + 4 > d.size()) throw std::runtime_error("truncated catalogue " + path);
    uint32_t v;
    std::memcpy(&v, d.data() + off, 4);
    return v;
  };
  if (u32(0) != 0x950412de) throw std::runtime_error("not a little-endian .mo file: " + path);
  uint32_t n = u32(8), orig = u32(12), trans = u32(16);
  std::unordered_map<std::string, std::string> out;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t ol = u32(orig + 8 * i), oo = u32(orig + 8 * i + 4);
    uint32_t tl = u32(trans + 8 * i), to = u32(trans + 8 * i + 4);
    if (size_t(oo) + ol > d.size() || size_t(to) + tl > d.size()) throw std::runtime_error("corrupt catalogue " + path);
    out.emplace(d.substr(oo, ol), d.substr(to, tl));
  }
  return out;
}

}  // namespace

Countries Countries::load(const std::string& json_path, const std::string& mo_path) {
  auto j = nlohmann::json::parse(read_file(json_path));
  auto zh = read_mo(mo_path);
  Countries c;
  for (const auto& e : j.at("3166-1")) {
    std::string code = e.at("alpha_2");
    std::string en = e.value("common_name", e.at("name").get<std::string>());
    auto it = zh.find(e.at("name").get<std::string>());
    Text t{it != zh.end() && !it->second.empty() ? it->second : en, en};
    c.names_.emplace(code, t);
  }
  // Regions of China are named as the organiser's official usage requires.
  const std::pair<const char*, Text> regions[] = {{"HK", {"中国香港", "Hong Kong, China"}},
                                                  {"MO", {"中国澳门", "Macao, China"}},
                                                  {"TW", {"中国台湾", "Taiwan, China"}}};
  for (const auto& [code, t] : regions)
    if (c.names_.count(code)) c.names_[code] = t;
  for (const auto& [code, t] : c.names_) c.by_en_.push_back(code), c.by_zh_.push_back(code);
  std::sort(c.by_en_.begin(), c.by_en_.end(), [&](auto& a, auto& b) { return c.names_[a].en < c.names_[b].en; });
  // Chinese names in pinyin order (ICU's zh collation), falling back to code points.
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::Collator> coll(icu::Collator::createInstance(icu::Locale("zh"), status));
  if (U_SUCCESS(status) && coll) {
    std::sort(c.by_zh_.begin(), c.by_zh_.end(), [&](auto& a, auto& b) {
      UErrorCode st = U_ZERO_ERROR;
      return coll->compareUTF8(c.names_[a].zh, c.names_[b].zh, st) == UCOL_LESS;
    });
  } else {
    std::sort(c.by_zh_.begin(), c.by_zh_.end(), [&](auto& a, auto& b) { return c.names_[a].zh < c.names_[b].zh; });
  }
  return c;
}

const std::string& Countries::name(std::string_view code, Lang lang) const {
  static const std::string empty;
  auto it = names_.find(code);
  if (it == names_.end()) return empty;
  return lang == Lang::zh ? it->second.zh : it->second.en;
}

}  // namespace laurel
