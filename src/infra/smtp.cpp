#include "infra/smtp.h"

#include <curl/curl.h>

#include <cstring>
#include <memory>
#include <mutex>

namespace laurel::smtp {

namespace {

struct Upload {
  const std::string* data;
  size_t pos = 0;
};

size_t read_cb(char* buf, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t room = size * n, left = u->data->size() - u->pos, k = std::min(room, left);
  std::memcpy(buf, u->data->data() + u->pos, k);
  u->pos += k;
  return k;
}

// The server's last reply line, and its last refusal (4xx/5xx: after one, curl still says QUIT and
// the server's "221 Bye" is not the answer that matters). libcurl hands replies to the debug callback.
struct Replies {
  std::string last, refusal;
};
int debug_cb(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  if (type != CURLINFO_HEADER_IN) return 0;
  std::string line(data, size);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.empty()) return 0;
  auto* r = static_cast<Replies*>(user);
  r->last = line.substr(0, 500);
  if (line[0] == '4' || line[0] == '5') r->refusal = r->last;
  return 0;
}

bool loopback_host(const std::string& url) {
  auto p = url.find("://");
  std::string rest = p == std::string::npos ? url : url.substr(p + 3);
  auto at = rest.rfind('@', rest.find('/'));
  if (at != std::string::npos) rest = rest.substr(at + 1);
  return rest.rfind("127.", 0) == 0 || rest.rfind("localhost", 0) == 0 || rest.rfind("[::1]", 0) == 0;
}

bool has_credentials(const std::string& url) {
  auto p = url.find("://");
  if (p == std::string::npos) return false;
  auto slash = url.find('/', p + 3);
  auto at = url.find('@', p + 3);
  return at != std::string::npos && (slash == std::string::npos || at < slash);
}

}  // namespace

void init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string redact(const std::string& url) {
  auto scheme = url.find("://");
  auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + ":***" + url.substr(at);
}

Outcome send(const std::string& url, const std::string& from, const std::string& to, const std::string& message,
             const Options& options) {
  init();
  Outcome out;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h(curl_easy_init(), curl_easy_cleanup);
  if (!h) {
    out.answer = "cannot start libcurl";
    return out;
  }
  CURL* c = h.get();
  curl_slist* rcpt = curl_slist_append(nullptr, ("<" + to + ">").c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt_guard(rcpt, curl_slist_free_all);
  Upload up{&message};
  Replies replies;
  char errbuf[CURL_ERROR_SIZE] = {};
  std::string mail_from = "<" + from + ">";
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt(c, CURLOPT_READDATA, &up);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)message.size());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, long(options.timeout.count()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_cb);
  curl_easy_setopt(c, CURLOPT_DEBUGDATA, &replies);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  if (url.rfind("smtp://", 0) == 0)  // STARTTLS: required with credentials (a password never goes in clear)
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     has_credentials(url) && !loopback_host(url) ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
  // Never relaxed: a relay's certificate must chain to a trusted CA and name the URL's host.
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  out.code = int(code);
  out.ok = rc == CURLE_OK;
  out.answer = replies.last;
  if (!out.ok) {
    if (!replies.refusal.empty()) {
      out.answer = replies.refusal;
      out.code = std::atoi(replies.refusal.c_str());
    } else {  // failed before the server spoke, or without a refusal (a timeout, TLS)
      out.answer = std::string(errbuf[0] ? errbuf : curl_easy_strerror(rc)) +
                   (replies.last.empty() ? "" : " (last reply: " + replies.last + ")");
    }
    out.permanent = out.code >= 500 && out.code < 600;
  }
  return out;
}

}  // namespace laurel::smtp
