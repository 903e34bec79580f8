// Shared by the unit tests: reference data, files, and readable errors.
#pragma once
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/result.h"
#include "infra/countries.h"
#include "infra/resources.h"

namespace laurel {

inline const Countries& countries() {
  static const Countries c = Countries::load();
  return c;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string describe(const Error& e) {
  std::string out = e.code + " (" + e.message.key + ")";
  for (const auto& [k, v] : e.message.params) out += " " + k + "=" + v;
  for (const auto& [k, m] : e.fields) out += " [" + k + ": " + m.key + "]";
  return out;
}

inline std::vector<std::string> common_passwords() { return resources::common_passwords(); }

}  // namespace laurel
