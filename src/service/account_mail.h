// Mail about an account: the address-verification link sent after registration, and password
// reset by mail. Links carry a random token; only its SHA-256 is stored (email_tokens), each is
// single-use. Reset links live 60 minutes, verification links 7 days.
#pragma once
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/text.h"
#include "service/env.h"

namespace laurel::service {

constexpr long long kResetTokenSeconds = 3600;
constexpr long long kVerifyTokenSeconds = 7 * 86400;

// Inside the registration's write: remember the language of the registration and queue the
// verification link.
void queue_verification(store::Conn& c, const Env& env, const std::string& user_id, Lang lang);
// Marks the address of the token's account verified (token_expired when used, expired or unknown).
Status verify_email(Env& env, const std::string& token);
// A new link (at most 5 an hour an account); Ok without a mail when already verified.
Status resend_verification(Env& env, const Actor& actor);
bool email_verified(Env& env, const std::string& user_id);
// Which of these accounts have verified their address.
std::set<std::string> verified_accounts(Env& env, const std::vector<std::string>& user_ids);
// The account's saved language (mail is written in it).
void save_language(Env& env, const std::string& user_id, Lang lang);

// Optional mail (deadline reminders, the organiser's messages): on unless the account turned it
// off, on the account page or with the List-Unsubscribe link those messages carry.
bool optional_mail(Env& env, const std::string& user_id);
Status set_optional_mail(Env& env, const Actor& actor, bool on);
// The one-click unsubscribe (RFC 8058): turns optional mail off for the token's account
// (not_found for an unknown token). Audited.
Status unsubscribe(Env& env, const std::string& token);
// Whether the token belongs to an account (the page asks before turning anything off).
bool unsubscribe_token_valid(Env& env, const std::string& token);

// Always succeeds, whether or not the address belongs to an account (nothing tells them apart:
// not the answer, not the logs). For an account: a reset link, at most 5 an hour.
void request_password_reset(Env& env, const std::string& email);
// Sets the password of the token's account (the rules of registration: invalid with
// fields.password) and ends every session of that account but `keep_session` (the caller's own
// cookie, if it is one of that account's). token_expired: used, expired or unknown.
Status reset_password(Env& env, const std::string& token, const std::string& password,
                      const std::string& keep_session = "");
// Whether a reset link is still good (the page shows the form only then).
bool reset_token_valid(Env& env, const std::string& token);

}  // namespace laurel::service
