// in_write: runs a service step inside a database write and returns its Result once the
// transaction holding it is committed. An error Result drops the step's changes.
#pragma once
#include <optional>
#include <utility>

#include "service/env.h"
#include "store/db.h"

namespace laurel::service {

template <class F>
auto in_write(Env& env, F&& step) -> decltype(step(std::declval<store::Conn&>())) {
  std::optional<decltype(step(std::declval<store::Conn&>()))> out;
  env.db.write([&](store::Conn& c) {
    out.emplace(step(c));
    return out->ok();
  });
  return std::move(*out);
}

}  // namespace laurel::service
