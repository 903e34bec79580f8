// Routes: a method and a path pattern ("/api/v1/calls/{slug}") to a handler. Matching fills
// the {name} parameters; a path known under another method answers 405.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace laurel::http {

template <class Handler>
class Router {
 public:
  void add(std::string method, const std::string& pattern, Handler h) {
    routes_.push_back({std::move(method), split(pattern), std::move(h)});
  }
  enum class Outcome { found, not_found, wrong_method };
  struct Match {
    Outcome outcome = Outcome::not_found;
    const Handler* handler = nullptr;
    std::map<std::string, std::string> params;
  };
  Match match(const std::string& method, const std::string& path) const {
    Match m;
    auto parts = split(path);
    for (const auto& r : routes_) {
      std::map<std::string, std::string> params;
      if (!matches(r.segments, parts, params)) continue;
      if (r.method == method || (method == "HEAD" && r.method == "GET")) {
        m.outcome = Outcome::found;
        m.handler = &r.handler;
        m.params = std::move(params);
        return m;
      }
      m.outcome = Outcome::wrong_method;
    }
    return m;
  }

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  static std::vector<std::string> split(const std::string& path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i <= path.size()) {
      size_t j = path.find('/', i);
      if (j == std::string::npos) j = path.size();
      if (j > i) out.push_back(path.substr(i, j - i));
      i = j + 1;
    }
    return out;
  }
  static bool matches(const std::vector<std::string>& pattern, const std::vector<std::string>& parts,
                      std::map<std::string, std::string>& params) {
    if (pattern.size() != parts.size()) return false;
    for (size_t i = 0; i < pattern.size(); ++i) {
      const auto& p = pattern[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') params[p.substr(1, p.size() - 2)] = parts[i];
      else if (p != parts[i]) return false;
    }
    return true;
  }
  std::vector<Route> routes_;
};

}  // namespace laurel::http
