// Shared by the unit tests: reference data, files, and readable errors.
#pragma once
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/result.h"
#include "infra/countries.h"
#include "infra/crypto.h"
#include "infra/resources.h"
#include "service/accounts.h"
#include "service/calls.h"
#include "service/env.h"
#include "store/db.h"

namespace laurel {

inline const Countries& countries() {
  static const Countries c = Countries::load();
  return c;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string describe(const Error& e) {
  std::string out = e.code + " (" + e.message.key + ")";
  for (const auto& [k, v] : e.message.params) out += " " + k + "=" + v;
  for (const auto& [k, m] : e.fields) out += " [" + k + ": " + m.key + "]";
  return out;
}

inline std::vector<std::string> common_passwords() { return resources::common_passwords(); }

// A temporary SQLite database with the WIC 2025 calls loaded, one university applicant
// (actor_) and a clock the test sets (now_, at first 2025-05-01 09:00 Beijing time).
class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    spdlog::set_level(spdlog::level::warn);
    char tmpl[] = "/tmp/laurel-unit-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    db_ = store::open_database("sqlite:" + dir_ + "/t.db");
    store::migrate(*db_);
    env_ = std::make_unique<service::Env>(service::Env{*db_, countries(), {"password123"}});
    env_->clock = [this] { return now_; };
    now_ = *parse_local_datetime("2025-05-01 09:00", "Asia/Shanghai");
    auto loaded = service::load_calls(*env_, read_text("calls/wic-2025.toml"), "", "calls/wic-2025.toml");
    ASSERT_TRUE(loaded.ok()) << describe(loaded.error());
    service::Registration r{"applicant@example.edu", "Correct-Horse-42", "Li Lei", "+86 10 6278 5001",
                            "清华大学", "Tsinghua University", "university", "CN", false};
    auto account = service::register_account(*env_, r);
    ASSERT_TRUE(account.ok()) << describe(account.error());
    actor_ = service::Actor{account->id, account->email, "applicant", "university"};
  }
  void TearDown() override {
    env_.reset();
    db_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  std::string dir_;
  std::unique_ptr<store::Db> db_;
  std::unique_ptr<service::Env> env_;
  Instant now_{};
  service::Actor actor_;
};

}  // namespace laurel
