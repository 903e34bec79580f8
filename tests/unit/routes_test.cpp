// Every route the server registers declares who may call it (web/access.h); the HTTP matrix test
// (tests/http/matrix.test.mjs) then checks each declared status against the running server.
#include <gtest/gtest.h>

#include <set>

#include "web/app.h"

namespace laurel::web {
namespace {

TEST(Routes, EveryRouteDeclaresTheOutcomeForEveryRole) {
  Router r;
  add_routes(r);
  auto table = r.table();
  ASSERT_FALSE(table.empty());
  for (const auto& e : table) {
    std::string route = e.method + " " + e.pattern;
    if (!e.meta) {
      ADD_FAILURE() << route << " has no Access declaration: add {.anonymous = …, .owner = …, .other = …, "
                    << ".organiser = …} to its r.add (web/access.h)";
      continue;
    }
    auto declared = e.meta->to_json();
    for (const auto& [role, status] : declared.items())
      EXPECT_TRUE(status.is_number_integer() && status.get<int>() >= 100 && status.get<int>() <= 599)
          << route << " declares no HTTP status for " << role;
  }
}

TEST(Routes, NoRouteIsRegisteredTwice) {
  Router r;
  add_routes(r);
  std::set<std::string> seen;
  for (const auto& e : r.table()) EXPECT_TRUE(seen.insert(e.method + " " + e.pattern).second) << e.method << " " << e.pattern;
}

TEST(Routes, RouterKeepsUndeclaredRoutesAndReportsThem) {
  http::Router<int, Access> r;
  r.add("GET", "/declared", {.anonymous = 200, .owner = 200, .other = 200, .organiser = 200}, 1);
  r.add("GET", "/undeclared", 2);
  auto t = r.table();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_TRUE(t[0].meta.has_value());
  EXPECT_FALSE(t[1].meta.has_value());
  auto m = r.match("GET", "/undeclared");
  ASSERT_EQ(m.outcome, decltype(r)::Outcome::found);
  EXPECT_EQ(*m.handler, 2);
}

}  // namespace
}  // namespace laurel::web
