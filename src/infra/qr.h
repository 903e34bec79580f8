// QR codes through libqrencode, drawn as inline SVG (one path, no script, no external reference).
#pragma once
#include <string>

namespace laurel::qr {

// An <svg> element showing `text` as a QR code (error correction M, a 4-module quiet zone),
// `title` as its accessible name. Throws std::runtime_error if the text cannot be encoded.
std::string svg(const std::string& text, const std::string& title);

}  // namespace laurel::qr
