#include "http/server.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/url.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace laurel::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

std::atomic<unsigned long long> request_counter{0};
// Requests between their head being read and their answer being sent; on SIGTERM the server stops
// accepting, lets these finish (at most drain_seconds), and closes kept-alive connections.
std::atomic<int> in_flight{0};
std::atomic<bool> draining{false};
struct InFlight {
  InFlight() { ++in_flight; }
  ~InFlight() { --in_flight; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool to_request_head(const bhttp::request_header<>& in, Request& r) {
  r.method = std::string(in.method_string());
  r.target = std::string(in.target());
  auto url = boost::urls::parse_origin_form(r.target);
  if (!url) return false;
  r.path = url->path();
  for (auto p : url->params()) r.query.emplace(p.key, p.value);
  for (const auto& f : in) {
    std::string name = lower(f.name_string());
    auto [it, fresh] = r.headers.emplace(name, std::string(f.value()));
    if (!fresh) it->second += (name == "cookie" ? "; " : ", ") + std::string(f.value());
  }
  r.cookies = parse_cookies(r.header("cookie"));
  return true;
}

bool to_request(bhttp::request<bhttp::string_body>& in, Request& r) {
  if (!to_request_head(in, r)) return false;
  r.body = std::move(in.body());
  return true;
}

net::awaitable<void> send_plain(beast::tcp_stream& stream, bhttp::status status, unsigned version, std::string text) {
  bhttp::response<bhttp::string_body> res{status, version};
  res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  res.set(bhttp::field::connection, "close");
  res.set("X-Content-Type-Options", "nosniff");
  res.body() = std::move(text);
  res.prepare_payload();
  res.keep_alive(false);
  stream.expires_after(10s);
  co_await bhttp::async_write(stream, res, use_tuple);
}

// 413, as JSON for the API and as text elsewhere, naming the limit.
net::awaitable<void> send_too_large(beast::tcp_stream& stream, std::string_view target, unsigned version, size_t limit) {
  std::string n = std::to_string(limit);
  bhttp::response<bhttp::string_body> res{bhttp::status::payload_too_large, version};
  if (target.rfind("/api/", 0) == 0) {
    res.set(bhttp::field::content_type, "application/json; charset=utf-8");
    res.body() = "{\"error\":{\"code\":\"too_large\",\"message\":\"request body over the limit of " + n +
                 " bytes / 请求内容超过 " + n + " 字节上限\"}}";
  } else {
    res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    res.body() = "request body over the limit of " + n + " bytes / 请求内容超过 " + n + " 字节上限\n";
  }
  res.set(bhttp::field::connection, "close");
  res.set("X-Content-Type-Options", "nosniff");
  res.prepare_payload();
  res.keep_alive(false);
  stream.expires_after(10s);
  co_await bhttp::async_write(stream, res, use_tuple);
}

// The last resort when a handler throws (the web layer answers its own exceptions, so this is a
// bug there): 500 internal with the request id, as JSON on API paths (/api/, /uploads) in the
// error table's shape (core/errors.h), a small page elsewhere.
Response internal_error(const Request& req) {
  const std::string& id = req.id;  // a number of ours (request_counter)
  if (req.path.rfind("/api/", 0) == 0 || req.path.rfind("/uploads", 0) == 0)
    return Response::json("{\"error\":{\"code\":\"internal\",\"message\":\"internal error (request " + id +
                              ") / 服务器内部错误（请求 " + id + "）\",\"request_id\":\"" + id + "\"}}",
                          500);
  return Response::html("<!doctype html><html><head><meta charset=\"utf-8\"><title>500</title></head><body><p>internal "
                        "error (request " + id + ") / 服务器内部错误（请求 " + id + "）</p></body></html>",
                        500);
}

// Open connections, counted in all and per peer address, and the ones waiting for a request's
// head (idle), oldest first, so that under pressure the longest-idle can be closed.
class Connections {
 public:
  struct Idle {
    net::any_io_executor executor;  // the session's strand
    beast::tcp_stream* stream;
    const beast::flat_buffer* buffer;  // what has come of the next request's head so far
    std::chrono::steady_clock::time_point since;
  };
  void configure(int cap, int per_address) {
    cap_ = cap;
    per_address_cap_ = per_address;
  }
  int cap() const { return cap_; }
  int total() const {
    std::lock_guard lock(m_);
    return total_;
  }
  bool under_pressure() const { return total() * 4 > cap_ * 3; }
  // Admits a new connection from `address`, or says why not (nullptr: admitted). At the cap a
  // newcomer still gets in while some connection sits idle (no request in flight): `evict` is
  // then set, and the caller closes the longest-idle one to make room — idle connections, an
  // idle flood's above all, give way to new ones instead of locking everybody else out.
  const char* admit(const std::string& address, bool& evict) {
    std::lock_guard lock(m_);
    evict = false;
    if (total_ >= cap_) {
      if (total_ >= cap_ + kOvershoot || idle_.size() <= size_t(total_ - cap_)) return "connection limit";
      evict = true;
    }
    int& n = per_address_[address];
    if (per_address_cap_ > 0 && n >= per_address_cap_) {
      if (n == 0) per_address_.erase(address);
      return "per-address connection limit";
    }
    ++n;
    ++total_;
    return nullptr;
  }
  static constexpr int kOvershoot = 64;  // newcomers admitted past the cap while idle ones close
  void leave(const std::string& address) {
    std::lock_guard lock(m_);
    --total_;
    auto it = per_address_.find(address);
    if (it != per_address_.end() && --it->second <= 0) per_address_.erase(it);
  }
  unsigned long long enter_idle(net::any_io_executor ex, beast::tcp_stream* stream, const beast::flat_buffer* buffer) {
    std::lock_guard lock(m_);
    auto id = ++idle_seq_;
    idle_.emplace(id, Idle{std::move(ex), stream, buffer, std::chrono::steady_clock::now()});
    return id;
  }
  void leave_idle(unsigned long long id) {
    std::lock_guard lock(m_);
    idle_.erase(id);
  }
  // Closes up to `n` of the longest-idle connections that have waited at least `min_idle` (each
  // on its own strand, if still idle). A connection whose next request has begun to arrive
  // (bytes buffered or waiting in the socket) is spared unless it has been at it for `stalled`:
  // a kept-alive connection between two requests must not lose the second one.
  void reap(int n, std::chrono::milliseconds min_idle, std::chrono::seconds stalled) {
    std::vector<std::pair<unsigned long long, net::any_io_executor>> victims;
    auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(m_);
      for (auto it = idle_.begin(); it != idle_.end() && int(victims.size()) < n; ++it)
        if (now - it->second.since >= min_idle) victims.emplace_back(it->first, it->second.executor);
    }
    for (auto& [id, ex] : victims)
      net::post(ex, [this, id = id, stalled] {
        std::lock_guard lock(m_);
        auto it = idle_.find(id);
        if (it == idle_.end()) return;  // it got a request meanwhile, or is gone
        boost::system::error_code ec;
        bool arriving = it->second.buffer->size() > 0 || it->second.stream->socket().available(ec) > 0;
        if (arriving && std::chrono::steady_clock::now() - it->second.since < stalled) return;
        it->second.stream->socket().cancel(ec);
        idle_.erase(it);
      });
  }

 private:
  mutable std::mutex m_;
  int cap_ = 1 << 30, per_address_cap_ = 0, total_ = 0;
  std::unordered_map<std::string, int> per_address_;
  std::map<unsigned long long, Idle> idle_;
  unsigned long long idle_seq_ = 0;
};

// Logs a repeated condition at most once a second, with how often it happened meanwhile.
class ThrottledLog {
 public:
  template <class F>
  void note(F&& log) {
    ++count_;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ >= 1s) {
      log(count_);
      count_ = 0;
      last_ = now;
    }
  }

