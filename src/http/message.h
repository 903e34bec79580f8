// Request and Response: what handlers see of HTTP. Beast stays inside http/server.cpp.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace laurel::http {

struct Request {
  std::string method;  // "GET", "POST", …
  std::string target;  // as sent: path and query
  std::string path;    // percent-decoded path
  std::multimap<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;       // lower-case names
  std::map<std::string, std::string> cookies;
  std::map<std::string, std::string> params;        // from the route pattern, e.g. {slug}
  std::string body;
  std::string remote;  // peer address
  std::string id;      // request id, for logs

  std::string header(std::string_view name) const;
  std::string cookie(std::string_view name) const;
  std::string query_param(std::string_view name) const;
  std::string param(std::string_view name) const;
};

// Part of a file on disk sent as the body, read in pieces (never whole into memory).
struct FileSlice {
  std::string path;
  long long offset = 0, length = 0;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<FileSlice> file;  // when set, the body is these bytes instead of `body`

  Response& set(std::string name, std::string value);
  static Response html(std::string body, int status = 200);
  static Response text(std::string body, int status = 200);
  static Response json(std::string body, int status = 200);
  static Response redirect(std::string location, int status = 303);
};

// Parsing helpers (Boost.URL underneath).
std::optional<std::multimap<std::string, std::string>> parse_form(std::string_view body);  // urlencoded; nullopt if malformed
std::map<std::string, std::string> parse_cookies(std::string_view header);
std::string url_encode(std::string_view s);
std::string cookie_header(std::string_view name, std::string_view value, long max_age_seconds, bool http_only = true);

}  // namespace laurel::http
