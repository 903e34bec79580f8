// laurel: the server and the operator's commands (see `laurel --help`).
#include <CLI/CLI.hpp>
#include <spdlog/async.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <toml++/toml.h>

#include "http/server.h"
#include "infra/file_store.h"
#include "service/jobs.h"
#include "infra/countries.h"
#include "infra/crypto.h"
#include "infra/resources.h"
#include "service/accounts.h"
#include "service/calls.h"
#include "infra/mail_message.h"
#include "infra/smtp.h"
#include "service/mail.h"
#include "store/db.h"
#include "web/app.h"

namespace {

using namespace laurel;

struct Config {
  std::string database = "sqlite:data/laurel.db";
  std::string listen = "127.0.0.1:8080";
  size_t max_body_bytes = 1 << 20;
  int threads = 48;  // handlers block on the database (writes wait for their group commit)
  int pool_size = 16;  // PostgreSQL connections per process
  int max_connections = 0;               // 0: from the descriptor limit (http::connection_cap)
  int max_connections_per_address = 1000;  // 0: no limit
  bool demo = false;
  std::string files;                 // the file store; default: files/ beside the SQLite database
  long long upload_expiry = 86400;   // seconds an unfinished upload is kept
  long long account_quota = 20LL << 30;
  std::vector<std::string> trusted_proxies;  // peers whose X-Forwarded-For is believed
  int password_hashes = 0;                   // at once per process; 0: half the hardware threads
  bool require_organiser_2fa = false;
  std::string smtp;       // smtp://user:pass@host:587 or smtps://…; empty: messages saved as .eml files
  std::string smtp_ca;    // PEM file of CAs trusted for the relay's certificate (a private CA); empty: the system's
  std::string mail_from = "Laurel <noreply@laurel.invalid>";
  std::string mail_dir;   // default: mail/ beside the SQLite database (data/mail)
  std::string site_url;   // the start of links in mail; default http://LISTEN
  int mail_per_minute = 120;
};

// files/ beside an SQLite database file ("sqlite:data/laurel.db" → data/files).
std::string default_files_dir(const std::string& database) {
  if (database.rfind("sqlite:", 0) == 0) {
    std::filesystem::path p(database.substr(7));
    return (p.parent_path().empty() ? std::filesystem::path(".") : p.parent_path()).append("files").string();
  }
  return "data/files";
}

void read_config(const std::string& path, Config& c) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  if (auto v = t["database"].value<std::string>()) c.database = *v;
  if (auto v = t["listen"].value<std::string>()) c.listen = *v;
  if (auto v = t["max_body_bytes"].value<int64_t>()) c.max_body_bytes = size_t(*v);
  if (auto v = t["threads"].value<int64_t>()) c.threads = int(*v);
  if (auto v = t["pool_size"].value<int64_t>()) c.pool_size = int(*v);
  if (auto v = t["max_connections"].value<int64_t>()) c.max_connections = int(*v);
  if (auto v = t["max_connections_per_address"].value<int64_t>()) c.max_connections_per_address = int(*v);
  if (auto v = t["demo"].value<bool>()) c.demo = *v;
  if (auto v = t["files"].value<std::string>()) c.files = *v;
  if (auto v = t["upload_expiry"].value<int64_t>()) c.upload_expiry = *v;
  if (auto v = t["account_quota"].value<int64_t>()) c.account_quota = *v;
  if (auto a = t["trusted_proxies"].as_array())
    for (const auto& e : *a)
      if (auto v = e.value<std::string>()) c.trusted_proxies.push_back(*v);
  if (auto v = t["password_hashes"].value<int64_t>()) c.password_hashes = int(*v);
  if (auto v = t["require_organiser_2fa"].value<bool>()) c.require_organiser_2fa = *v;
  if (auto v = t["smtp"].value<std::string>()) c.smtp = *v;
  if (auto v = t["smtp_ca"].value<std::string>()) c.smtp_ca = *v;
  if (auto v = t["mail_from"].value<std::string>()) c.mail_from = *v;
  if (auto v = t["mail_dir"].value<std::string>()) c.mail_dir = *v;
  if (auto v = t["site_url"].value<std::string>()) c.site_url = *v;
  if (auto v = t["mail_per_minute"].value<int64_t>()) c.mail_per_minute = int(*v);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// `laurel routes`: the router's own table, from the registration the server uses. Exit status 1
// when a route has no declaration (each is named on stderr).
int print_routes(bool as_json) {
  web::Router r;
  web::add_routes(r);
  auto table = r.table();
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  int undeclared = 0;
  for (const auto& e : table) {
    out.push_back({{"method", e.method}, {"pattern", e.pattern},
                   {"access", e.meta ? e.meta->to_json() : nlohmann::ordered_json(nullptr)}});
    if (!e.meta) {
      ++undeclared;
      std::cerr << "laurel: " << e.method << " " << e.pattern << " has no Access declaration (web/access.h)\n";
    }
  }
  if (as_json) {
    std::cout << out.dump(1) << "\n";
  } else {
    for (const auto& e : out) {
      std::string m = e["method"], p = e["pattern"];
      m.resize(std::max<size_t>(m.size(), 8), ' ');
      p.resize(std::max<size_t>(p.size(), 48), ' ');
      std::cout << m << p;
      if (e["access"].is_null()) std::cout << "  UNDECLARED";
      else
        for (const auto& [role, status] : e["access"].items())
          std::cout << "  " << role << " " << (status.is_null() ? std::string("-") : std::to_string(status.get<int>()));
      std::cout << "\n";
    }
  }
  return undeclared == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Laurel — award calls and case collections, end to end"};
  app.require_subcommand(1);
  std::string database, config_file;
  app.add_option("--database", database, "Database URL: sqlite:PATH (default sqlite:data/laurel.db) or postgresql://…");
  int pool_size = 0;
  app.add_option("--pool-size", pool_size, "PostgreSQL connections per process (default 16)")->check(CLI::PositiveNumber);
  app.add_option("--config", config_file, "Configuration file (TOML)")->check(CLI::ExistingFile);

  auto* serve = app.add_subcommand("serve", "Run the HTTP server");
  std::string listen;
  bool demo = false;
  serve->add_option("--listen", listen, "Address and port, e.g. 127.0.0.1:8080 (port 0: any free port)");
  serve->add_flag("--demo", demo, "Show calls whose deadline has passed as open, deadline 30 days ahead");
  int max_connections = -1, max_connections_per_address = -1;
  serve->add_option("--max-connections", max_connections,
                    "Open connections at most (default: from the file-descriptor limit)")
      ->check(CLI::NonNegativeNumber);
  serve->add_option("--max-connections-per-address", max_connections_per_address,
                    "Open connections from one address at most (default 1000; 0: no limit)")
      ->check(CLI::NonNegativeNumber);
  std::string files;
  long long upload_expiry = 0, account_quota = 0;
  app.add_option("--files", files, "File store directory (default: files/ beside the SQLite database)");
  std::string serve_files;  // also accepted after `serve`
  serve->add_option("--files", serve_files, "File store directory (as the global --files)");
  serve->add_option("--upload-expiry", upload_expiry, "Seconds an unfinished upload is kept (default 86400)")
      ->check(CLI::PositiveNumber);
  serve->add_option("--account-quota", account_quota, "Bytes of materials one account may hold (default 20 GiB)")
      ->check(CLI::PositiveNumber);
  std::vector<std::string> trusted_proxies;
  int password_hashes = 0;
  bool require_organiser_2fa = false;
  serve->add_option("--trusted-proxy", trusted_proxies,
                    "Believe X-Forwarded-For from this address or CIDR block (repeatable; default none)");
  serve->add_option("--password-hashes", password_hashes,
                    "Password hashes (argon2id, 64 MiB each) run at once (default: half the hardware threads, at least 1)")
      ->check(CLI::PositiveNumber);
  serve->add_flag("--require-organiser-2fa", require_organiser_2fa, "Organisers must sign in with a second factor");
  std::string smtp_url, smtp_ca, mail_from, site_url;
  int mail_per_minute = 0;
  double mail_retry_base = 0, reminder_every = 0;
  const char* smtp_help = "SMTP relay: smtp://[user:pass@]host:587 (STARTTLS) or smtps://…:465 (default: none, "
                          "messages are saved as .eml files in mail/ beside the database)";
  const char* ca_help = "PEM file of CA certificates to trust for the relay's certificate (a private or self-signed "
                        "one) instead of the system's; the certificate and host name are verified either way";
  const char* from_help = "Sender of every message, e.g. \"Laurel <noreply@example.org>\"";
  serve->add_option("--smtp", smtp_url, smtp_help);
  serve->add_option("--smtp-ca", smtp_ca, ca_help);
  serve->add_option("--mail-from", mail_from, from_help);
  serve->add_option("--mail-per-minute", mail_per_minute,
                    "Delivery attempts a minute, all server processes together (default 120)")
      ->check(CLI::PositiveNumber);
  serve->add_option("--site-url", site_url, "Public URL links in mail start with (default http://LISTEN)");
  serve->add_option("--mail-retry-base-seconds", mail_retry_base, "")->group("")->check(CLI::PositiveNumber);
  serve->add_option("--reminder-scan-seconds", reminder_every, "")->group("")->check(CLI::PositiveNumber);

  auto* mail_cmd = app.add_subcommand("mail", "Mail");
  mail_cmd->require_subcommand(1);
  auto* mail_test = mail_cmd->add_subcommand("test", "Send one test message now and print the server's answer");
  std::string mail_to;
  mail_test->add_option("--to", mail_to, "Recipient address")->required();
  mail_test->add_option("--smtp", smtp_url, smtp_help);
  mail_test->add_option("--smtp-ca", smtp_ca, ca_help);
  mail_test->add_option("--mail-from", mail_from, from_help);

  auto* migrate = app.add_subcommand("migrate", "Apply the database migrations");

  auto* load = app.add_subcommand("load-calls", "Load or update the calls of a call file");
  std::string call_file;
  load->add_option("FILE", call_file, "Call file (TOML)")->required();

  auto* user = app.add_subcommand("user", "Manage users");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "Add a user");
  std::string role = "applicant", email;
  bool password_stdin = false;
  user_add->add_option("--role", role, "admin or applicant")->check(CLI::IsMember({"admin", "applicant"}));
  user_add->add_option("--email", email, "E-mail address (the login)")->required();
  user_add->add_flag("--password-stdin", password_stdin, "Read the password from the first line of stdin")->required();

