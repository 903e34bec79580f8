// Expert review (issue 13): the expert pool (invited by the organiser, joined by an account),
// committees, review rounds with their entries, conflicts of interest (detected by
// core/conflicts.h, declared by experts, added or lifted by the organiser), assignment (manual,
// or a proposal by min-cost flow over Xapian affinities — core/assignment.h, infra/affinity.h —
// shown before it is applied), the expert's reviews (declare, open, draft, submit; reopened by
// the organiser) and the ranking with its explanation (core/scoring.h). Only the organiser and
// the assigned expert ever read a review; an expert reads only entries assigned to them, and only
// after declaring no conflict. Every change is audited.
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/assignment.h"
#include "core/call.h"
#include "core/entry.h"
#include "core/result.h"
#include "core/scoring.h"
#include "service/env.h"

namespace laurel::service {

inline constexpr long long kExpertInvitationSeconds = 30 * 86400;

struct Expert {
  std::string id, user_id, email, name, organization, country, expertise, bio;
  std::vector<std::string> calls, categories;  // empty: any
  std::vector<std::string> declared_organizations;  // the expert's declared conflicts: any entry naming one
  int max_load = 10;
  bool accepted = false;
};

// ---- the pool ----
struct ExpertInvite {
  std::string email, name, organization, country, expertise, bio;
  std::vector<std::string> calls, categories;
  int max_load = 10;
};
struct ExpertInvited {
  std::string id, token;
};
Result<ExpertInvited> invite_expert(Env& env, const Actor& actor, const ExpertInvite& in);
// Many invitations from a list (CSV, or an XLSX sheet) with a header line naming its columns (any order): email,
// name, organization, country, expertise, bio, calls, categories (slugs separated by ";"),
// max_load. Each line is invited on its own (a bad line does not stop the others); a line whose
// address already has an expert is skipped. Per line: the expert id and token, or the error.
struct ExpertImportLine {
  int line = 0;
  std::string email, id, token;
  bool skipped = false;
  std::optional<Error> error;
};
Result<std::vector<ExpertImportLine>> import_experts_csv(Env& env, const Actor& actor, const std::string& csv);
// The same from the first sheet of an .xlsx file (its first row the header).
Result<std::vector<ExpertImportLine>> import_experts_xlsx(Env& env, const Actor& actor, const std::string& bytes);
// The expert invitation behind a token (token_expired when used, expired or unknown).
Result<Expert> expert_invitation(Env& env, const std::string& token);
// The signed-in account becomes that expert (conflict when it is already another expert).
Result<Expert> accept_expert_invitation(Env& env, const Actor& actor, const std::string& token);
Result<std::vector<Expert>> list_experts(Env& env, const Actor& actor);
// The signed-in account's expert profile (not_found when it is no expert).
Result<Expert> my_expert_profile(Env& env, const Actor& actor);
// The expert fills their profile: any of name, organisation, country, expertise, bio, calls,
// categories, max_load, declared_organizations (at most 50 names; fields are validated; unknown
// calls or categories refused).
Result<Expert> update_expert_profile(Env& env, const Actor& actor, const nlohmann::json& patch);

// A committee: a named group of experts for a category of a call. When a call's category has
// committees, only their members review its entries.
struct Committee {
  std::string id, call, category, name_zh, name_en;
  std::vector<std::string> experts;
};
Result<Committee> create_committee(Env& env, const Actor& actor, const std::string& call_slug, const Committee& c);
Result<std::vector<Committee>> list_committees(Env& env, const Actor& actor, const std::string& call_slug);

// ---- rounds ----
struct Round {
  std::string id, call, title_zh, title_en, visibility = "after_submit";
  int number = 1, reviews_per_entry = 3, scale_min = 1, scale_max = 10;
  Instant deadline{};
  bool unit_conflicts = true;
  long long entries = 0;
};
struct NewRound {
  std::string title_zh, title_en, visibility = "after_submit";
  int reviews_per_entry = 3;
  std::optional<Instant> deadline;
  bool all_submitted = true;           // "entries": "submitted"
  std::vector<std::string> entry_ids;  // otherwise these (a shortlist)
  int scale_min = 1, scale_max = 10;
  bool unit_conflicts = true;
};
Result<Round> create_round(Env& env, const Actor& actor, const std::string& call_slug, const NewRound& r);
Result<std::vector<Round>> list_rounds(Env& env, const Actor& actor, const std::string& call_slug);
Result<Round> get_round(Env& env, const Actor& actor, const std::string& round_id);

// ---- conflicts ----
struct Conflict {
  std::string expert, submission, source, reason;
};
// Active conflicts of the round (lifted ones left out), detected ones refreshed first.
Result<std::vector<Conflict>> list_conflicts(Env& env, const Actor& actor, const std::string& round_id);
// The organiser adds one (any existing review of that pair that is not submitted is withdrawn).
Status add_conflict(Env& env, const Actor& actor, const std::string& round_id, const std::string& expert_id,
                    const std::string& entry_id, const std::string& reason);
// The organiser lifts every conflict of the pair, with a reason (the expert may then be assigned).
Status lift_conflict(Env& env, const Actor& actor, const std::string& round_id, const std::string& expert_id,
                     const std::string& entry_id, const std::string& reason);

// The organiser records an expert's bid on an entry (eager, willing, not-willing; "" removes it).
// Bids are entered by the organiser — e.g. from a survey of the experts — because an expert who
// bid themselves would see the titles of entries not assigned to them (point 8 of the issue).
Status set_bid(Env& env, const Actor& actor, const std::string& round_id, const std::string& expert_id,
               const std::string& entry_id, const std::string& bid);

// ---- assignment ----
struct ProposedPair {
  std::string submission, expert;
  double affinity = 0;
};
struct ShortSubmission {
  std::string submission, reason;
  int wanted = 0, assigned = 0;
};
struct Proposal {
  std::string id;
  std::vector<ProposedPair> assignments;
  double total_affinity = 0;
  std::map<std::string, int> loads;  // expert → reviews proposed
  std::vector<ShortSubmission> short_entries;
};
// Refreshes the detected conflicts, gathers the candidates (experts of the entry's category or
// committee, not conflicted, not already assigned, with load to spare), computes affinities and
// solves; the proposal is stored (not applied).
Result<Proposal> propose_assignment(Env& env, const Actor& actor, const std::string& round_id);
// Applies a stored proposal: its pairs become reviews (a pair that became conflicted or assigned
// meanwhile is skipped). Returns how many were made.
Result<int> apply_proposal(Env& env, const Actor& actor, const std::string& round_id, const std::string& proposal_id);
// One assignment by hand: invalid with fields.expert when conflicted, not of the entry's
// category or committee, or at full load; conflict when already assigned.
Result<std::string> assign_review(Env& env, const Actor& actor, const std::string& round_id, const std::string& entry_id,
                                  const std::string& expert_id);
// Many by hand, from CSV lines "receipt,expert e-mail" (a header line is allowed): per line, the
// review id made or the error.
struct CsvAssignment {
  int line = 0;
  std::string receipt, email, review_id;
  std::optional<Error> error;
};
Result<std::vector<CsvAssignment>> assign_from_csv(Env& env, const Actor& actor, const std::string& round_id,
                                                   const std::string& csv);

// ---- the expert's reviews ----
struct Review {
  std::string id, round, entry, expert, status;
  std::string title_zh, title_en, receipt, category, call;
  // The round's facts the expert's pages show.
  std::string round_title_zh, round_title_en, round_visibility;
  Instant round_deadline{};
  ReviewInput input;
  std::optional<Instant> submitted_at;
  Instant updated_at{};
};
Result<std::vector<Review>> my_reviews(Env& env, const Actor& actor);
// The actor's review (not_found for anyone else's: another expert, an unassigned entry).
Result<Review> get_review(Env& env, const Actor& actor, const std::string& review_id);
// The review's form: the category's criteria on the round's scale.
Result<ScoreForm> review_form(Env& env, const Review& r);
// Before opening: no conflict (the review can be worked on) or a conflict (the review is removed
// and a declared conflict recorded).
Status declare(Env& env, const Actor& actor, const std::string& review_id, bool conflict);
// The whole entry of a review, once the expert has declared no conflict (conflict before).
Result<Entry> review_entry(Env& env, const Review& r);
// Marks the review opened (the first time the expert reads the entry).
void mark_opened(Env& env, const std::string& review_id);
// Saves a draft (partial, each part checked); submitting checks every part. conflict when not
// declared yet or already submitted; deadline_passed after the round's deadline.
Result<Review> save_review(Env& env, const Actor& actor, const std::string& review_id, const ReviewInput& in);
Result<Review> submit_review(Env& env, const Actor& actor, const std::string& review_id);
// The organiser reopens a submitted review (back to draft).
Status reopen_review(Env& env, const Actor& actor, const std::string& review_id);
// Other experts' submitted reviews of the same entry, as the round's visibility allows
// (never / after submitting one's own / always). Anonymous: "Expert 1", "Expert 2".
struct OtherReview {
  std::string label;
  ReviewInput input;
  std::optional<double> total;
};
std::vector<OtherReview> visible_other_reviews(Env& env, const Review& mine);
// Whether the account reviews the entry (assigned, no conflict declared): it may then read the
// entry and its materials.
bool reviews_entry(store::Conn& c, const std::string& user_id, const std::string& entry_id);

// ---- ranking and progress ----
struct RankedEntry {
  std::string submission, receipt, title_zh, title_en, category;
  RankingRow row;
};
Result<std::vector<RankedEntry>> round_ranking(Env& env, const Actor& actor, const std::string& round_id,
                                               const std::string& category);
Result<Explanation> explain_rank(Env& env, const Actor& actor, const std::string& round_id, const std::string& entry_id);
struct Progress {
  struct PerExpert {
    std::string expert, name, email;
    int assigned = 0, opened = 0, draft = 0, submitted = 0;
  };
  struct PerEntry {
    std::string submission, receipt;
    int assigned = 0, opened = 0, draft = 0, submitted = 0;
  };
  std::vector<PerExpert> experts;
  std::vector<PerEntry> entries;
};
Result<Progress> round_progress(Env& env, const Actor& actor, const std::string& round_id);
// Every review of the round, whatever its status, with its scores (service/review_scores.cpp).
struct ScoreSheetRow {
  std::string receipt, category, expert_name, expert_email, status;
  Text title;
  ReviewInput input;
  std::optional<double> total;
  std::optional<Instant> submitted_at;
};
struct ScoreSheet {
  Call call;
  Text round_title;
  std::vector<std::string> criteria;  // every criterion slug of the call's categories, in order
  std::vector<ScoreSheetRow> rows;
};
Result<ScoreSheet> round_scores(Env& env, const Actor& actor, const std::string& round_id);
// A reminder to every expert of the round with reviews not submitted (one click; optional mail).
Result<int> remind_experts(Env& env, const Actor& actor, const std::string& round_id);

}  // namespace laurel::service
