// Countries and regions (ISO 3166-1 alpha-2) with names in en and zh, read from Debian's
// iso-codes package (/usr/share/iso-codes/json and its zh_CN gettext catalogue).
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.h"

namespace laurel {

class Countries {
 public:
  // Throws std::runtime_error when the iso-codes data cannot be read.
  static Countries load(const std::string& json_path = "/usr/share/iso-codes/json/iso_3166-1.json",
                        const std::string& mo_path = "/usr/share/locale/zh_CN/LC_MESSAGES/iso_3166-1.mo");
  bool valid(std::string_view code) const { return names_.count(std::string(code)) > 0; }
  const std::string& name(std::string_view code, Lang lang) const;
  // All codes, sorted by name in `lang` (zh: by code point of the name).
  const std::vector<std::string>& sorted(Lang lang) const { return lang == Lang::zh ? by_zh_ : by_en_; }
  size_t size() const { return names_.size(); }

 private:
  std::map<std::string, Text, std::less<>> names_;
  std::vector<std::string> by_zh_, by_en_;
};

}  // namespace laurel