 private:
  unsigned long long count_ = 0;
  std::chrono::steady_clock::time_point last_{};
};

struct Shared {
  ServerOptions options;
  Handler handler;
  StreamHandler stream;
  Connections connections;
};

// Sends `res` (a string body, or a file slice read in pieces). Returns false if the peer is gone.
net::awaitable<bool> send_response(beast::tcp_stream& stream, Response& res, unsigned version, bool keep_alive,
                                   bool head, int timeout_seconds) {
  if (!res.file) {
    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(res.status), version};
    for (auto& [k, v] : res.headers) out.insert(k, v);
    out.body() = std::move(res.body);
    out.keep_alive(keep_alive);
    if (head) {
      out.content_length(out.body().size());
      out.body().clear();
    } else {
      out.prepare_payload();
    }
    stream.expires_after(std::chrono::seconds(timeout_seconds));
    auto [ec, n] = co_await bhttp::async_write(stream, out, use_tuple);
    co_return !ec;
  }
  const FileSlice& f = *res.file;
  int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    Response missing = Response::text("not found\n", 404);
    co_return co_await send_response(stream, missing, version, keep_alive, head, timeout_seconds);
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  bhttp::response<bhttp::empty_body> out{static_cast<bhttp::status>(res.status), version};
  for (auto& [k, v] : res.headers) out.insert(k, v);
  out.keep_alive(keep_alive);
  out.content_length(std::uint64_t(f.length));
  bhttp::response_serializer<bhttp::empty_body> sr{out};
  stream.expires_after(std::chrono::seconds(timeout_seconds));
  auto [ec, n] = co_await bhttp::async_write_header(stream, sr, use_tuple);
  if (ec) co_return false;
  if (head) co_return true;
  std::vector<char> buf(256 * 1024);
  long long at = f.offset, left = f.length;
  while (left > 0) {
    ssize_t got = ::pread(fd, buf.data(), size_t(std::min<long long>(left, (long long)buf.size())), at);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) co_return false;  // the file shrank: the peer sees a short body and the connection closes
    stream.expires_after(std::chrono::seconds(timeout_seconds));
    auto [ec2, n2] = co_await net::async_write(stream, net::buffer(buf.data(), size_t(got)), use_tuple);
    if (ec2) co_return false;
    at += got;
    left -= got;
  }
  co_return true;
}

