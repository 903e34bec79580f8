// The pure parts of mail (issue 11): RFC 2047 subjects, header sanitising against CR/LF
// injection, the rendered message's headers, the retry back-off schedule and reminder due-ness.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "infra/mail_message.h"
#include "infra/resources.h"
#include "service/mail.h"
#include "service/reminders.h"

namespace laurel {
namespace {

using namespace std::chrono;

// Decodes one "=?UTF-8?B?…?=" word (the test's own small base64 decoder).
std::string decode_word(const std::string& word) {
  const std::string prefix = "=?UTF-8?B?";
  if (word.rfind(prefix, 0) != 0 || word.size() < prefix.size() + 2 || word.substr(word.size() - 2) != "?=")
    return "<not an encoded word: " + word + ">";
  std::string b = word.substr(prefix.size(), word.size() - prefix.size() - 2);
  static const std::string tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : b) {
    if (c == '=') break;
    v = (v << 6) | unsigned(tbl.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((v >> bits) & 0xFF);
    }
  }
  return out;
}

// Splits a folded header value ("w1\r\n w2") into its words and decodes each.
std::string decode_header(const std::string& value) {
  std::string out;
  size_t i = 0;
  while (i <= value.size()) {
    size_t j = value.find("\r\n ", i);
    if (j == std::string::npos) j = value.size();
    out += decode_word(value.substr(i, j - i));
    i = j + 3;
  }
  return out;
}

// The header block of a rendered message, one entry a (folded) line.
std::vector<std::string> header_lines(const std::string& message) {
  std::vector<std::string> lines;
  std::string head = message.substr(0, message.find("\r\n\r\n"));
  size_t i = 0;
  while (i <= head.size()) {
    size_t j = head.find("\r\n", i);
    if (j == std::string::npos) j = head.size();
    std::string line = head.substr(i, j - i);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !lines.empty()) lines.back() += "\r\n" + line;
    else lines.push_back(line);
    i = j + 2;
  }
  return lines;
}

// ---- sanitize_header ----

TEST(MailSanitizeHeader, TurnsControlCharactersIntoOneSpace) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"Hello\r\nBcc: evil@example.org", "Hello Bcc: evil@example.org"},
      {"a\rb", "a b"},
      {"a\nb", "a b"},
      {"a\tb\x0b" "c", "a b c"},
      {"a\x7f" "b", "a b"},
      {"a\xc2\x85" "b", "a b"},  // NEL, a C1 control
      {"  padded \r\n ", "padded"},
      {"", ""},
      {"\r\n", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(mail::sanitize_header(c.in), c.out) << "input: " << c.in;
}

TEST(MailSanitizeHeader, ReplacesInvalidUtf8AndKeepsValidText) {
  EXPECT_EQ(mail::sanitize_header("\xff" "x"), "\xEF\xBF\xBD" "x");
  EXPECT_EQ(mail::sanitize_header("世界互联网大会"), "世界互联网大会");
}

// ---- encode_header_text (RFC 2047) ----

TEST(MailEncodeHeader, LeavesPrintableAsciiAlone) {
  EXPECT_EQ(mail::encode_header_text("Your receipt LT25-AI-0001"), "Your receipt LT25-AI-0001");
}

TEST(MailEncodeHeader, EncodesNonAsciiAsUtf8Base64Words) {
  std::string subject = "您的申报回执 LT25-AI-0001";
  std::string enc = mail::encode_header_text(subject);
  EXPECT_EQ(enc.rfind("=?UTF-8?B?", 0), 0u) << enc;
  EXPECT_EQ(decode_header(enc), subject);
}

TEST(MailEncodeHeader, EncodesTextThatLooksLikeAnEncodedWord) {
  std::string enc = mail::encode_header_text("=?UTF-8?B?ZXZpbA==?=");
  EXPECT_EQ(enc.rfind("=?UTF-8?B?", 0), 0u);
  EXPECT_EQ(decode_header(enc), "=?UTF-8?B?ZXZpbA==?=");
}

TEST(MailEncodeHeader, LongSubjectsFoldIntoWordsOf75CharactersWithoutSplittingACharacter) {
  std::string subject;
  for (int i = 0; i < 40; ++i) subject += "数字";  // 80 characters of 3 bytes
  std::string enc = mail::encode_header_text(subject);
  size_t words = 0, i = 0;
  while (i <= enc.size()) {
    size_t j = enc.find("\r\n ", i);
    if (j == std::string::npos) j = enc.size();
    std::string word = enc.substr(i, j - i);
    EXPECT_LE(word.size(), 75u) << word;
    std::string text = decode_word(word);
    EXPECT_EQ(text.size() % 3, 0u) << "a word splits a character";
    ++words;
    i = j + 3;
  }
  EXPECT_GT(words, 1u);
  EXPECT_EQ(decode_header(enc), subject);
}

