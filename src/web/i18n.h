// Translations: every user-visible string, keyed, in zh-CN and en (i18n/*.json, compiled in).
// Keys are dotted paths ("error.deadline_passed"); {name} in a text is replaced by a parameter
// (a parameter "@key" by the text of that key).
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/result.h"
#include "core/text.h"
#include "http/message.h"

namespace laurel::web {

class I18n {
 public:
  I18n();  // loads both catalogues; throws if either is missing or they hold different keys
  // The text of `key` (the key itself when missing, so a gap shows instead of breaking).
  std::string t(Lang lang, std::string_view key, const std::map<std::string, std::string>& params = {}) const;
  std::string t(Lang lang, const Message& m) const { return t(lang, m.key, m.params); }
  const nlohmann::json& tree(Lang lang) const { return lang == Lang::zh ? zh_ : en_; }

 private:
  nlohmann::json zh_, en_;
  std::map<std::string, std::string, std::less<>> flat_zh_, flat_en_;
};

// zh unless the cookie laurel_lang or Accept-Language asks for English.
Lang choose_lang(const http::Request& req);

}  // namespace laurel::web
