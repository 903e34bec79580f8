#include "service/reminders.h"

#include <nlohmann/json.hpp>

#include "service/calls.h"
#include "service/mail.h"

namespace laurel::service {

using nlohmann::json;

std::optional<long long> due_reminder(const std::vector<long long>& offsets, Instant deadline, Instant now) {
  if (now >= deadline) return std::nullopt;
  std::optional<long long> due;
  for (long long o : offsets)
    if (o > 0 && now >= deadline - std::chrono::seconds(o) && (!due || o < *due)) due = o;
  return due;
}

namespace {

std::string remaining(Lang lang, long long s) {
  if (s >= 2 * 86400) return mail_text(lang, "mail.reminder.in_days", {{"n", std::to_string(s / 86400)}});
  if (s >= 2 * 3600) return mail_text(lang, "mail.reminder.in_hours", {{"n", std::to_string(s / 3600)}});
  return mail_text(lang, "mail.reminder.in_minutes", {{"n", std::to_string(std::max(1LL, s / 60))}});
}

}  // namespace

int queue_due_reminders(Env& env) {
  int queued = 0;
  Instant now = env.now();
  for (const Call& call : list_calls(env)) {
    auto offset = due_reminder(call.reminders, call.deadline, now);
    if (!offset) continue;
    std::string suffix = ":" + std::to_string(*offset);
    std::vector<store::Row> drafts;
    {
      auto c = env.db.acquire();
      drafts = c->query(
          "SELECT s.id, s.title_zh, s.title_en, u.id, u.email, u.contact_name FROM submissions s "
          "JOIN users u ON u.id = s.owner_id WHERE s.call_slug = ? AND s.status = 'draft' AND u.optional_mail = 1 AND NOT EXISTS "
          "(SELECT 1 FROM outbox o WHERE o.dedup_key = 'reminder:' || s.id || ?) ORDER BY s.created_at LIMIT 500",
          {call.slug, suffix});
    }
    if (drafts.empty()) continue;
    env.db.write([&](store::Conn& c) {
      for (const auto& d : drafts) {
        Lang lang = recipient_lang(c, d.str(3));
        Text title{d.str(1), d.str(2)};
        std::string shown = title.in(lang);
        json view{{"name", d.str(5)},
                  {"entry_title", shown.empty() ? mail_text(lang, "mail.untitled") : shown},
                  {"call_title", call.title.in(lang)},
                  {"deadline", human_datetime(call.deadline, call.time_zone, lang) + " (" +
                                   utc_offset_label(call.deadline, call.time_zone) + ")"},
                  {"remaining", remaining(lang, (call.deadline - now).count())},
                  {"entry_path", "/entries/" + d.str(0) + "/edit"}};
        view["intro"] = mail_text(lang, "mail.reminder.intro", {{"remaining", view["remaining"].get<std::string>()}});
        EnqueueOptions o{"reminder:" + d.str(0) + suffix, d.str(0), call.deadline, d.str(3)};
        if (enqueue_mail(c, env, "reminder", d.str(4), lang, view, o)) ++queued;
      }
      return true;
    });
  }
  return queued;
}

int queue_due_review_reminders(Env& env) {
  Instant now = env.now();
  std::vector<long long> offsets(std::begin(kReviewReminderOffsets), std::end(kReviewReminderOffsets));
  std::vector<store::Row> rounds;
  {
    auto c = env.db.acquire();
    rounds = c->query("SELECT id, call_slug, deadline, title_zh, title_en FROM review_rounds WHERE deadline > ?",
                      {unix_seconds(now)});
  }
  int queued = 0;
  for (const auto& round : rounds) {
    Instant deadline = from_unix_seconds(round.num(2));
    auto offset = due_reminder(offsets, deadline, now);
    if (!offset) continue;
    auto call = find_call(env, round.str(1));
    if (!call) continue;
    std::string prefix = "review-reminder:" + round.str(0) + ":";
    std::string suffix = ":" + std::to_string(*offset);
    env.db.write([&](store::Conn& c) {
      for (const auto& x : c.query("SELECT x.user_id, x.email, x.name, x.id, COUNT(*) FROM reviews r JOIN experts x ON "
                                   "x.id = r.expert_id JOIN users u ON u.id = x.user_id WHERE r.round_id = ? AND "
                                   "r.status <> 'submitted' AND u.optional_mail = 1 GROUP BY x.user_id, x.email, x.name, x.id",
                                   {round.str(0)})) {
        Lang lang = recipient_lang(c, x.str(0));
        std::string title = lang == Lang::en && !round.str(4).empty() ? round.str(4) : (round.str(3).empty() ? round.str(4) : round.str(3));
        json view{{"name", x.str(2)},
                  {"round_title", title},
                  {"left", std::to_string(x.num(4))},
                  {"deadline", human_datetime(deadline, call->time_zone, lang) + " (" + utc_offset_label(deadline, call->time_zone) + ")"},
                  {"path", "/reviews"}};
        view["intro"] = mail_text(lang, "mail.review_reminder.intro", {{"left", view["left"].get<std::string>()}, {"round_title", title}});
        EnqueueOptions o;
        o.dedup_key = prefix + x.str(3) + suffix;
        o.not_after = deadline;
        o.optional_for = x.str(0);
        if (enqueue_mail(c, env, "review_reminder", x.str(1), lang, view, o)) ++queued;
      }
      return true;
    });
  }
  return queued;
}

}  // namespace laurel::service
