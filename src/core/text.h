// Lang and Text: user-visible text stored per language, side by side (zh and en).
#pragma once
#include <string>
#include <string_view>

namespace laurel {

enum class Lang { zh, en };

inline std::string_view lang_tag(Lang l) { return l == Lang::zh ? "zh-CN" : "en"; }
inline std::string_view lang_code(Lang l) { return l == Lang::zh ? "zh" : "en"; }

struct Text {
  std::string zh;
  std::string en;
  // The text in `l`, falling back to the other language when that one is empty.
  const std::string& in(Lang l) const {
    const std::string& a = l == Lang::zh ? zh : en;
    return a.empty() ? (l == Lang::zh ? en : zh) : a;
  }
  bool operator==(const Text&) const = default;
};

}  // namespace laurel
