#include "core/policy.h"

#include <algorithm>

namespace laurel {

bool Actor::is(Role r) const { return std::find(roles.begin(), roles.end(), r) != roles.end(); }

std::vector<Role> roles_of(std::string_view stored) {
  if (stored == "admin" || stored == "organiser") return {Role::organiser};
  return {Role::applicant};
}

std::string_view stored_role(const Actor& a) { return a.organiser() ? "admin" : "applicant"; }

Actor make_actor(std::string id, std::string email, std::string_view stored_role, std::string org_type) {
  Actor a;
  a.id = std::move(id);
  a.email = std::move(email);
  a.roles = roles_of(stored_role);
  a.org_type = std::move(org_type);
  return a;
}

namespace {
Error entry_not_found() { return Error::make(Code::not_found, "error.submission_not_found"); }
bool owns(const Actor& a, const EntryAccess& e) { return a.signed_in() && e.owner_id == a.id; }
}  // namespace

bool owns_entry(const Actor& a, const EntryAccess& e) { return owns(a, e); }

bool can_read_entry(const Actor& a, const EntryAccess& e) {
  return owns(a, e) || (a.signed_in() && (a.organiser() || e.reviewer));
}

Status call_accepts_changes(const Call& call, Instant now) {
  switch (call_status(call, now)) {
    case CallStatus::upcoming: return Error::make(Code::not_open, "error.not_open");
    case CallStatus::closed: return Error::make(Code::deadline_passed, "error.deadline_passed");
    case CallStatus::open: return Ok{};
  }
  return Ok{};
}

Status can_change_entry(const Actor& a, const EntryAccess& e, const Call& call, Instant now) {
  if (!a.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  if (!owns(a, e)) return entry_not_found();  // organisers read but never change an entry
  return call_accepts_changes(call, now);
}

Status can_withdraw(const Actor& a, const EntryAccess& e, const Call& call, Instant now) {
  if (auto st = can_change_entry(a, e, call, now); !st) return st;
  if (e.status != EntryStatus::submitted) return Error::make(Code::not_submitted, "error.not_submitted");
  return Ok{};
}

Status can_create_entry(const Actor& a, const Call& call, const Category* category, Instant now) {
  if (!a.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  if (!category) return Error::make(Code::not_found, "error.category_not_found");
  if (a.organiser()) return Error::make(Code::forbidden, "error.organisers_do_not_apply");
  if (!call.allows_applicant_type(a.org_type)) return Error::make(Code::not_eligible, "error.not_eligible");
  return call_accepts_changes(call, now);
}

bool can_read_material(const Actor& a, const EntryAccess& entry) { return can_read_entry(a, entry); }

bool can_use_upload(const Actor& a, const std::string& upload_owner_id) {
  return a.signed_in() && upload_owner_id == a.id;
}

Status can_manage_calls(const Actor& a) {
  if (!a.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  if (!a.organiser()) return Error::make(Code::forbidden, "error.forbidden");
  return Ok{};
}

}  // namespace laurel
