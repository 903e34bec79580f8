// Call files: the TOML an organiser writes (docs/call-file.md). Parsing is all-or-nothing:
// a file with any error yields the errors (each with its line) and no call.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/call.h"

namespace laurel {

struct CallFileError {
  int line = 0;  // 1-based; 0 when the whole file is concerned
  std::string reason;
  std::string to_string() const { return line ? "line " + std::to_string(line) + ": " + reason : reason; }
};

struct CallFileResult {
  std::vector<Call> calls;
  std::vector<CallFileError> errors;  // empty when the file is good
};

// A reminder offset of a call file: "7d", "36h", "90m" (a whole number of days, hours or minutes,
// at least one minute, at most 366 days) -> seconds; nullopt otherwise.
std::optional<long long> parse_reminder_offset(std::string_view text);

CallFileResult parse_call_file(std::string_view toml_text, std::string_view source_name = "call file");

}  // namespace laurel
