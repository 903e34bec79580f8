// Messages about entries: the receipt sent on each submit (and resubmit), and the organiser's
// message to the applicants of a call (owners of its entries, filtered by category and status),
// previewed with its recipient count before it is sent.
#pragma once
#include <string>

#include "core/call.h"
#include "core/result.h"
#include "service/env.h"
#include "service/entries.h"

namespace laurel::service {

// Inside the submit's write: the receipt (number, title, call, category, time in the call's
// zone, materials with SHA-256) to the entry's owner.
void queue_receipt_mail(store::Conn& c, const Env& env, const Call& call, const Entry& s);

struct ApplicantMessage {
  std::string category;  // empty: every category
  std::string status;    // draft, submitted, withdrawn; empty: all
  std::string subject, body;
};
// How many accounts the message would go to (organisers only), and how many more it would
// reach had they not turned optional mail off.
struct RecipientCount {
  int recipients = 0, opted_out = 0;
};
Result<RecipientCount> count_message_recipients(Env& env, const Actor& actor, const std::string& call_slug,
                                     const ApplicantMessage& m);
// Queues one message per recipient (not to accounts that turned optional mail off), all in one
// transaction; returns how many.
Result<int> send_applicant_message(Env& env, const Actor& actor, const std::string& call_slug,
                                   const ApplicantMessage& m);

}  // namespace laurel::service