TEST(MailEncodeHeader, InjectedLineBreaksNeverSurviveEncoding) {
  for (const char* s : {"Hello\r\nBcc: evil@example.org", "你好\r\nBcc: evil@example.org", "x\n\rTo: a@b.c"}) {
    std::string enc = mail::encode_header_text(s);
    // The only CR/LF allowed is the fold before a space.
    for (size_t p = enc.find('\r'); p != std::string::npos; p = enc.find('\r', p + 1))
      EXPECT_EQ(enc.substr(p, 3), "\r\n ") << enc;
    for (size_t p = enc.find('\n'); p != std::string::npos; p = enc.find('\n', p + 1))
      EXPECT_TRUE(p > 0 && enc[p - 1] == '\r' && p + 1 < enc.size() && enc[p + 1] == ' ') << enc;
  }
}

// ---- addresses ----

TEST(MailAddress, ValidAddressesAreThoseAnEnvelopeCanCarry) {
  EXPECT_TRUE(mail::valid_address("a@example.org"));
  EXPECT_FALSE(mail::valid_address("a@example.org\r\nRCPT TO:<evil@example.org>"));
  EXPECT_FALSE(mail::valid_address("a b@example.org"));
  EXPECT_FALSE(mail::valid_address("<a@example.org>"));
  EXPECT_FALSE(mail::valid_address("a@@example.org"));
  EXPECT_FALSE(mail::valid_address("@example.org"));
  EXPECT_FALSE(mail::valid_address("a@"));
  EXPECT_FALSE(mail::valid_address(""));
}

TEST(MailAddress, ParsesNameAndAddressAndFormatsNamesSafely) {
  auto a = mail::parse_address("Laurel Tests <noreply@example.org>");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->name, "Laurel Tests");
  EXPECT_EQ(a->email, "noreply@example.org");
  EXPECT_EQ(mail::format_address(*a), "Laurel Tests <noreply@example.org>");
  EXPECT_FALSE(mail::parse_address("Name <not an address>"));
  EXPECT_EQ(mail::format_address({"Evil\r\nBcc: x@y.z", "a@example.org"}), "\"Evil Bcc: x@y.z\" <a@example.org>");
  std::string zh = mail::format_address({"世界互联网大会", "a@example.org"});
  EXPECT_EQ(zh.rfind("=?UTF-8?B?", 0), 0u);
  EXPECT_NE(zh.find(" <a@example.org>"), std::string::npos);
}

// ---- render ----