// A request whose body streams to a sink. Returns whether the connection may carry another request.
net::awaitable<bool> stream_request(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                    bhttp::request_parser<bhttp::string_body>& head_parser, Shared& shared,
                                    const std::string& remote) {
  const auto& opt = shared.options;
  InFlight counted;
  bhttp::request_parser<bhttp::buffer_body> parser{std::move(head_parser)};
  parser.body_limit(boost::none);
  unsigned version = parser.get().version();
  bool keep_alive = parser.get().keep_alive();
  auto started = std::chrono::steady_clock::now();
  Request req;
  req.remote = remote;
  req.id = std::to_string(++request_counter);
  if (!to_request_head(parser.get(), req)) {
    co_await send_plain(stream, bhttp::status::bad_request, version, "malformed request target\n");
    co_return false;
  }
  StreamStart start;
  try {
    start = shared.stream(req);
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {} failed: {}", req.id, req.method, req.path, e.what());
    start.answer = internal_error(req);
  }
  Response res;
  bool body_read = parser.is_done();
  if (!start.sink) {
    res = std::move(start.answer);
  } else {
    if (lower(parser.get()[bhttp::field::expect]) == "100-continue") {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, version};
      co_await bhttp::async_write(stream, cont, use_tuple);
    }
    std::vector<char> buf(512 * 1024);
    bool complete = false, stopped = false;
    try {
      auto length = parser.content_length();
      if (length && !parser.chunked()) {
        // A body of known length (what tus clients send): straight from the socket into `buf`,
        // after what the head's read already buffered — no parser, one copy, large reads.
        std::uint64_t left = *length;
        size_t have = size_t(std::min<std::uint64_t>(buffer.size(), left));
        if (have) {
          stopped = !start.sink->write(std::string_view(static_cast<const char*>(buffer.data().data()), have));
          buffer.consume(have);
          left -= have;
        }
        while (left > 0 && !stopped) {
          stream.expires_after(std::chrono::seconds(opt.stream_idle_seconds));
          auto [ec, n] = co_await stream.async_read_some(
              net::buffer(buf.data(), size_t(std::min<std::uint64_t>(buf.size(), left))), use_tuple);
          if (n > 0) {
            left -= n;
            if (!start.sink->write(std::string_view(buf.data(), n))) stopped = true;
          }
          if (ec) break;
        }
        complete = left == 0 && !stopped;
        body_read = left == 0;
      } else {
        buffer.reserve(64 * 1024);
        while (!parser.is_done()) {
          parser.get().body().data = buf.data();
          parser.get().body().size = buf.size();
          stream.expires_after(std::chrono::seconds(opt.stream_idle_seconds));
          auto [ec, n] = co_await bhttp::async_read_some(stream, buffer, parser, use_tuple);
          if (ec == bhttp::error::need_buffer) ec = {};
          size_t got = buf.size() - parser.get().body().size;
          if (got > 0 && !start.sink->write(std::string_view(buf.data(), got))) {
            stopped = true;
            break;
          }
          if (ec) break;
        }
        complete = parser.is_done() && !stopped;
        body_read = parser.is_done();
      }
      res = start.sink->finish(complete);
    } catch (const std::exception& e) {
      spdlog::error("request {} {} {} failed: {}", req.id, req.method, req.path, e.what());
      res = internal_error(req);
    }
    if (!complete && !stopped) {  // the peer went away or stalled: nobody to answer
      spdlog::info("req={} {} {} body cut short", req.id, req.method, req.path);
      co_return false;
    }
  }
  keep_alive = keep_alive && body_read && !draining;
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("req={} {} {} status={} us={}", req.id, req.method, req.path, res.status, micros);
  bool sent = co_await send_response(stream, res, version, keep_alive, false, opt.read_timeout_seconds);
  co_return sent && keep_alive;
}

