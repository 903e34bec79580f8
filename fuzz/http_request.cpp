// The HTTP request head path of src/http/server.cpp: Beast's request_parser with the server's
// limits (head 16 KiB, body 1 MiB, set after the head as the server does), then what the server
// does with a head (to_request_head): parse_origin_form, the query parameters, lower-case header
// names (repeated headers joined) and the cookies.
//
// Invariants: the parse does not depend on how the bytes arrive (whole, or in small pieces as
// from a socket); a parsed head is within the limits; the target of a good origin-form starts
// with '/'; every cookie name and value is trimmed and holds no ';'.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url.hpp>

#include <cctype>
#include <map>
#include <string>
#include <string_view>

#include "check.h"
#include "http/message.h"

namespace bhttp = boost::beast::http;

namespace {

constexpr std::uint32_t kHeaderLimit = 16 << 10;  // ServerOptions::max_header_bytes
constexpr std::uint64_t kBodyLimit = 1 << 20;     // ServerOptions::max_body_bytes

struct Parsed {
  bool ok = false;           // a complete message
  bool header_done = false;  // the head was read
  std::string method, target, body;
  std::vector<std::pair<std::string, std::string>> fields;
  bool operator==(const Parsed&) const = default;
};

// Feeds `in` to a parser `chunk` bytes at a time (0: all at once), the way async_read_header and
// async_read do: bytes accumulate in a buffer until the parser consumes them.
Parsed parse(std::string_view in, size_t chunk) {
  Parsed out;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(boost::none);  // set after the head, as the server does
  std::string buf;
  size_t pos = 0;
  boost::beast::error_code ec;
  for (;;) {
    if (!buf.empty()) {
      size_t n = parser.put(boost::asio::buffer(buf), ec);
      buf.erase(0, n);
      if (ec == bhttp::error::need_more) ec = {};
      else if (ec) return out;
      if (parser.is_header_done() && !out.header_done) {
        out.header_done = true;
        parser.body_limit(kBodyLimit);
        parser.eager(true);
        if (parser.content_length() && *parser.content_length() > kBodyLimit) return out;  // 413
      }
      if (parser.is_done()) break;
      if (n > 0) continue;
    }
    if (pos == in.size()) {  // the client closed the connection
      if (!parser.got_some()) return out;  // before a byte: async_read answers end_of_stream
      parser.put_eof(ec);
      if (ec || !parser.is_done()) return out;
      break;
    }
    size_t take = chunk == 0 ? in.size() - pos : std::min(chunk, in.size() - pos);
    buf.append(in.substr(pos, take));
    pos += take;
  }
  const auto& m = parser.get();
  out.ok = true;
  out.method = std::string(m.method_string());
  out.target = std::string(m.target());
  out.body = m.body();
  for (const auto& f : m) out.fields.emplace_back(std::string(f.name_string()), std::string(f.value()));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void check_trimmed(std::string_view s) {
  FUZZ_CHECK(s.find(';') == std::string_view::npos);
  FUZZ_CHECK(s.empty() || (s.front() != ' ' && s.back() != ' '));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Parsed whole = parse(in, 0);
  // The same bytes in small pieces (as a slow client sends them) parse to the same message.
  if (size <= 4096) {
    Parsed pieces = parse(in, 7);
    FUZZ_CHECK(pieces.ok == whole.ok);
    if (whole.ok) FUZZ_CHECK(pieces == whole);
  }
  if (!whole.ok) return 0;
  FUZZ_CHECK(whole.target.size() <= kHeaderLimit);
  FUZZ_CHECK(whole.body.size() <= kBodyLimit);

  // to_request_head (src/http/server.cpp)
  laurel::http::Request r;
  r.method = whole.method;
  r.target = whole.target;
  auto url = boost::urls::parse_origin_form(r.target);
  if (!url) return 0;  // the server answers 400
  FUZZ_CHECK(!url->encoded_path().empty() && url->encoded_path().front() == '/');
  r.path = url->path();
  for (auto p : url->params()) r.query.emplace(p.key, p.value);
  FUZZ_CHECK(r.query.size() <= r.target.size());
  for (const auto& [name, value] : whole.fields) {
    std::string n = lower(name);
    for (char c : n) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
    auto [it, fresh] = r.headers.emplace(n, value);
    if (!fresh) it->second += (n == "cookie" ? "; " : ", ") + value;
  }
  r.cookies = laurel::http::parse_cookies(r.header("cookie"));
  for (const auto& [k, v] : r.cookies) {
    check_trimmed(k);
    check_trimmed(v);
  }
  return 0;
}
