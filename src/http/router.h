// Routes: a method and a path pattern ("/api/v1/calls/{slug}") to a handler. Matching fills
// the {name} parameters; a path known under another method answers 405.
// Each route may carry a declaration of the caller's (`Meta`, e.g. who may call it); the router
// only keeps it: table() lists every route with its declaration, or none if it was added without.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace laurel::http {

template <class Handler, class Meta = std::monostate>
class Router {
 public:
  // A route without a declaration: it works, and table() reports it as undeclared.
  void add(std::string method, const std::string& pattern, Handler h) {
    routes_.push_back({std::move(method), pattern, split(pattern), std::move(h), std::nullopt});
  }
  void add(std::string method, const std::string& pattern, Meta meta, Handler h) {
    routes_.push_back({std::move(method), pattern, split(pattern), std::move(h), std::move(meta)});
  }

  struct Entry {
    std::string method;
    std::string pattern;
    std::optional<Meta> meta;
  };
  // Every route in the order added.
  std::vector<Entry> table() const {
    std::vector<Entry> out;
    for (const auto& r : routes_) out.push_back({r.method, r.pattern, r.meta});
    return out;
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
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    std::optional<Meta> meta;
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
