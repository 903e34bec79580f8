// Files compiled into the binary (templates/, i18n/, static/, migrations/, config/), by path
// relative to the repository root, e.g. "templates/home.html". See cmake/embed.cmake.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace laurel::resources {

const std::map<std::string, std::string_view, std::less<>>& all();

inline std::optional<std::string_view> find(std::string_view path) {
  const auto& m = all();
  auto it = m.find(path);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

// The common-password list (config/common-passwords.txt), one lower-case password a line.
std::vector<std::string> common_passwords();

}  // namespace laurel::resources
