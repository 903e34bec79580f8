// Civil dates, local times in IANA zones and how they are shown (core/time.h).
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "core/time.h"

namespace laurel {
namespace {

using namespace std::chrono;

Instant utc(int y, unsigned m, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

Days civil(int y, unsigned m, unsigned d) { return sys_days{year{y} / month{m} / day{d}}; }

// ---- parse_local_datetime ----

struct LocalCase {
  const char* text;
  const char* zone;
  Instant expected;
};

TEST(ParseLocalDatetime, ConvertsLocalTimesToUtcInstants) {
  const LocalCase cases[] = {
      {"2025-06-18 24:00", "Asia/Shanghai", utc(2025, 6, 18, 16)},
      {"2025-06-18T24:00", "Asia/Shanghai", utc(2025, 6, 18, 16)},
      {"2025-06-18 24:00:00", "Asia/Shanghai", utc(2025, 6, 18, 16)},
      {"2025-06-19 00:00", "Asia/Shanghai", utc(2025, 6, 18, 16)},
      {"2025-06-18 23:59:59", "Asia/Shanghai", utc(2025, 6, 18, 15, 59, 59)},
      {"2025-06-18 23:59", "Asia/Shanghai", utc(2025, 6, 18, 15, 59)},
      {"2025-06-18 00:00", "Asia/Shanghai", utc(2025, 6, 17, 16)},
      {"2025-03-04 00:00", "Asia/Shanghai", utc(2025, 3, 3, 16)},
      {"2025-06-18 12:00", "UTC", utc(2025, 6, 18, 12)},
      {"2025-06-18 12:00", "America/New_York", utc(2025, 6, 18, 16)},  // EDT, UTC-4
      {"2025-01-18 12:00", "America/New_York", utc(2025, 1, 18, 17)},  // EST, UTC-5
      {"2025-06-18 12:00", "Asia/Kolkata", utc(2025, 6, 18, 6, 30)},
      {"2024-12-31 24:00", "Asia/Shanghai", utc(2024, 12, 31, 16)},    // end of the year
      {"2024-02-29 24:00", "UTC", utc(2024, 3, 1)},                    // end of a leap day
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.text) + " in " + c.zone);
    auto got = parse_local_datetime(c.text, c.zone);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(iso_utc(*got), iso_utc(c.expected));
  }
}

TEST(ParseLocalDatetime, MidnightAfterTheDayEqualsTheStartOfTheNextDay) {
  EXPECT_EQ(parse_local_datetime("2025-06-18 24:00", "Asia/Shanghai"),
            parse_local_datetime("2025-06-19 00:00", "Asia/Shanghai"));
}

TEST(ParseLocalDatetime, TheLastSecondIsOneSecondBeforeTheDeadline) {
  auto deadline = parse_local_datetime("2025-06-18 24:00", "Asia/Shanghai");
  auto last = parse_local_datetime("2025-06-18 23:59:59", "Asia/Shanghai");
  ASSERT_TRUE(deadline && last);
  EXPECT_EQ(*deadline - *last, seconds{1});
}

TEST(ParseLocalDatetime, RejectsMalformedOrImpossibleTimes) {
  const char* bad[] = {
      "2025-06-18 24:01",    "2025-06-18 24:00:01", "2025-06-18 25:00",     "2025-06-18 12:60",
      "2025-06-18 12:00:60", "2025-02-30 10:00",    "2025-02-29 10:00",     "2025-13-01 10:00",
      "2025-00-10 10:00",    "2025-06-00 10:00",    "garbage",              "",
      "2025-06-18",          "2025-06-18 1:00",     "2025-06-18 10:00 ",    "2025-06-18 10:00:0",
      "2025-06-18 10:00Z",   "2025-06-18 10:00:00Z", "2025/06/18 10:00",    "2025-06-18_10:00",
      "2025-06-18 10-00",    "2025-06-18 aa:00",    "2025-06-18 -1:00",     "2025-06-18 10:0x",
      "+025-06-18 10:00",    "2025-06-18 10:00:xx", "2025-06-18 10:00+08:00",
  };
  for (const char* t : bad) {
    SCOPED_TRACE(t);
    EXPECT_FALSE(parse_local_datetime(t, "Asia/Shanghai").has_value());
  }
}

TEST(ParseLocalDatetime, RejectsAnUnknownZone) {
  for (const char* zone : {"Asia/Beijing", "Mars/Olympus_Mons", "", "CST+8", "asia/shanghai"}) {
    SCOPED_TRACE(zone);
    EXPECT_FALSE(parse_local_datetime("2025-06-18 12:00", zone).has_value());
  }
}

TEST(IsTimeZone, KnowsIanaNamesOnly) {
  EXPECT_TRUE(is_time_zone("Asia/Shanghai"));
  EXPECT_TRUE(is_time_zone("Europe/Berlin"));
  EXPECT_TRUE(is_time_zone("UTC"));
  EXPECT_FALSE(is_time_zone("Asia/Beijing"));
  EXPECT_FALSE(is_time_zone(""));
  EXPECT_FALSE(is_time_zone("Nowhere/Town"));
}

// ---- a zone with daylight saving time ----

TEST(ParseLocalDatetime, EuropeBerlinUsesSummerAndWinterOffsets) {
  const LocalCase cases[] = {
      {"2025-01-15 12:00", "Europe/Berlin", utc(2025, 1, 15, 11)},  // CET, UTC+1
      {"2025-07-01 12:00", "Europe/Berlin", utc(2025, 7, 1, 10)},   // CEST, UTC+2
      {"2025-03-30 01:59:59", "Europe/Berlin", utc(2025, 3, 30, 0, 59, 59)},
      {"2025-03-30 03:00", "Europe/Berlin", utc(2025, 3, 30, 1)},   // first CEST instant
      {"2025-10-26 03:00", "Europe/Berlin", utc(2025, 10, 26, 2)},  // CET again
      {"2025-10-26 24:00", "Europe/Berlin", utc(2025, 10, 26, 23)},
      {"2025-03-29 24:00", "Europe/Berlin", utc(2025, 3, 29, 23)},
      {"2025-03-30 24:00", "Europe/Berlin", utc(2025, 3, 30, 22)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto got = parse_local_datetime(c.text, c.zone);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(iso_utc(*got), iso_utc(c.expected));
  }
}

TEST(ParseLocalDatetime, AmbiguousAutumnTimeTakesTheEarlierInstant) {
  // 02:30 happens twice on 2025-10-26 in Berlin: first at +02:00, then at +01:00.
  auto got = parse_local_datetime("2025-10-26 02:30", "Europe/Berlin");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(iso_utc(*got), "2025-10-26T00:30:00Z");
}

TEST(ParseLocalDatetime, NonexistentSpringTimeIsStillAccepted) {
  // 02:30 does not exist on 2025-03-30 in Berlin (clocks jump from 02:00 to 03:00).
  auto got = parse_local_datetime("2025-03-30 02:30", "Europe/Berlin");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(iso_utc(*got), "2025-03-30T01:00:00Z");  // the moment of the jump
}

TEST(IsoLocal, ShowsTheZoneOffsetInSummerAndWinter) {
  EXPECT_EQ(iso_local(utc(2025, 7, 1, 10), "Europe/Berlin"), "2025-07-01T12:00:00+02:00");
  EXPECT_EQ(iso_local(utc(2025, 1, 15, 11), "Europe/Berlin"), "2025-01-15T12:00:00+01:00");
  EXPECT_EQ(iso_local(utc(2025, 1, 15, 11), "America/St_Johns"), "2025-01-15T07:30:00-03:30");
}

// ---- formatting ----

TEST(IsoLocal, TheDeadlineReadsAsMidnightOfTheNextDay) {
  auto t = parse_local_datetime("2025-06-18 24:00", "Asia/Shanghai");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(iso_local(*t, "Asia/Shanghai"), "2025-06-19T00:00:00+08:00");
  EXPECT_EQ(iso_utc(*t), "2025-06-18T16:00:00Z");
}

TEST(IsoLocal, UnknownZoneFallsBackToUtc) {
  EXPECT_EQ(iso_local(utc(2025, 6, 18, 16), "Nowhere/Town"), "2025-06-18T16:00:00Z");
}

struct HumanCase {
  Instant t;
  const char* zone;
  Lang lang;
  const char* expected;
};

TEST(HumanDatetime, ShowsMidnightAs2400OfThePreviousDay) {
  const HumanCase cases[] = {
      {utc(2025, 6, 18, 16), "Asia/Shanghai", Lang::zh, "2025年6月18日 24:00"},
      {utc(2025, 6, 18, 16), "Asia/Shanghai", Lang::en, "18 June 2025, 24:00"},
      {utc(2025, 6, 18, 16), "UTC", Lang::en, "18 June 2025, 16:00"},
      {utc(2025, 1, 1), "UTC", Lang::en, "31 December 2024, 24:00"},
      {utc(2025, 1, 1), "UTC", Lang::zh, "2024年12月31日 24:00"},
      {utc(2025, 3, 1), "UTC", Lang::en, "28 February 2025, 24:00"},
      {utc(2025, 6, 18, 15, 59, 59), "Asia/Shanghai", Lang::zh, "2025年6月18日 23:59:59"},
      {utc(2025, 6, 18, 15, 59, 59), "Asia/Shanghai", Lang::en, "18 June 2025, 23:59:59"},
      {utc(2025, 6, 18, 1, 30), "Asia/Shanghai", Lang::en, "18 June 2025, 09:30"},
      {utc(2025, 6, 18, 16, 0, 1), "Asia/Shanghai", Lang::en, "19 June 2025, 00:00:01"},
      {utc(2025, 7, 1, 10), "Europe/Berlin", Lang::en, "1 July 2025, 12:00"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expected);
    EXPECT_EQ(human_datetime(c.t, c.zone, c.lang), c.expected);
  }
}

TEST(HumanDate, WritesTheDateInEachLanguage) {
  EXPECT_EQ(human_date(civil(2025, 6, 18), Lang::zh), "2025年6月18日");
  EXPECT_EQ(human_date(civil(2025, 6, 18), Lang::en), "18 June 2025");
  EXPECT_EQ(human_date(civil(2015, 1, 1), Lang::en), "1 January 2015");
}

TEST(HumanMonthRange, CollapsesTheSharedYearAndMonth) {
  EXPECT_EQ(human_month_range(civil(2025, 3, 1), civil(2025, 6, 18), Lang::en), "Mar–Jun 2025");
  EXPECT_EQ(human_month_range(civil(2025, 3, 1), civil(2025, 6, 18), Lang::zh), "2025年3月—6月");
  EXPECT_EQ(human_month_range(civil(2025, 11, 6), civil(2025, 11, 9), Lang::en), "Nov 2025");
  EXPECT_EQ(human_month_range(civil(2025, 11, 6), civil(2025, 11, 9), Lang::zh), "2025年11月");
  EXPECT_EQ(human_month_range(civil(2025, 12, 1), civil(2026, 1, 31), Lang::en), "Dec 2025 – Jan 2026");
  EXPECT_EQ(human_month_range(civil(2025, 12, 1), civil(2026, 1, 31), Lang::zh), "2025年12月—2026年1月");
}

// ---- parse_date / format_date / local_date ----

TEST(ParseDate, AcceptsRealCalendarDates) {
  struct {
    const char* text;
    Days expected;
  } cases[] = {
      {"2015-01-01", civil(2015, 1, 1)},
      {"2024-02-29", civil(2024, 2, 29)},
      {"2000-02-29", civil(2000, 2, 29)},
      {"2025-12-31", civil(2025, 12, 31)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto got = parse_date(c.text);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, c.expected);
    EXPECT_EQ(format_date(*got), c.text);
  }
}

TEST(ParseDate, RejectsInvalidDates) {
  const char* bad[] = {"2025-02-29", "2025-02-30", "1900-02-29", "2025-04-31", "2025-13-01", "2025-00-10",
                       "2025-01-00", "2025-01-32", "2025-1-01",  "2025-01-1",  "20250101",   "2025/01/01",
                       "",           "abcd-ef-gh", "2025-01-01 ", " 2025-01-01", "2025-01-01T00:00", "-025-01-01"};
  for (const char* t : bad) {
    SCOPED_TRACE(t);
    EXPECT_FALSE(parse_date(t).has_value());
  }
}

TEST(LocalDate, IsTheCivilDateInTheZone) {
  EXPECT_EQ(local_date(utc(2025, 6, 18, 16), "Asia/Shanghai"), civil(2025, 6, 19));
  EXPECT_EQ(local_date(utc(2025, 6, 18, 15, 59, 59), "Asia/Shanghai"), civil(2025, 6, 18));
  EXPECT_EQ(local_date(utc(2025, 6, 18, 16), "UTC"), civil(2025, 6, 18));
  EXPECT_EQ(local_date(utc(2025, 6, 18, 3), "America/New_York"), civil(2025, 6, 17));
}

// ---- utc_offset_label ----

TEST(UtcOffsetLabel, NamesTheOffsetAtThatInstant) {
  struct {
    Instant t;
    const char* zone;
    const char* expected;
  } cases[] = {
      {utc(2025, 6, 18, 16), "Asia/Shanghai", "UTC+8"},
      {utc(2025, 6, 18, 16), "UTC", "UTC"},
      {utc(2025, 6, 18, 16), "Asia/Kolkata", "UTC+5:30"},
      {utc(2025, 6, 18, 16), "Asia/Kathmandu", "UTC+5:45"},
      {utc(2025, 1, 18, 16), "America/St_Johns", "UTC-3:30"},
      {utc(2025, 1, 18, 16), "America/New_York", "UTC-5"},
      {utc(2025, 7, 18, 16), "America/New_York", "UTC-4"},
      {utc(2025, 1, 18, 16), "Europe/Berlin", "UTC+1"},
      {utc(2025, 7, 18, 16), "Europe/Berlin", "UTC+2"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.zone) + " " + iso_utc(c.t));
    EXPECT_EQ(utc_offset_label(c.t, c.zone), c.expected);
  }
}

TEST(ParseIsoInstant, TakesZOrAnOffsetAndOptionalSeconds) {
  auto t = parse_iso_instant("2025-06-18T16:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(iso_utc(*t), "2025-06-18T16:00:00Z");
  EXPECT_EQ(parse_iso_instant("2025-06-19T00:00+08:00"), t);
  EXPECT_EQ(parse_iso_instant("2025-06-18T12:30:00-03:30"), t);
  EXPECT_EQ(iso_utc(*parse_iso_instant("2025-06-18T23:59:59+08:00")), "2025-06-18T15:59:59Z");
  EXPECT_EQ(parse_iso_instant("2025-06-18T16:00:00.123Z"), t);  // as JavaScript writes it
  EXPECT_EQ(parse_iso_instant("2025-06-18T16:00:00.999999999+00:00"), t);
}

TEST(ParseIsoInstant, RefusesWhatIsNotOneInstant) {
  for (const char* bad : {"", "2025-06-18", "2025-06-18T16:00:00", "2025-06-18T16:00:00+8", "2025-02-30T00:00Z",
                          "2025-06-18T24:00Z", "2025-06-18T16:60Z", "2025-06-18T16:00:00+15:00", "2025-06-18X16:00Z",
                          "2025-06-18T16:00:00Zjunk", "tomorrow", "2025-06-18T16:00:00.Z",
                          "2025-06-18T16:00:00.1234567890Z", "2025-06-18T16:00.5Z"})
    EXPECT_FALSE(parse_iso_instant(bad)) << bad;
}

}  // namespace
}  // namespace laurel
