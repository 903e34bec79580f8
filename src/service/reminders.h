// Deadline reminders: for each call with `reminders` in its call file (offsets before the
// deadline), one message to the owner of each draft entry per offset — at most once per entry and
// offset, however many processes look (the outbox's dedup_key "reminder:<entry>:<seconds>" is
// unique). None once the deadline has passed; one queued for an entry submitted before it went
// out is cancelled by the sender.
#pragma once
#include <optional>
#include <vector>

#include "core/time.h"
#include "service/env.h"

namespace laurel::service {

// The reminder due at `now` for a deadline with these offsets (seconds before it): the smallest
// offset whose moment has come — a larger one is overtaken by it — or nullopt when none has come
// or the deadline has passed.
std::optional<long long> due_reminder(const std::vector<long long>& offsets, Instant deadline, Instant now);

// Queues every due reminder of every call; returns how many were queued.
int queue_due_reminders(Env& env);

// Review rounds: 3 days and 1 day before a round's deadline, one reminder to each expert with
// reviews of the round not submitted — at most once per round, expert and offset (dedup_key
// "review-reminder:<round>:<expert>:<seconds>"); optional mail. Returns how many were queued.
inline constexpr long long kReviewReminderOffsets[] = {3 * 86400, 86400};
int queue_due_review_reminders(Env& env);

}  // namespace laurel::service