net::awaitable<void> session(tcp::socket socket, std::shared_ptr<Shared> shared, std::string remote) {
  const auto& opt = shared->options;
  struct Leave {  // the connection stops counting when the session ends, however it ends
    Connections& c;
    const std::string& address;
    ~Leave() { c.leave(address); }
  } leave{shared->connections, remote};
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(std::uint32_t(opt.max_header_bytes));
    parser.body_limit(boost::none);  // set after the head, when we know whether the body streams
    // Waiting for a head: near the connection cap, idle peers get a short time and may be
    // closed to make room for new ones.
    bool pressure = shared->connections.under_pressure();
    stream.expires_after(std::chrono::seconds(pressure ? opt.pressure_idle_seconds : opt.keep_alive_seconds));
    auto idle_id = shared->connections.enter_idle(stream.get_executor(), &stream, &buffer);
    auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
    shared->connections.leave_idle(idle_id);
    if (ec) {
      if (ec == bhttp::error::body_limit)
        co_await send_too_large(stream, parser.get().target(), 11, opt.max_body_bytes);
      else if (ec == bhttp::error::header_limit)
        co_await send_plain(stream, bhttp::status::request_header_fields_too_large, 11, "request header too large\n");
      else if (ec != bhttp::error::end_of_stream && ec != beast::error::timeout && ec != net::error::eof &&
               ec != net::error::connection_reset && ec != net::error::operation_aborted)
        co_await send_plain(stream, bhttp::status::bad_request, 11, "malformed request: " + ec.message() + "\n");
      break;
    }
    // Beast applies header_limit to what is left unparsed after each read, so a head a little
    // over the limit can pass it; the limit is on the whole head (request line to blank line).
    if (n > opt.max_header_bytes) {
      co_await send_plain(stream, bhttp::status::request_header_fields_too_large, 11, "request header too large\n");
      break;
    }
    unsigned version = parser.get().version();
    if (!opt.stream_prefix.empty() && shared->stream && parser.get().method_string() == opt.stream_method &&
        parser.get().target().starts_with(opt.stream_prefix)) {
      if (!co_await stream_request(stream, buffer, parser, *shared, remote)) break;
      continue;
    }
    parser.body_limit(opt.max_body_bytes);
    if (parser.content_length() && *parser.content_length() > opt.max_body_bytes) {
      co_await send_too_large(stream, parser.get().target(), version, opt.max_body_bytes);
      break;
    }
    if (lower(parser.get()[bhttp::field::expect]) == "100-continue") {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, version};
      co_await bhttp::async_write(stream, cont, use_tuple);
    }
    stream.expires_after(std::chrono::seconds(opt.read_timeout_seconds));
    auto [ec2, n2] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
    if (ec2) {
      if (ec2 == bhttp::error::body_limit)
        co_await send_too_large(stream, parser.get().target(), version, opt.max_body_bytes);
      else if (ec2 != beast::error::timeout && ec2 != net::error::eof && ec2 != net::error::connection_reset)
        co_await send_plain(stream, bhttp::status::bad_request, version, "malformed request: " + ec2.message() + "\n");
      break;
    }
    auto started = std::chrono::steady_clock::now();
    InFlight counted;
    auto in = parser.release();
    bool keep_alive = in.keep_alive() && !draining;
    Request req;
    req.remote = remote;
    req.id = std::to_string(++request_counter);
    if (!to_request(in, req)) {
      co_await send_plain(stream, bhttp::status::bad_request, version, "malformed request target\n");
      break;
    }
    Response res;
    try {
      res = shared->handler(req);
    } catch (const std::exception& e) {
      spdlog::error("request {} {} {} failed: {}", req.id, req.method, req.path, e.what());
      res = internal_error(req);
    }
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
    spdlog::info("req={} {} {} status={} us={}", req.id, req.method, req.path, res.status, micros);
    bool sent = co_await send_response(stream, res, version, keep_alive, req.method == "HEAD", opt.read_timeout_seconds);
    if (!sent || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// Answers a connection over the limits with a short 503 and closes it (never waits on the peer).
template <class Socket>
void refuse(Socket& socket) {
  static constexpr std::string_view answer =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 1\r\n"
      "Connection: close\r\nContent-Length: 34\r\n\r\ntoo many connections, retry later\n";
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(net::buffer(answer.data(), answer.size()), ignored);
  socket.shutdown(net::socket_base::shutdown_both, ignored);
  socket.close(ignored);
}

net::awaitable<void> listen(tcp::acceptor& acceptor, net::io_context& ioc, std::shared_ptr<Shared> shared) {
  // A spare descriptor: when the process runs out, it is given up for a moment to accept and
  // close a waiting connection (its peer learns at once instead of hanging in the backlog).
  int spare = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ThrottledLog exhausted, failed, refused;
  auto backoff = 10ms;
  net::steady_timer timer(ioc);
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(net::make_strand(ioc), use_tuple);
    if (ec) {
      if (ec == net::error::operation_aborted) co_return;
      bool no_fds = ec == net::error::no_descriptors || ec.value() == EMFILE || ec.value() == ENFILE ||
                    ec == net::error::no_buffer_space || ec == net::error::no_memory;
      if (no_fds) {
        exhausted.note([&](auto n) {
          spdlog::warn("accept: out of file descriptors ({} times in the last second; {} connections open)", n,
                       shared->connections.total());
        });
        if (spare >= 0) {
          ::close(spare);
          int fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
          if (fd >= 0) ::close(fd);
          spare = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        }
        shared->connections.reap(64, 0ms, std::chrono::seconds(shared->options.pressure_idle_seconds));
      } else {
        failed.note([&](auto n) { spdlog::warn("accept failed: {} ({} times in the last second)", ec.message(), n); });
      }
      // Back off instead of spinning on an error that will repeat at once.
      timer.expires_after(backoff);
      co_await timer.async_wait(use_tuple);
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, 500ms);
      continue;
    }
    backoff = 10ms;
    std::string remote;
    {
      boost::system::error_code e2;
      auto ep = socket.remote_endpoint(e2);
      if (!e2) remote = ep.address().to_string();
    }
    auto& conns = shared->connections;
    bool evict = false;
    if (const char* why = conns.admit(remote, evict)) {
      refused.note([&](auto n) { spdlog::warn("refused {} connection(s): {} (last from {})", n, why, remote); });
      refuse(socket);
      if (conns.under_pressure()) conns.reap(16, 1000ms, std::chrono::seconds(shared->options.pressure_idle_seconds));
      continue;
    }
    if (evict) conns.reap(1, 0ms, std::chrono::seconds(shared->options.pressure_idle_seconds));
    else if (conns.under_pressure())
      conns.reap(std::clamp(conns.total() - conns.cap() * 3 / 4, 1, 64), 1000ms,
                 std::chrono::seconds(shared->options.pressure_idle_seconds));
    auto ex = socket.get_executor();
    net::co_spawn(ex, session(std::move(socket), shared, std::move(remote)), net::detached);
  }
}

}  // namespace

