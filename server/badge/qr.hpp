// QR codes for badges and letters, made by libqrencode: as an SVG element for pages and
// print sheets, and as a PNG image for downloads and decoders.
#pragma once

#include <string>
#include <string_view>

namespace congress::badge {

// An <svg> element drawing `text` as a QR code (error correction level M, a quiet zone of
// 4 modules, viewBox in modules, black on white, no script, no external reference). Its
// width and height are 100% so that CSS sizes it. Throws std::runtime_error if the text
// does not fit a QR code.
std::string qr_svg(std::string_view text);

// The same QR code as PNG bytes, `scale` pixels per module (1..32). Throws
// std::runtime_error (text too long) or std::invalid_argument (scale).
std::string qr_png(std::string_view text, int scale = 8);

}  // namespace congress::badge
