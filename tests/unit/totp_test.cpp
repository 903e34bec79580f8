// TOTP against RFC 6238's test vectors (Appendix B, HMAC-SHA1), and the window around "now".
#include "infra/totp.h"

#include <gtest/gtest.h>
#include <sodium.h>

namespace laurel::totp {
namespace {

const std::string kRfcSecret = "12345678901234567890";  // the RFC's SHA1 seed (ASCII)

struct Vector {
  long long time;
  const char* code8;
};

class Rfc6238 : public ::testing::TestWithParam<Vector> {};

TEST_P(Rfc6238, EightDigitCodeMatchesTheRfc) {
  EXPECT_EQ(code_at(kRfcSecret, GetParam().time / kStepSeconds, 8), GetParam().code8);
}

TEST_P(Rfc6238, SixDigitCodeIsTheLastSixDigits) {
  EXPECT_EQ(code_at(kRfcSecret, GetParam().time / kStepSeconds), std::string(GetParam().code8).substr(2));
}

INSTANTIATE_TEST_SUITE_P(AppendixB, Rfc6238,
                         ::testing::Values(Vector{59, "94287082"}, Vector{1111111109, "07081804"},
                                           Vector{1111111111, "14050471"}, Vector{1234567890, "89005924"},
                                           Vector{2000000000, "69279037"}, Vector{20000000000, "65353130"}));

TEST(Totp, MatchAcceptsOneStepEitherSideAndNoFurther) {
  const long long t = 1234567890, step = t / kStepSeconds;
  EXPECT_EQ(match(kRfcSecret, "005924", t), step);
  EXPECT_EQ(match(kRfcSecret, code_at(kRfcSecret, step - 1), t), step - 1);
  EXPECT_EQ(match(kRfcSecret, code_at(kRfcSecret, step + 1), t), step + 1);
  EXPECT_FALSE(match(kRfcSecret, code_at(kRfcSecret, step - 2), t));
  EXPECT_FALSE(match(kRfcSecret, code_at(kRfcSecret, step + 2), t));
}

TEST(Totp, MatchRefusesMalformedCodes) {
  EXPECT_FALSE(match(kRfcSecret, "", 59));
  EXPECT_FALSE(match(kRfcSecret, "28708", 59));
  EXPECT_FALSE(match(kRfcSecret, "2870822", 59));
  EXPECT_FALSE(match(kRfcSecret, "94287082", 59));
}

TEST(Totp, Base32RoundTripsAndIgnoresSpacesAndCase) {
  EXPECT_EQ(base32(kRfcSecret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq"), kRfcSecret);
  EXPECT_FALSE(from_base32("not base32!"));
  ASSERT_EQ(sodium_init() >= 0, true);
  std::string s = new_secret();
  EXPECT_EQ(s.size(), 20u);
  EXPECT_EQ(from_base32(base32(s)), s);
}

TEST(Totp, UriNamesIssuerAccountAndParameters) {
  EXPECT_EQ(uri("Laurel", "a@example.org", kRfcSecret),
            "otpauth://totp/Laurel%3Aa%40example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Laurel&algorithm=SHA1"
            "&digits=6&period=30");
}

}  // namespace
}  // namespace laurel::totp
