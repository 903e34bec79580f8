#include "infra/resources.h"

#include <sstream>

namespace laurel::resources {

std::vector<std::string> common_passwords() {
  std::vector<std::string> out;
  std::istringstream in(std::string(find("config/common-passwords.txt").value_or("")));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

}  // namespace laurel::resources
