#include "http/message.h"

#include <boost/url.hpp>

namespace laurel::http {

std::string Request::header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}
std::string Request::cookie(std::string_view name) const {
  auto it = cookies.find(std::string(name));
  return it == cookies.end() ? std::string() : it->second;
}
std::string Request::query_param(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? std::string() : it->second;
}
std::string Request::param(std::string_view name) const {
  auto it = params.find(std::string(name));
  return it == params.end() ? std::string() : it->second;
}

Response& Response::set(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}
Response Response::html(std::string body, int status) {
  Response r{status, {}, std::move(body)};
  r.set("Content-Type", "text/html; charset=utf-8");
  return r;
}
Response Response::text(std::string body, int status) {
  Response r{status, {}, std::move(body)};
  r.set("Content-Type", "text/plain; charset=utf-8");
  return r;
}
Response Response::json(std::string body, int status) {
  Response r{status, {}, std::move(body)};
  r.set("Content-Type", "application/json; charset=utf-8");
  return r;
}
Response Response::redirect(std::string location, int status) {
  Response r{status, {}, {}};
  r.set("Location", std::move(location));
  return r;
}

std::optional<std::multimap<std::string, std::string>> parse_form(std::string_view body) {
  std::multimap<std::string, std::string> out;
  // Boost 1.81's parse_query measures its input again with strlen (query_ref(s.data(), …)): it
  // must be NUL-terminated, which a string_view need not be.
  if (body.empty()) return out;
  const std::string text(body);
  auto params = boost::urls::parse_query(text);
  if (!params) return std::nullopt;
  boost::urls::encoding_opts opt(true);  // '+' is a space in form bodies
  for (auto p : *params) {
    boost::urls::decode_view k(p.key, opt), v(p.value, opt);
    out.emplace(std::string(k.begin(), k.end()), std::string(v.begin(), v.end()));
  }
  return out;
}

std::map<std::string, std::string> parse_cookies(std::string_view h) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i < h.size()) {
    size_t end = h.find(';', i);
    if (end == std::string_view::npos) end = h.size();
    auto part = h.substr(i, end - i);
    auto eq = part.find('=');
    if (eq != std::string_view::npos) {
      auto trim = [](std::string_view s) {
        while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
        while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
        return s;
      };
      out.emplace(std::string(trim(part.substr(0, eq))), std::string(trim(part.substr(eq + 1))));
    }
    i = end + 1;
  }
  return out;
}

std::string url_encode(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

std::string cookie_header(std::string_view name, std::string_view value, long max_age, bool http_only) {
  std::string c = std::string(name) + "=" + std::string(value) + "; Path=/; SameSite=Lax";
  if (http_only) c += "; HttpOnly";
  c += "; Max-Age=" + std::to_string(max_age);
  return c;
}

}  // namespace laurel::http
