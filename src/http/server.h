// The HTTP/1.1 server (Boost.Beast, C++20 coroutines on a thread pool). It parses requests
// with limits, answers malformed ones with 400 and oversized ones with 413 without calling
// the handler, times out idle and slow peers, and logs one line per request.
#pragma once
#include <functional>
#include <memory>
#include <string_view>
#include <string>

#include "http/message.h"

namespace laurel::http {

using Handler = std::function<Response(Request&)>;

// A request body that streams (a tus PATCH of up to gigabytes) instead of being read whole.
// write() gets each piece as it arrives and returns false to stop reading; finish() is called
// once, with complete = the whole body arrived, and gives the answer (dropped if the peer left).
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual bool write(std::string_view data) = 0;
  virtual Response finish(bool complete) = 0;
};
// Decides from the head of a streaming request (body empty): a sink to receive the body, or an
// answer at once (then the body is not read and the connection closes).
struct StreamStart {
  std::unique_ptr<BodySink> sink;
  Response answer;
};
using StreamHandler = std::function<StreamStart(Request& head)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;  // 0: any free port
  int threads = 48;             // handlers may block on the database
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  int read_timeout_seconds = 30;
  int keep_alive_seconds = 60;
  std::function<void(unsigned short port)> on_listening;
  // Requests with this method whose path starts with the prefix go to the stream handler.
  std::string stream_method = "PATCH";
  std::string stream_prefix;  // empty: none
  int stream_idle_seconds = 60;  // a streaming body may pause this long between pieces
  int drain_seconds = 20;        // on SIGTERM, how long requests in flight may take to finish
  // Open connections: past max_connections (0: derived from the descriptor limit, see
  // connection_cap) or max_connections_per_address from one peer address (0: no limit), a new
  // connection is answered 503 and closed at once. Above three quarters of the cap, connections
  // that wait for a request's head are given pressure_idle_seconds instead of keep_alive_seconds,
  // and the longest-idle ones are closed to make room.
  int max_connections = 0;
  int max_connections_per_address = 1000;
  int pressure_idle_seconds = 5;
};

// The connection cap for a descriptor limit: what is left after a reserve for files, database
// connections and the accept loop's spare descriptor.
int connection_cap(long descriptor_limit);

// Runs until SIGINT or SIGTERM; then stops accepting, lets the requests in flight finish (at most
// drain_seconds; a second signal stops at once) and returns. Throws when the address cannot be bound.
void serve(const ServerOptions& options, Handler handler, StreamHandler stream = {});

}  // namespace laurel::http
