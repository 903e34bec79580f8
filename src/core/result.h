// Result<T>: a value or an Error. Errors carry a machine code (a Code of the one error table,
// core/errors.h: its API string and HTTP status), a message key into i18n/ (with parameters)
// and, for validation, one message per field.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <variant>

#include "core/errors.h"

namespace laurel {

struct Message {
  std::string key;                            // i18n key, e.g. "error.deadline_passed"
  std::map<std::string, std::string> params;  // substituted for {name} in the text
};

struct Error {
  Code code = Code::internal;                 // e.g. Code::deadline_passed; api_code(code) in the API
  Message message;
  std::map<std::string, Message> fields;      // field key -> problem (validation errors)
  static Error make(Code code, std::string key, std::map<std::string, std::string> params = {}) {
    return Error{code, Message{std::move(key), std::move(params)}, {}};
  }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace laurel