  auto* routes = app.add_subcommand("routes", "List every route with who may call it (web/access.h); no database needed");
  bool routes_json = false;
  routes->add_flag("--json", routes_json, "One JSON array: method, pattern, access (null when undeclared)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "laurel: " << e.what() << "\n\n";
    const CLI::App* sub = &app;
    for (auto* s : app.get_subcommands()) sub = s;
    std::cerr << sub->help();
    return 2;
  }

  if (*routes) return print_routes(routes_json);

  try {
    // Logging goes through a queue to its own thread: a request never waits on stderr.
    spdlog::init_thread_pool(16384, 1);
    spdlog::set_default_logger(spdlog::stderr_color_mt<spdlog::async_factory>("laurel"));
    struct FlushLogs {
      ~FlushLogs() { spdlog::shutdown(); }
    } flush_logs;
    crypto::init();
    Config cfg;
    if (!config_file.empty()) read_config(config_file, cfg);
    if (!database.empty()) cfg.database = database;
    if (!listen.empty()) cfg.listen = listen;
    cfg.demo = cfg.demo || demo;
    if (!serve_files.empty()) files = serve_files;
    if (!files.empty()) cfg.files = files;
    if (cfg.files.empty() && cfg.database.rfind("sqlite:", 0) != 0 && *serve)
      throw std::runtime_error("--files DIR (or files = \"…\" in the config) is needed with PostgreSQL: the directory every "
                               "server process shares for materials");
    if (cfg.files.empty()) cfg.files = default_files_dir(cfg.database);
    if (upload_expiry > 0) cfg.upload_expiry = upload_expiry;
    if (account_quota > 0) cfg.account_quota = account_quota;
    if (max_connections >= 0) cfg.max_connections = max_connections;
    if (max_connections_per_address >= 0) cfg.max_connections_per_address = max_connections_per_address;
    for (const auto& p : trusted_proxies) cfg.trusted_proxies.push_back(p);
    if (password_hashes > 0) cfg.password_hashes = password_hashes;
    cfg.require_organiser_2fa = cfg.require_organiser_2fa || require_organiser_2fa;

    if (pool_size > 0) cfg.pool_size = pool_size;
    auto db = store::open_database(cfg.database, cfg.pool_size);
    store::migrate(*db);  // forward only; a no-op when up to date
    auto countries = Countries::load();
    service::Env env{*db, countries, resources::common_passwords()};
    if (cfg.demo) env.demo_since = env.now();
    // Only the server touches the file store (an operator's `migrate` run as root must not
    // create directories the server cannot write).
    std::optional<infra::FileStore> file_store;
    if (*serve) {
      file_store.emplace(cfg.files);
      env.files = &*file_store;
    }
    env.upload_expiry = std::chrono::seconds(cfg.upload_expiry);
    env.account_quota = cfg.account_quota;
    env.password_hashes = cfg.password_hashes;
    env.require_organiser_2fa = cfg.require_organiser_2fa;
    // Mail: a relay, or .eml files in mail/ beside the SQLite database (data/mail by default).
    if (!smtp_url.empty()) cfg.smtp = smtp_url;
    if (!smtp_ca.empty()) cfg.smtp_ca = smtp_ca;
    if (mail_per_minute > 0) cfg.mail_per_minute = mail_per_minute;
    if (!mail_from.empty()) cfg.mail_from = mail_from;
    if (!site_url.empty()) cfg.site_url = site_url;
    service::MailSettings mail;
    mail.smtp_url = cfg.smtp;
    if (!cfg.smtp_ca.empty()) {  // checked now: a CA file that is not there stops the start, not each delivery
      std::error_code ec;
      auto ca = std::filesystem::absolute(cfg.smtp_ca, ec);  // the server may be started from anywhere
      if (ec || !std::filesystem::exists(ca, ec)) throw std::runtime_error("--smtp-ca " + cfg.smtp_ca + ": no such file");
      if (!std::filesystem::is_regular_file(ca, ec)) throw std::runtime_error("--smtp-ca " + cfg.smtp_ca + ": not a file");
      std::ifstream in(ca, std::ios::binary);
      std::ostringstream pem;
      if (in) pem << in.rdbuf();
      if (!in || in.bad()) throw std::runtime_error("--smtp-ca " + cfg.smtp_ca + ": cannot read the file");
      if (pem.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos)
        throw std::runtime_error("--smtp-ca " + cfg.smtp_ca + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
      mail.smtp_ca = ca.string();
    }
    mail.from = cfg.mail_from;
    mail.mail_dir = cfg.mail_dir.empty() ? (std::filesystem::path(cfg.files).parent_path() / "mail").string() : cfg.mail_dir;
    mail.site_url = cfg.site_url.empty() ? "http://" + cfg.listen : cfg.site_url;
    while (mail.site_url.size() > 1 && mail.site_url.back() == '/') mail.site_url.pop_back();
    mail.per_minute = std::max(1, cfg.mail_per_minute);
    if (mail_retry_base > 0) mail.retry_base_seconds = mail_retry_base;
    if (reminder_every > 0) mail.reminder_every = std::chrono::seconds(std::max(1LL, (long long)reminder_every));
    if (!mail.smtp_url.empty() && mail.smtp_url.rfind("smtp://", 0) != 0 && mail.smtp_url.rfind("smtps://", 0) != 0)
      throw std::runtime_error("--smtp must be an smtp:// or smtps:// URL");
    if (!mail::parse_address(mail.from)) throw std::runtime_error("--mail-from is not an address: " + mail.from);
    env.mail = &mail;
    smtp::init();
    if (*mail_test) {
      auto out = service::send_test_mail(env, mail_to);
      std::cout << (mail.smtp_url.empty() ? "no SMTP relay configured: " : smtp::redact(mail.smtp_url) + ": ") << out.answer
                << "\n";
      return out.ok ? 0 : 1;
    }

    if (*migrate) {
      std::cout << "database " << smtp::redact(cfg.database) << " is up to date\n";
      return 0;
    }
    if (*load) {
      auto r = service::load_calls(env, read_file(call_file), "", call_file);
      if (!r) {
        std::cerr << "laurel: " << call_file << " rejected, nothing loaded: " << r.error().message.params.at("detail")
                  << "\n";
        return 1;
      }
      for (const auto& s : *r) std::cout << "loaded call " << s << "\n";
      return 0;
    }
    if (*user_add) {
      std::string password;
      std::getline(std::cin, password);
      if (!password.empty() && password.back() == '\r') password.pop_back();
      auto a = service::add_user(env, email, password, role);
      if (!a) {
        std::cerr << "laurel: cannot add user: " << a.error().code;
        for (const auto& [k, m] : a.error().fields) std::cerr << "; " << k << ": " << m.key;
        std::cerr << "\n";
        return 1;
      }
      std::cout << "added " << a->role << " " << a->email << "\n";
      return 0;
    }
    if (*serve) {
      auto colon = cfg.listen.rfind(':');
      if (colon == std::string::npos) throw std::runtime_error("--listen must be HOST:PORT");
      http::ServerOptions opt;
      opt.host = cfg.listen.substr(0, colon);
      opt.port = static_cast<unsigned short>(std::stoi(cfg.listen.substr(colon + 1)));
      opt.threads = cfg.threads;
      opt.max_body_bytes = cfg.max_body_bytes;
      opt.max_connections = cfg.max_connections;
      opt.max_connections_per_address = cfg.max_connections_per_address;
      service::Worker worker(env);
      std::optional<service::MailSender> mail_sender;  // started once the port (and so the links) is known
      env.wake_worker = [&worker] { worker.wake(); };
      web::WebApp webapp(env, web::WebOptions{.trusted_proxies = cfg.trusted_proxies});
      opt.stream_prefix = "/uploads/";
      opt.on_listening = [&](unsigned short port) {
        if (cfg.site_url.empty()) mail.site_url = "http://" + opt.host + ":" + std::to_string(port);  // port 0: the one chosen
        std::cout << "Laurel listening on http://" << opt.host << ":" << port << (cfg.demo ? " (demo mode)" : "")
                  << std::endl;
        std::cout << "Mail: " << (mail.smtp_url.empty() ? "no SMTP relay; messages are saved in " + mail.mail_dir + "/"
                                                       : "via " + smtp::redact(mail.smtp_url))
                  << std::endl;
        mail_sender.emplace(env);
      };
      http::serve(
          opt, [&](http::Request& req) { return webapp.handle(req); },
          [&](http::Request& head) { return webapp.stream(head); });
      env.wake_worker = [] {};
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "laurel: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
