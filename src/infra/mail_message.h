// Internet messages (RFC 5322 + MIME) built from parts we trust to be text, never from header
// lines we were given: every header value passes through sanitize_header (no CR, LF or other
// control character can reach a header, so nothing a user typed can add a header or a
// recipient), and non-ASCII text is written as RFC 2047 encoded words. Pure functions.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.h"

namespace laurel::mail {

// Control characters (C0 with CR and LF, DEL, C1) become one space each; runs of spaces
// collapse; the result is trimmed. Invalid UTF-8 bytes become U+FFFD.
std::string sanitize_header(std::string_view value);

// An unstructured header value (a subject, a display name) as RFC 2047 encoded words
// ("=?UTF-8?B?…?=", each at most 75 characters, never splitting a UTF-8 character, folded with
// CRLF SP) when it holds anything but printable ASCII or looks like an encoded word; as it is
// otherwise. Sanitised first.
std::string encode_header_text(std::string_view value);

struct Address {
  std::string name;   // display name, may be empty
  std::string email;  // local@domain
};
// A plain address: one @, no space, no control character, no <>(),;:"[]\ — what an SMTP
// envelope can carry without quoting.
bool valid_address(std::string_view email);
// "Name <local@domain>" or "local@domain"; nullopt when the address part is not valid.
std::optional<Address> parse_address(std::string_view text);
// For a From/To header: the name encoded (or quoted), the address in angle brackets.
std::string format_address(const Address& a);

// "Tue, 03 Jun 2025 10:00:00 +0000"
std::string rfc5322_date(Instant t);
// "<random.time@domain>"
std::string make_message_id(std::string_view domain, Instant t);

struct Message {
  Address from, to;
  std::string subject;  // UTF-8 text, as the reader sees it
  std::string text;     // text/plain part, UTF-8
  std::string html;     // text/html part, UTF-8 (empty: a text-only message)
  std::string message_id;
  Instant date{};
  std::vector<std::pair<std::string, std::string>> extra_headers;  // e.g. Auto-Submitted
};
// The whole message, CRLF line ends: multipart/alternative (text, then HTML) with each part
// UTF-8 in base64 lines of 76 characters.
std::string render(const Message& m);

// Base64 of `data` in lines of `line` characters (0: one line) joined by CRLF.
std::string base64(std::string_view data, size_t line = 0);

}  // namespace laurel::mail