int connection_cap(long descriptor_limit) {
  long reserve = std::max(256L, descriptor_limit / 4);
  return int(std::clamp(descriptor_limit - reserve, 16L, 1000000L));
}

void serve(const ServerOptions& options, Handler handler, StreamHandler stream_handler) {
  // As many descriptors as the system allows this process (the soft limit up to the hard one).
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
    ::getrlimit(RLIMIT_NOFILE, &rl);
  }
  auto shared = std::make_shared<Shared>();
  shared->options = options;
  shared->handler = std::move(handler);
  shared->stream = std::move(stream_handler);
  int cap = options.max_connections > 0 ? options.max_connections
                                        : connection_cap(rl.rlim_cur == RLIM_INFINITY ? 1000000L : long(rl.rlim_cur));
  shared->connections.configure(cap, options.max_connections_per_address);
  spdlog::info("at most {} connections ({} from one address)", cap,
               options.max_connections_per_address > 0 ? std::to_string(options.max_connections_per_address)
                                                       : std::string("any"));
  int threads = std::max(1, options.threads);
  net::io_context ioc{threads};
  tcp::endpoint endpoint{net::ip::make_address(options.host), options.port};
  tcp::acceptor acceptor{ioc};
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(net::socket_base::max_listen_connections);
  unsigned short port = acceptor.local_endpoint().port();
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    draining = true;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    spdlog::info("stopping: {} requests in flight, waiting at most {} s for them", in_flight.load(), options.drain_seconds);
    // A second signal stops at once.
    signals.async_wait([&](const boost::system::error_code&, int) { ioc.stop(); });
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
          net::steady_timer timer(co_await net::this_coro::executor);
          auto until = std::chrono::steady_clock::now() + std::chrono::seconds(options.drain_seconds);
          while (in_flight.load() > 0 && std::chrono::steady_clock::now() < until) {
            timer.expires_after(20ms);
            co_await timer.async_wait(use_tuple);
          }
          spdlog::info("stopped ({} requests left unfinished)", in_flight.load());
          ioc.stop();
        },
        net::detached);
  });
  net::co_spawn(ioc, listen(acceptor, ioc, shared), net::detached);
  if (options.on_listening) options.on_listening(port);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
}

}  // namespace laurel::http
