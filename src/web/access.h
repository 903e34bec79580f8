// Who may call what: the outcome each role gets from a route, declared next to the route's
// registration (`r.add("GET", "/api/v1/submissions/{id}", {.anonymous = 401, .owner = 200,
// .other = 404, .organiser = 200}, handler)`).
//
// Each number is the HTTP status the role's *first* request gets on applicant A's objects
// (the {id}/{slug} of A's draft entry, A's material, A's upload, a call A may apply to):
//   anonymous  no session (forms carry the anonymous CSRF token)
//   owner      applicant A, who owns the objects
//   other      applicant B, another applicant
//   organiser  an account with the admin role
//   recommender  a manager of recommending unit U (the {id} of unit routes), an account like B
//              otherwise; on a route that does not concern units it gets what `other` gets
//              unless declared (0 there means "as other")
//   expert     an expert with a review of A's submitted entry, no conflict declared (the {id} of
//              review routes); elsewhere as other unless declared
// Requests are well-formed (valid CSRF token, a sensible body), so the status says what the
// role may do, not what the request lacked. tests/http/matrix.test.mjs sends every route for
// every role and checks these numbers; `laurel routes` prints the table. A route added without
// a declaration still works, but is listed as undeclared and fails that test; so does a role
// left at 0. A new role (recommender, expert) is a new field here and a new client in the test.
#pragma once
#include <nlohmann/json.hpp>

namespace laurel::web {

struct Access {
  int anonymous = 0;  // 0: not declared
  int owner = 0;
  int other = 0;
  int organiser = 0;
  int recommender = 0;  // 0: as other
  int expert = 0;       // 0: as other

  // {"anonymous": 401, …}, a role not declared as null.
  nlohmann::ordered_json to_json() const {
    auto role = [](int s) { return s == 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s); };
    return {{"anonymous", role(anonymous)},
            {"owner", role(owner)},
            {"other", role(other)},
            {"organiser", role(organiser)},
            {"recommender", role(recommender ? recommender : other)},
            {"expert", role(expert ? expert : other)}};
  }
};

}  // namespace laurel::web
