// The one error table: every error code Laurel answers with, its string in the API
// (`{"error":{"code":"…"}}`, docs/api.md) and its HTTP status. core/ and service/ return
// `Error`s carrying a `Code`; the web layer turns them into a JSON answer or an error page
// (web::answer_error) with the status from here, and nothing else picks a status for an error.
// A new code is one row here (and one in docs/api.md; tests/unit/errors_test.cpp checks both).
#pragma once
#include <array>
#include <optional>
#include <ostream>
#include <string_view>

namespace laurel {

enum class Code {
  bad_request,
  unauthenticated,
  invalid_credentials,
  two_factor_required,
  forbidden,
  not_eligible,
  csrf,
  two_factor_enrolment_required,
  not_found,
  method_not_allowed,
  gone,
  token_expired,
  email_taken,
  conflict,
  deadline_passed,
  not_open,
  not_submitted,
  offset_mismatch,
  precondition_failed,
  too_large,
  unsupported_media_type,
  range_not_satisfiable,
  invalid,
  invalid_call_file,
  upload_busy,
  too_many_attempts,
  checksum_mismatch,
  internal,
  unavailable,
};

struct CodeInfo {
  Code code;
  std::string_view api;  // the code's string in the API
  int status;            // the HTTP status it answers with
};

// In the order of the enum (checked at compile time below).
inline constexpr std::array<CodeInfo, 29> kCodes{{
    {Code::bad_request, "bad_request", 400},
    {Code::unauthenticated, "unauthenticated", 401},
    {Code::invalid_credentials, "invalid_credentials", 401},
    {Code::two_factor_required, "two_factor_required", 401},
    {Code::forbidden, "forbidden", 403},
    {Code::not_eligible, "not_eligible", 403},
    {Code::csrf, "csrf", 403},
    {Code::two_factor_enrolment_required, "two_factor_enrolment_required", 403},
    {Code::not_found, "not_found", 404},
    {Code::method_not_allowed, "method_not_allowed", 405},
    {Code::gone, "gone", 410},
    {Code::token_expired, "token_expired", 410},
    {Code::email_taken, "email_taken", 409},
    {Code::conflict, "conflict", 409},
    {Code::deadline_passed, "deadline_passed", 409},
    {Code::not_open, "not_open", 409},
    {Code::not_submitted, "not_submitted", 409},
    {Code::offset_mismatch, "offset_mismatch", 409},
    {Code::precondition_failed, "precondition_failed", 412},
    {Code::too_large, "too_large", 413},
    {Code::unsupported_media_type, "unsupported_media_type", 415},
    {Code::range_not_satisfiable, "range_not_satisfiable", 416},
    {Code::invalid, "invalid", 422},
    {Code::invalid_call_file, "invalid_call_file", 422},
    {Code::upload_busy, "upload_busy", 423},
    {Code::too_many_attempts, "too_many_attempts", 429},
    {Code::checksum_mismatch, "checksum_mismatch", 460},  // tus checksum extension
    {Code::internal, "internal", 500},
    {Code::unavailable, "unavailable", 503},
}};

constexpr bool codes_in_enum_order() {
  for (size_t i = 0; i < kCodes.size(); ++i)
    if (static_cast<size_t>(kCodes[i].code) != i) return false;
  return static_cast<size_t>(Code::unavailable) + 1 == kCodes.size();
}
static_assert(codes_in_enum_order(), "kCodes lists every Code once, in the enum's order");

constexpr const CodeInfo& code_info(Code c) { return kCodes[static_cast<size_t>(c)]; }
constexpr std::string_view api_code(Code c) { return code_info(c).api; }
constexpr int http_status(Code c) { return code_info(c).status; }

// The Code whose API string is `s`, if any.
constexpr std::optional<Code> code_of(std::string_view s) {
  for (const auto& i : kCodes)
    if (i.api == s) return i.code;
  return std::nullopt;
}

inline std::ostream& operator<<(std::ostream& out, Code c) { return out << api_code(c); }

}  // namespace laurel
