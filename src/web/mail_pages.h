// Mail pages and API (web/mail_pages.cpp): password reset, address verification, the
// organiser's outbox and message to applicants.
#pragma once
#include "web/app.h"

namespace laurel::web {
void add_mail_routes(Router& r);
}
