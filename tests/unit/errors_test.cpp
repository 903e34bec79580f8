// The one error table (core/errors.h): every code answers the status docs/api.md documents, each
// API string names one code, and the web layer never picks a status for an error itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "core/errors.h"
#include "core/result.h"

namespace laurel {
namespace {

// docs/api.md's error tables, written out: a change to a code's status is a change of the API
// contract and must show here.
const std::map<std::string, int>& documented() {
  static const std::map<std::string, int> m{
      {"bad_request", 400},
      {"unauthenticated", 401},
      {"invalid_credentials", 401},
      {"two_factor_required", 401},
      {"csrf", 403},
      {"forbidden", 403},
      {"not_eligible", 403},
      {"two_factor_enrolment_required", 403},
      {"not_found", 404},
      {"method_not_allowed", 405},
      {"email_taken", 409},
      {"conflict", 409},
      {"deadline_passed", 409},
      {"not_open", 409},
      {"not_submitted", 409},
      {"offset_mismatch", 409},
      {"gone", 410},
      {"token_expired", 410},
      {"precondition_failed", 412},
      {"too_large", 413},
      {"unsupported_media_type", 415},
      {"range_not_satisfiable", 416},
      {"invalid", 422},
      {"invalid_call_file", 422},
      {"upload_busy", 423},
      {"too_many_attempts", 429},
      {"checksum_mismatch", 460},
      {"internal", 500},
      {"unavailable", 503},
  };
  return m;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string() + " (run the unit tests from the repository root)");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ErrorTable, EveryCodeAnswersTheStatusTheApiDocumentsForIt) {
  EXPECT_EQ(kCodes.size(), documented().size()) << "a code is in the table but not in docs/api.md, or the reverse";
  for (const auto& info : kCodes) {
    auto it = documented().find(std::string(info.api));
    if (it == documented().end()) {
      ADD_FAILURE() << info.api << " is not documented in docs/api.md";
      continue;
    }
    EXPECT_EQ(info.status, it->second) << info.api;
    EXPECT_EQ(http_status(info.code), it->second) << info.api;
  }
}

TEST(ErrorTable, EachApiStringNamesOneCode) {
  std::set<std::string_view> seen;
  for (const auto& info : kCodes) {
    EXPECT_TRUE(seen.insert(info.api).second) << info.api << " is in the table twice";
    EXPECT_FALSE(info.api.empty());
    ASSERT_TRUE(code_of(info.api).has_value()) << info.api;
    EXPECT_EQ(*code_of(info.api), info.code) << info.api;
    EXPECT_EQ(api_code(info.code), info.api);
  }
  EXPECT_FALSE(code_of("no_such_code").has_value());
}

TEST(ErrorTable, EveryStatusIsAnErrorStatus) {
  for (const auto& info : kCodes) EXPECT_TRUE(info.status >= 400 && info.status <= 599) << info.api;
}

TEST(ErrorTable, AnErrorCarriesItsCode) {
  Error e = Error::make(Code::deadline_passed, "error.deadline_passed", {{"n", "1"}});
  EXPECT_EQ(e.code, Code::deadline_passed);
  EXPECT_EQ(api_code(e.code), "deadline_passed");
  EXPECT_EQ(http_status(e.code), 409);
  EXPECT_EQ(e.message.key, "error.deadline_passed");
  std::ostringstream s;
  s << e.code;
  EXPECT_EQ(s.str(), "deadline_passed");
}

// docs/api.md's tables (`| \`code\` | status | meaning |`) list the same codes with the same
// statuses as the table the server answers from.
TEST(ErrorTable, TheApiDocumentListsEveryCodeWithItsStatus) {
  std::string doc = read_file("docs/api.md");
  std::regex row(R"(^\| `([a-z_]+)` \| (\d{3}) \|)");
  std::map<std::string, int> rows;
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, row)) {
      EXPECT_TRUE(rows.emplace(m[1].str(), std::stoi(m[2].str())).second) << m[1] << " is in docs/api.md twice";
    }
  }
  EXPECT_EQ(rows, documented());
}

// An error function given a number where the Error goes, e.g. error_page(ctx, 404, …).
const std::regex error_call(R"(\b(answer_error|error_page|api_error|tus_error|error_body)\s*\(\s*\w+\s*,\s*\d)");
// A response built with an error status: Response::json(…, 409), Response{404, …}, r.status = 416.
const std::regex literal_response(R"((Response\s*::\s*\w+\s*\(.*,\s*|Response(\s+\w+)?\s*\{\s*|\.status\s*=\s*)[45]\d\d\b)");

// Handlers answer errors through answer_error (web/app.cpp) with an Error: no error function is
// given a numeric status and no response is built with a 4xx/5xx literal, so the status always
// comes from the table. (The Access declarations' statuses, `.owner = 404`, are expectations.)
TEST(ErrorTable, NoWebSourcePassesALiteralStatusForAnError) {
  std::regex string_code(R"(Error::make\(\s*")");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator("src/web")) {
    if (entry.path().extension() != ".cpp") continue;
    ++files;
    std::istringstream lines(read_file(entry.path()));
    int n = 0;
    for (std::string line; std::getline(lines, line);) {
      ++n;
      auto comment = line.find("//");
      std::string code = comment == std::string::npos ? line : line.substr(0, comment);
      std::string where = entry.path().string() + ":" + std::to_string(n) + ": " + line;
      EXPECT_FALSE(std::regex_search(code, error_call)) << where << "\n  → answer_error(ctx, Error::make(Code::…, \"error.…\"))";
      EXPECT_FALSE(std::regex_search(code, literal_response)) << where << "\n  → answer_error with a Code (core/errors.h)";
      EXPECT_FALSE(std::regex_search(code, string_code)) << where;
    }
  }
  EXPECT_GT(files, 3) << "src/web/*.cpp not found: run the unit tests from the repository root";
}

// The check above finds what it is meant to find.
TEST(ErrorTable, TheSourceCheckRecognisesALiteralStatus) {
  EXPECT_TRUE(std::regex_search(std::string("return api_error(ctx, 403, \"forbidden\", \"error.forbidden\");"), error_call));
  EXPECT_TRUE(std::regex_search(std::string("return error_page(ctx, 404, ctx.tr(\"error.not_found\"));"), error_call));
  EXPECT_TRUE(std::regex_search(std::string("return http::Response::text(\"not found\\n\", 404);"), literal_response));
  EXPECT_TRUE(std::regex_search(std::string("Response r{409, {}, {}};"), literal_response));
  EXPECT_TRUE(std::regex_search(std::string("r.status = 416;"), literal_response));
  EXPECT_FALSE(std::regex_search(std::string("return answer_error(ctx, Error::make(Code::not_found, \"error.not_found\"));"),
                                 error_call));
  EXPECT_FALSE(std::regex_search(std::string("return Response{204, {}, {}};"), literal_response));
  EXPECT_FALSE(std::regex_search(std::string("r.status = kind == http::RangeKind::partial ? 206 : 200;"), literal_response));
}

}  // namespace
}  // namespace laurel
