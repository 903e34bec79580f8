#include "infra/qr.h"

#include <qrencode.h>

#include <memory>
#include <stdexcept>

namespace laurel::qr {

std::string svg(const std::string& text, const std::string& title) {
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1),
                                                       &QRcode_free);
  if (!code) throw std::runtime_error("QR encoding failed");
  const int n = code->width, quiet = 4, size = n + 2 * quiet;
  std::string path;
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x)
      if (code->data[y * n + x] & 1)
        path += "M" + std::to_string(x + quiet) + " " + std::to_string(y + quiet) + "h1v1h-1z";
  std::string t;
  for (char c : title) {
    if (c == '<') t += "&lt;";
    else if (c == '>') t += "&gt;";
    else if (c == '&') t += "&amp;";
    else if (c == '"') t += "&quot;";
    else t += c;
  }
  std::string s = std::to_string(size);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + s + " " + s +
         "\" width=\"240\" height=\"240\" role=\"img\" aria-label=\"" + t + "\" shape-rendering=\"crispEdges\">" +
         "<title>" + t + "</title><rect width=\"" + s + "\" height=\"" + s + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" +
         path + "\"/></svg>";
}

}  // namespace laurel::qr
