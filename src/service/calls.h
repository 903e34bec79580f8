// Calls: load or update calls from a call file (all or nothing), list them, find one.
// In demo mode the calls are returned shifted (core/call.h shift_for_demo); the stored
// definition always keeps the real dates.
#pragma once
#include <string>
#include <vector>

#include "core/call.h"
#include "core/result.h"
#include "service/env.h"

namespace laurel::service {

// Loads every call of the TOML text in one transaction. actor_id may be empty (the CLI).
// The same, asked through the API: organisers only (core/policy.h can_manage_calls).
Result<std::vector<std::string>> load_calls_as(Env& env, const Actor& actor, const std::string& toml_text,
                                               const std::string& source_name);
Result<std::vector<std::string>> load_calls(Env& env, const std::string& toml_text, const std::string& actor_id,
                                            const std::string& source_name = "call file");
std::vector<Call> list_calls(Env& env);
Result<Call> find_call(Env& env, const std::string& slug);

}  // namespace laurel::service
