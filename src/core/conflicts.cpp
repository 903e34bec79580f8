#include "core/conflicts.h"

#include <algorithm>
#include <set>

namespace laurel {

namespace {

// Next code point of UTF-8 `s` at `i` (advances i); U+FFFD for a bad byte.
char32_t next_cp(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += n;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

bool dropped(char32_t cp) {
  if (cp < 0x80) return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
  if (cp == 0x00A0 || cp == 0x00B7) return true;                  // no-break space, middle dot
  if (cp >= 0x2000 && cp <= 0x206F) return true;                  // general punctuation: – — ‘ ’ “ ” … and spaces
  if (cp >= 0x3000 && cp <= 0x303F) return true;                  // CJK symbols and punctuation: 　、。《》「」【】
  if (cp >= 0xFE30 && cp <= 0xFE4F) return true;                  // CJK compatibility forms
  if (cp == 0xFEFF || cp == 0xFFFD) return true;
  return false;
}

}  // namespace

std::string normalise_org_name(std::string_view name) {
  std::string out;
  size_t i = 0;
  while (i < name.size()) {
    char32_t cp = next_cp(name, i);
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // fullwidth ASCII → ASCII
    if (cp == 0x3000) cp = ' ';
    if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    if (dropped(cp)) continue;
    append_utf8(out, cp);
  }
  return out;
}

std::string email_domain(std::string_view email) {
  auto at = email.rfind('@');
  if (at == std::string_view::npos) return {};
  std::string d(email.substr(at + 1));
  std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  while (!d.empty() && (d.back() == '.' || d.back() == ' ')) d.pop_back();
  return d;
}

bool public_mail_domain(std::string_view domain) {
  static const std::set<std::string, std::less<>> kPublic = {
      "gmail.com",  "googlemail.com", "outlook.com", "hotmail.com", "live.com",    "msn.com",     "yahoo.com",
      "yahoo.co.jp", "icloud.com",    "me.com",      "aol.com",     "proton.me",   "protonmail.com", "gmx.com",
      "gmx.de",     "mail.ru",        "yandex.ru",   "qq.com",      "foxmail.com", "163.com",     "126.com",
      "yeah.net",   "sina.com",       "sina.cn",     "sohu.com",    "aliyun.com",  "139.com",     "189.cn",
      // RFC 2606 example domains: nobody's organisation
      "example.org", "example.com",   "example.net"};
  return kPublic.count(domain) > 0;
}

std::vector<std::string> detect_conflicts(const ExpertFacts& expert, const EntryFacts& entry, const ConflictRules& rules) {
  std::vector<std::string> out;
  std::set<std::string> entry_orgs;
  for (const auto& o : entry.organizations)
    if (auto n = normalise_org_name(o); !n.empty()) entry_orgs.insert(n);
  for (const auto& o : expert.organizations)
    if (auto n = normalise_org_name(o); !n.empty() && entry_orgs.count(n)) {
      out.push_back("organisation");
      break;
    }
  auto d = email_domain(expert.email);
  if (!d.empty() && !public_mail_domain(d) && d == email_domain(entry.owner_email)) out.push_back("email-domain");
  if (rules.units)
    for (const auto& u : expert.units)
      if (std::find(entry.units.begin(), entry.units.end(), u) != entry.units.end()) {
        out.push_back("unit");
        break;
      }
  return out;
}

}  // namespace laurel