TEST(MailRender, InjectionInSubjectNameOrExtraHeaderAddsNoHeader) {
  mail::Message m;
  m.from = {"Laurel\r\nBcc: evil1@example.org", "noreply@example.org"};
  m.to = {"Applicant\nCc: evil2@example.org", "a@example.org"};
  m.subject = "Hello\r\nBcc: evil3@example.org\r\n\r\nbody";
  m.text = "text";
  m.html = "<p>html</p>";
  m.message_id = "<id@example.org>\r\nBcc: evil4@example.org";
  m.date = sys_days{year{2025} / 6 / 3} + hours{10};
  m.extra_headers = {{"X-Test\r\nBcc", "v\r\nBcc: evil5@example.org"}};
  std::string raw = mail::render(m);
  std::vector<std::string> names;
  for (const auto& line : header_lines(raw)) names.push_back(line.substr(0, line.find(':')));
  const std::vector<std::string> expected{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "X-TestBcc",
                                          "Content-Type"};
  EXPECT_EQ(names, expected) << raw.substr(0, raw.find("\r\n\r\n"));
  EXPECT_EQ(raw.find("\r\nBcc:"), std::string::npos);
  EXPECT_EQ(raw.find("\r\nCc:"), std::string::npos);
  EXPECT_NE(raw.find("Date: Tue, 03 Jun 2025 10:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(raw.find("Content-Type: multipart/alternative; boundary="), std::string::npos);
}

// ---- the back-off ----

TEST(MailRetry, DoublesFromTheBaseUpToSixHoursAndGivesUpAfterADay) {
  const double base = 60;  // the default: one minute
  struct Step {
    int attempts;
    long long since_queued_s;
    long long delay_s;
    bool give_up;
  } steps[] = {
      {1, 0, 60, false},          {2, 60, 120, false},        {3, 180, 240, false},
      {4, 420, 480, false},       {9, 15000, 15360, false},   {10, 30000, 21600, false},  // 6 h cap
      {14, 64700, 21600, false},  {15, 64900, 21600, true},   // 64900 + 6 h > 24 h
      {1, 86399, 60, true},
  };
  for (const auto& s : steps) {
    auto plan = service::next_retry(s.attempts, seconds(s.since_queued_s), base);
    EXPECT_EQ(duration_cast<seconds>(plan.delay).count(), s.delay_s) << "attempt " << s.attempts;
    EXPECT_EQ(plan.give_up, s.give_up) << "attempt " << s.attempts << " after " << s.since_queued_s << " s";
  }
}

TEST(MailRetry, ScalesWithTheBase) {
  auto p = service::next_retry(3, milliseconds(0), 0.5);
  EXPECT_EQ(p.delay, milliseconds(2000));
  EXPECT_FALSE(p.give_up);
  EXPECT_EQ(service::next_retry(30, milliseconds(0), 0.5).delay, milliseconds(180'000));  // 360 × base
  EXPECT_TRUE(service::next_retry(2, milliseconds(719'500), 0.5).give_up);  // 1440 × base = 720 s
}

// ---- reminder due-ness ----

TEST(ReminderDue, TheSmallestOffsetWhoseMomentHasComeAndNoneAfterTheDeadline) {
  const Instant deadline = sys_days{year{2025} / 9 / 1} + hours{16};
  const std::vector<long long> offsets{7 * 86400, 86400, 3 * 3600};
  struct Case {
    seconds before;
    std::optional<long long> due;
  } cases[] = {
      {seconds(8 * 86400), std::nullopt},     // none has come
      {seconds(7 * 86400), 7 * 86400},        // exactly at the moment
      {seconds(2 * 86400), 7 * 86400},
      {seconds(86400 - 1), 86400},            // the 1-day reminder overtakes the 7-day one
      {seconds(3 * 3600), 3 * 3600},
      {seconds(60), 3 * 3600},
      {seconds(0), std::nullopt},             // the deadline itself
      {seconds(-60), std::nullopt},           // after it
  };
  for (const auto& c : cases)
    EXPECT_EQ(service::due_reminder(offsets, deadline, deadline - c.before), c.due) << c.before.count() << " s before";
  EXPECT_EQ(service::due_reminder({}, deadline, deadline - seconds(60)), std::nullopt);
}

// ---- templates and catalogues ----

void flatten(const nlohmann::json& j, const std::string& prefix, std::set<std::string>& out) {
  for (const auto& [k, v] : j.items()) {
    std::string key = prefix.empty() ? k : prefix + "." + k;
    if (v.is_object()) flatten(v, key, out);
    else if (v.is_string()) out.insert(key);
  }
}

TEST(MailTemplates, EveryMessageHasTextHtmlAndASubjectInBothCatalogues) {
  std::set<std::string> keys[2];
  const char* files[2] = {"i18n/zh-CN.json", "i18n/en.json"};
  for (int i = 0; i < 2; ++i) {
    auto text = resources::find(files[i]);
    ASSERT_TRUE(text) << files[i];
    flatten(nlohmann::json::parse(*text), "", keys[i]);
  }
  for (const char* kind : {"verify", "password_reset", "receipt", "reminder", "message", "test"}) {
    for (const char* ext : {".txt", ".html"})
      EXPECT_TRUE(resources::find(std::string("templates/mail/") + kind + ext)) << kind << ext;
    for (int i = 0; i < 2; ++i)
      EXPECT_TRUE(keys[i].count(std::string("mail.") + kind + ".subject")) << files[i] << ": mail." << kind << ".subject";
  }
  // Every {{t.key}} a mail template (or a page template) shows is a string in both catalogues:
  // a missing key would render as nothing, silently.
  const std::regex ref(R"(\{\{\{?\s*t\.([A-Za-z0-9_.]+)\s*\}?\}\})");
  int seen = 0;
  for (const auto& [path, text] : resources::all()) {
    if (path.rfind("templates/", 0) != 0) continue;
    std::string body(text);
    for (std::sregex_iterator it(body.begin(), body.end(), ref), end; it != end; ++it) {
      ++seen;
      for (int i = 0; i < 2; ++i) EXPECT_TRUE(keys[i].count((*it)[1].str())) << path << ": t." << (*it)[1] << " not in " << files[i];
    }
  }
  EXPECT_GT(seen, 100);
}

}  // namespace
}  // namespace laurel
