// Delivering one message to an SMTP relay through libcurl: smtp:// (STARTTLS when the server
// offers it; required when the URL carries credentials, unless the host is loopback) or
// smtps:// (TLS from the start), AUTH when the URL has user:password. Blocking, thread-safe
// (one curl handle a call); at most `Options::timeout` for the whole conversation.
#pragma once
#include <chrono>
#include <string>

namespace laurel::smtp {

// Once per process before any thread sends (curl_global_init).
void init();

struct Outcome {
  bool ok = false;
  bool permanent = false;  // a 5xx answer: trying again will not help
  int code = 0;            // the server's last reply code (0: none, e.g. no connection)
  std::string answer;      // the server's last reply line, or what went wrong before one
};

struct Options {
  // A PEM file of CA certificates to trust for the relay's certificate (CURLOPT_CAINFO, in place of
  // the system bundle): a relay with a private or self-signed certificate. Empty: the system's.
  // Peer and host-name verification stay on either way.
  std::string ca_file;
  std::chrono::seconds timeout{60};  // the whole conversation
};

Outcome send(const std::string& url, const std::string& from_email, const std::string& to_email,
             const std::string& message, const Options& options = {});

// A URL (smtp://, postgresql://) without its password ("smtp://user:***@host:587"), for logs
// and messages.
std::string redact(const std::string& url);

}  // namespace laurel::smtp
