// Mail: the outbox and its sender. Every message is a row of `outbox`, written by enqueue_mail
// inside the caller's transaction (register, submit, …): a change that rolls back sends nothing,
// and a committed one never loses its mail. The sender (MailSender, one thread a process) claims
// due rows with a lease — several processes share one outbox and never send a row twice while
// its lease holds — and delivers each over SMTP (infra/smtp.h) or, with no relay configured,
// saves it as an .eml file in mail_dir. States: queued → sending → sent | queued again (later,
// by exponential back-off) | failed (a 5xx answer, or 24 hours of failures); cancelled: a
// reminder no longer needed. docs/mail.md.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "core/text.h"
#include "service/env.h"

namespace laurel::service {

struct MailSettings {
  std::string smtp_url;                       // smtp://[user:pass@]host[:port] or smtps://…; empty: .eml files
  std::string smtp_ca;                        // PEM file of CAs trusted for the relay's certificate; empty: the system's
  std::string from = "Laurel <noreply@laurel.invalid>";
  std::string mail_dir = "data/mail";         // where .eml files go without a relay
  std::string site_url = "http://127.0.0.1:8080";  // the start of every link in a message
  int per_minute = 120;                       // delivery attempts a minute, all processes together
  double retry_base_seconds = 60;             // back-off: base, 2×base, … at most 360×base, for 1440×base
  std::chrono::seconds lease{300};            // a row 'sending' longer than this is claimed again
  std::chrono::seconds reminder_every{60};    // how often deadline reminders are looked for
};
const MailSettings& mail_settings(const Env& env);

// The back-off after `attempts` failed attempts (1 = the first failed): base × 2^(attempts−1),
// at most 360 × base (6 hours for the default minute); give_up when the next attempt would come
// more than 1440 × base (24 hours) after the message was queued.
struct RetryPlan {
  bool give_up = false;
  std::chrono::milliseconds delay{0};
};
RetryPlan next_retry(int attempts, std::chrono::milliseconds since_queued, double base_seconds);

Lang lang_from(std::string_view code);  // "en" → en, anything else zh
// The language mail to an account is written in: its saved preference, else the language of
// its registration.
Lang recipient_lang(store::Conn& c, const std::string& user_id);

// Subject, text and HTML of a message of `kind` (templates/mail/<kind>.txt and .html in
// templates/mail/layout.*; subject: i18n key mail.<kind>.subject with the view's strings as
// parameters).
struct MailContent {
  std::string subject, text, html;
};
MailContent compose(const std::string& kind, Lang lang, const nlohmann::json& view);
// The text of an i18n key in `lang` with {name} parameters (for views of messages).
std::string mail_text(Lang lang, std::string_view key, const std::map<std::string, std::string>& params = {});

struct EnqueueOptions {
  std::string dedup_key;            // at most one row with it (the insert is skipped otherwise)
  std::string entry_id;             // reminders: re-checked before sending
  std::optional<Instant> not_after; // reminders: cancelled from then on
  // Optional mail (reminders, the organiser's messages) to this account: not queued when the
  // account has turned optional mail off; otherwise it carries List-Unsubscribe (RFC 2369) and
  // List-Unsubscribe-Post (RFC 8058 one-click) and an unsubscribe link in its footer.
  std::string optional_for;
};
// Writes one message into the outbox in the caller's transaction; returns its id, or 0 when
// `to` is not a deliverable address or dedup_key is taken. `view` gets site_url and t.
long long enqueue_mail(store::Conn& c, const Env& env, const std::string& kind, const std::string& to, Lang lang,
                       nlohmann::json view, const EnqueueOptions& opts = {});

// Claims one due message (or the message `id`) and delivers it; false when none was due (or the
// per-minute limit is reached). The outcome is in the row.
bool deliver_one(Env& env, const std::string& worker, std::optional<long long> id = std::nullopt);

// `laurel mail test --to ADDRESS`: queues a test message, delivers it at once and returns the
// server's answer (ok: accepted).
struct TestOutcome {
  bool ok = false;
  std::string answer;
};
TestOutcome send_test_mail(Env& env, const std::string& to);

// The organiser's view of the outbox, newest first (status: empty for all).
struct OutboxRow {
  long long id = 0;
  std::string to, subject, kind, status, last_error, last_answer;
  int attempts = 0;
  long long created_at = 0;
  std::optional<long long> sent_at;
};
Result<std::vector<OutboxRow>> list_outbox(Env& env, const Actor& actor, const std::string& status, int limit = 500);
// Queues a failed message again, now (not_found; conflict unless it failed).
Status retry_mail(Env& env, const Actor& actor, long long id);

// Delivers due messages and queues due reminders, on one thread, until destroyed.
class MailSender {
 public:
  explicit MailSender(Env& env);
  ~MailSender();

 private:
  void run();
  Env& env_;
  std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace laurel::service
