// Included first into src/core/call_file.cpp in the fuzz build only (fuzz/CMakeLists.txt):
// toml++'s own debug assertions off. toml++ 3.3 asserts in parse_key() on malformed table
// headers such as "[\x07]" or "[[[1]]]" before its own error check (fixed upstream:
// marzer/tomlplusplus#301); Debian's library is built without assertions and reports a parse
// error there, which is what the loader expects and what this build then tests.
#pragma once
#define TOML_ASSERT(expr) static_cast<void>(0)
