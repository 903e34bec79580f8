// The HTTP/1.1 server (Boost.Beast, C++20 coroutines on a thread pool). It parses requests
// with limits, answers malformed ones with 400 and oversized ones with 413 without calling
// the handler, times out idle and slow peers, and logs one line per request.
#pragma once
#include <functional>
#include <string>

#include "http/message.h"

namespace laurel::http {

using Handler = std::function<Response(Request&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;  // 0: any free port
  int threads = 48;             // handlers may block on the database
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  int read_timeout_seconds = 30;
  int keep_alive_seconds = 60;
  std::function<void(unsigned short port)> on_listening;
};

// Runs until SIGINT or SIGTERM. Throws when the address cannot be bound.
void serve(const ServerOptions& options, Handler handler);

}  // namespace laurel::http
