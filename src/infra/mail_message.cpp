#include "infra/mail_message.h"

#include <ctime>

#include "infra/crypto.h"

namespace laurel::mail {

namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not a valid one.
size_t utf8_seq(std::string_view s, size_t i) {
  unsigned char c = s[i];
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  if (n == 2 && c < 0xC2) return 0;  // overlong
  return n;
}

bool is_atext(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

}  // namespace

std::string sanitize_header(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool space = false;
  for (size_t i = 0; i < v.size();) {
    size_t n = utf8_seq(v, i);
    if (n == 0) {  // invalid byte
      out += "\xEF\xBF\xBD";
      space = false;
      ++i;
      continue;
    }
    unsigned char c = v[i];
    bool control = (n == 1 && (c < 0x20 || c == 0x7F)) ||
                   (n == 2 && c == 0xC2 && static_cast<unsigned char>(v[i + 1]) < 0xA0);  // C1
    if (control || c == ' ') {
      if (!space && !out.empty()) out += ' ';
      space = true;
    } else {
      out.append(v.substr(i, n));
      space = false;
    }
    i += n;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string base64(std::string_view data, size_t line) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t col = 0;
  auto put = [&](char c) {
    if (line && col == line) {
      out += "\r\n";
      col = 0;
    }
    out += c;
    ++col;
  };
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    unsigned v = (unsigned char)data[i] << 16 | (unsigned char)data[i + 1] << 8 | (unsigned char)data[i + 2];
    put(tbl[v >> 18]), put(tbl[(v >> 12) & 63]), put(tbl[(v >> 6) & 63]), put(tbl[v & 63]);
  }
  if (i + 1 == data.size()) {
    unsigned v = (unsigned char)data[i] << 16;
    put(tbl[v >> 18]), put(tbl[(v >> 12) & 63]), put('='), put('=');
  } else if (i + 2 == data.size()) {
    unsigned v = (unsigned char)data[i] << 16 | (unsigned char)data[i + 1] << 8;
    put(tbl[v >> 18]), put(tbl[(v >> 12) & 63]), put(tbl[(v >> 6) & 63]), put('=');
  }
  return out;
}

std::string encode_header_text(std::string_view value) {
  std::string s = sanitize_header(value);
  bool plain = s.size() <= 900 && s.find("=?") == std::string::npos;
  for (char c : s) plain = plain && c >= 0x20 && c < 0x7F;
  if (plain) return s;
  // 75 characters a word: "=?UTF-8?B?" + 60 base64 characters (45 bytes) + "?=".
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size()) {
      size_t n = std::max<size_t>(1, utf8_seq(s, j));
      if (j + n - i > 45) break;
      j += n;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(s.substr(i, j - i)) + "?=";
    i = j;
  }
  return out;
}

bool valid_address(std::string_view e) {
  if (e.empty() || e.size() > 254) return false;
  auto at = e.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 >= e.size() || e.find('@', at + 1) != std::string_view::npos)
    return false;
  for (unsigned char c : e)
    if (c <= 0x20 || c == 0x7F || std::string_view("<>(),;:\"[]\\").find(char(c)) != std::string_view::npos)
      return false;
  return true;
}

std::optional<Address> parse_address(std::string_view text) {
  auto lt = text.rfind('<');
  if (lt == std::string_view::npos) {
    std::string e = sanitize_header(text);
    if (!valid_address(e)) return std::nullopt;
    return Address{"", e};
  }
  auto gt = text.find('>', lt);
  if (gt == std::string_view::npos) return std::nullopt;
  std::string email(text.substr(lt + 1, gt - lt - 1));
  if (!valid_address(email)) return std::nullopt;
  std::string name = sanitize_header(text.substr(0, lt));
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
  return Address{name, email};
}

std::string format_address(const Address& a) {
  std::string name = sanitize_header(a.name);
  if (name.empty()) return "<" + a.email + ">";
  bool atoms = true, ascii = name.find("=?") == std::string::npos;
  for (char c : name) {
    atoms = atoms && (is_atext(c) || c == ' ');
    ascii = ascii && c >= 0x20 && c < 0x7F;
  }
  std::string shown;
  if (atoms) shown = name;
  else if (ascii) {  // printable ASCII with specials: a quoted string
    shown = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') shown += '\\';
      shown += c;
    }
    shown += "\"";
  } else {
    shown = encode_header_text(name);
  }
  return shown + " <" + a.email + ">";
}

std::string rfc5322_date(Instant t) {
  std::time_t tt = t.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
                months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string make_message_id(std::string_view domain, Instant t) {
  std::string d = sanitize_header(domain);
  std::string clean;
  for (char c : d)
    if (is_atext(c) || c == '.') clean += c;
  if (clean.empty()) clean = "laurel.invalid";
  return "<" + crypto::random_id() + "." + std::to_string(t.time_since_epoch().count()) + "@" + clean + ">";
}

std::string render(const Message& m) {
  std::string out;
  auto header = [&](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  header("From", format_address(m.from));
  header("To", format_address(m.to));
  header("Subject", encode_header_text(m.subject));
  header("Date", rfc5322_date(m.date));
  header("Message-ID", sanitize_header(m.message_id));
  header("MIME-Version", "1.0");
  for (const auto& [k, v] : m.extra_headers) {
    std::string name;
    for (char c : k)
      if (c > 0x20 && c < 0x7F && c != ':') name += c;
    if (!name.empty()) header(name, encode_header_text(v));
  }
  auto part = [&](std::string_view type, std::string_view body) {
    header("Content-Type", std::string(type) + "; charset=UTF-8");
    header("Content-Transfer-Encoding", "base64");
    out += "\r\n" + base64(body, 76) + "\r\n";
  };
  if (m.html.empty()) {
    part("text/plain", m.text);
    return out;
  }
  std::string boundary = "=_laurel_" + crypto::random_id();
  header("Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
  out += "\r\nThis is a multipart message in MIME format.\r\n";
  out += "\r\n--" + boundary + "\r\n";
  part("text/plain", m.text);
  out += "\r\n--" + boundary + "\r\n";
  part("text/html", m.html);
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

}  // namespace laurel::mail
