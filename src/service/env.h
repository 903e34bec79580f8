// What every service function works with: the database, reference data, the clock and
// the settings that change behaviour. One per process, shared by all threads (read-only).
#pragma once
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/policy.h"
#include "core/time.h"
#include "infra/countries.h"
#include "infra/file_store.h"
#include "store/db.h"

namespace laurel::service {

struct MailSettings;  // service/mail.h

struct Env {
  store::Db& db;
  const Countries& countries;
  std::vector<std::string> common_passwords;
  // Demo mode: every call whose deadline had passed at `demo_since` (the server's start) is shown
  // shifted so that its deadline is 30 days after that day. A call whose deadline passes while
  // the server runs is not shifted, so deadlines still close on time in demo mode.
  std::optional<Instant> demo_since{};
  std::chrono::seconds session_ttl{14 * 24 * 3600};
  // Materials: where files live, how long an unfinished upload is kept, how much one account may
  // store, and how to wake this process's background worker (set by the server).
  infra::FileStore* files = nullptr;
  std::chrono::seconds upload_expiry{24 * 3600};
  long long account_quota = 20LL << 30;
  std::function<void()> wake_worker = [] {};
  // Account security: how many password hashes (argon2id, 64 MiB each) run at once in this process
  // (0: half the hardware threads, at least 1); whether organisers must use two-factor sign-in.
  int password_hashes = 0;
  bool require_organiser_2fa = false;
  // Mail: relay, sender, links, limits (service/mail.h); null: the defaults (messages saved as .eml).
  const MailSettings* mail = nullptr;
  std::function<Instant()> clock = [] {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  };
  Instant now() const { return clock(); }
};

// Who is acting: laurel::Actor (core/policy.h), with the roles the policy decides by.

}  // namespace laurel::service
