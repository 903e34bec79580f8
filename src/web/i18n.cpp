#include "web/i18n.h"

#include <stdexcept>

#include "infra/resources.h"

namespace laurel::web {
namespace {

void flatten(const nlohmann::json& j, const std::string& prefix, std::map<std::string, std::string, std::less<>>& out) {
  for (const auto& [k, v] : j.items()) {
    std::string key = prefix.empty() ? k : prefix + "." + k;
    if (v.is_object()) flatten(v, key, out);
    else if (v.is_string()) out[key] = v.get<std::string>();
  }
}

nlohmann::json load(const char* path) {
  auto text = resources::find(path);
  if (!text) throw std::runtime_error(std::string("missing translation catalogue ") + path);
  return nlohmann::json::parse(*text);
}

}  // namespace

I18n::I18n() : zh_(load("i18n/zh-CN.json")), en_(load("i18n/en.json")) {
  flatten(zh_, "", flat_zh_);
  flatten(en_, "", flat_en_);
  for (const auto& [k, v] : flat_zh_)
    if (!flat_en_.count(k)) throw std::runtime_error("i18n key only in zh-CN: " + k);
  for (const auto& [k, v] : flat_en_)
    if (!flat_zh_.count(k)) throw std::runtime_error("i18n key only in en: " + k);
}

std::string I18n::t(Lang lang, std::string_view key, const std::map<std::string, std::string>& params) const {
  const auto& flat = lang == Lang::zh ? flat_zh_ : flat_en_;
  auto it = flat.find(key);
  std::string s = it == flat.end() ? std::string(key) : it->second;
  for (const auto& [name, raw] : params) {
    // A parameter "@key" is itself translated (e.g. a material kind's name).
    std::string value = raw.size() > 1 && raw[0] == '@' ? t(lang, std::string_view(raw).substr(1)) : raw;
    std::string pat = "{" + name + "}";
    for (size_t pos = s.find(pat); pos != std::string::npos; pos = s.find(pat, pos + value.size()))
      s.replace(pos, pat.size(), value);
  }
  return s;
}

Lang choose_lang(const http::Request& req) {
  std::string c = req.cookie("laurel_lang");
  if (c == "en") return Lang::en;
  if (c == "zh" || c == "zh-CN") return Lang::zh;
  std::string al = req.header("accept-language");
  // The first language tag that we have, in the order the browser gives (q-values are
  // nearly always descending in practice).
  size_t i = 0;
  while (i < al.size()) {
    size_t end = al.find(',', i);
    if (end == std::string::npos) end = al.size();
    std::string tag = al.substr(i, end - i);
    auto semi = tag.find(';');
    if (semi != std::string::npos) tag = tag.substr(0, semi);
    while (!tag.empty() && tag.front() == ' ') tag.erase(0, 1);
    for (auto& ch : tag) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    if (tag.rfind("zh", 0) == 0) return Lang::zh;
    if (tag.rfind("en", 0) == 0) return Lang::en;
    i = end + 1;
  }
  return Lang::zh;
}

}  // namespace laurel::web
