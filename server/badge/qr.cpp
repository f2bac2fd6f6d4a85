#include "badge/qr.hpp"

#include <png.h>
#include <qrencode.h>

#include <cerrno>
#include <csetjmp>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace congress::badge {

namespace {

constexpr int quiet_zone = 4;  // modules of white around the symbol, as ISO/IEC 18004 asks

// A QR symbol as rows of dark (true) and light (false) modules, without the quiet zone.
struct Matrix {
    int width = 0;
    std::vector<bool> dark;  // width * width, row by row

    bool at(int x, int y) const { return dark[static_cast<std::size_t>(y) * width + x]; }
};

struct QrcodeDeleter {
    void operator()(QRcode* code) const { QRcode_free(code); }
};

Matrix encode(std::string_view text) {
    if (text.empty()) throw std::runtime_error("QR code: empty text");
    // libqrencode wants a NUL-terminated string; a NUL inside would cut the text short.
    if (text.find('\0') != std::string_view::npos) throw std::runtime_error("QR code: text contains NUL");
    const std::string copy(text);
    // Mode detection on (QR_MODE_8 as the hint), case-sensitive: a badge token of upper-case
    // letters and digits becomes one compact alphanumeric segment, other text 8-bit bytes.
    errno = 0;
    std::unique_ptr<QRcode, QrcodeDeleter> code(
        QRcode_encodeString(copy.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
    if (!code) {
        if (errno == ERANGE) throw std::runtime_error("QR code: text too long for a QR code");
        throw std::runtime_error("QR code: libqrencode failed to encode the text");
    }
    Matrix m;
    m.width = code->width;
    m.dark.resize(static_cast<std::size_t>(m.width) * m.width);
    for (std::size_t i = 0; i < m.dark.size(); ++i) m.dark[i] = (code->data[i] & 1) != 0;
    return m;
}

// ---- PNG ----

struct PngWriter {
    png_structp png = nullptr;
    png_infop info = nullptr;
    ~PngWriter() { png_destroy_write_struct(&png, info ? &info : nullptr); }
};

// Called by libpng (C code): no exception may cross it, so a failed append becomes a libpng
// error, which longjmps back to qr_png.
void append_to_string(png_structp png, png_bytep data, png_size_t length) {
    auto* out = static_cast<std::string*>(png_get_io_ptr(png));
    bool failed = false;
    try {
        out->append(reinterpret_cast<const char*>(data), length);
    } catch (...) {
        failed = true;
    }
    if (failed) png_error(png, "out of memory");
}

void no_flush(png_structp) {}

// Rows of 1-bit grey pixels (0 = black, 1 = white), most significant bit first.
std::vector<std::vector<png_byte>> png_rows(const Matrix& m, int scale) {
    const int side = (m.width + 2 * quiet_zone) * scale;
    const std::size_t row_bytes = (static_cast<std::size_t>(side) + 7) / 8;
    std::vector<std::vector<png_byte>> rows;
    rows.reserve(static_cast<std::size_t>(side));
    for (int py = 0; py < side; ++py) {
        std::vector<png_byte> row(row_bytes, 0xFF);
        const int my = py / scale - quiet_zone;
        if (my >= 0 && my < m.width) {
            for (int px = 0; px < side; ++px) {
                const int mx = px / scale - quiet_zone;
                if (mx >= 0 && mx < m.width && m.at(mx, my)) {
                    row[static_cast<std::size_t>(px) / 8] &= static_cast<png_byte>(~(0x80u >> (px % 8)));
                }
            }
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace

std::string qr_svg(std::string_view text) {
    const Matrix m = encode(text);
    const int side = m.width + 2 * quiet_zone;
    std::string svg;
    svg.reserve(static_cast<std::size_t>(m.width) * m.width * 4 + 300);
    svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ";
    svg += std::to_string(side) + ' ' + std::to_string(side);
    svg += "\" width=\"100%\" height=\"100%\" shape-rendering=\"crispEdges\" role=\"img\">";
    svg += "<rect width=\"" + std::to_string(side) + "\" height=\"" + std::to_string(side) + "\" fill=\"#fff\"/>";
    svg += "<path fill=\"#000\" d=\"";
    // One rectangle per horizontal run of dark modules: M x y hN v1 h-N z.
    for (int y = 0; y < m.width; ++y) {
        int x = 0;
        while (x < m.width) {
            if (!m.at(x, y)) {
                ++x;
                continue;
            }
            const int start = x;
            while (x < m.width && m.at(x, y)) ++x;
            const int run = x - start;
            svg += 'M';
            svg += std::to_string(start + quiet_zone);
            svg += ' ';
            svg += std::to_string(y + quiet_zone);
            svg += 'h';
            svg += std::to_string(run);
            svg += "v1h-";
            svg += std::to_string(run);
            svg += 'z';
        }
    }
    svg += "\"/></svg>";
    return svg;
}

std::string qr_png(std::string_view text, int scale) {
    if (scale < 1 || scale > 32) throw std::invalid_argument("QR code: scale must be 1..32 pixels per module");
    const Matrix m = encode(text);
    const auto side = static_cast<png_uint_32>((m.width + 2 * quiet_zone) * scale);
    auto rows = png_rows(m, scale);
    std::vector<png_bytep> row_pointers;
    row_pointers.reserve(rows.size());
    for (auto& row : rows) row_pointers.push_back(row.data());

    std::string out;
    PngWriter w;
    w.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    if (!w.png) throw std::runtime_error("QR code: png_create_write_struct failed");
    w.info = png_create_info_struct(w.png);
    if (!w.info) throw std::runtime_error("QR code: png_create_info_struct failed");
    // libpng reports errors by longjmp; nothing with a destructor is created between here
    // and the end of the writes, so jumping back is safe.
    if (setjmp(png_jmpbuf(w.png))) throw std::runtime_error("QR code: libpng failed to write the image");
    png_set_write_fn(w.png, &out, append_to_string, no_flush);
    png_set_IHDR(w.png, w.info, side, side, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(w.png, w.info);
    png_write_image(w.png, row_pointers.data());
    png_write_end(w.png, nullptr);
    return out;
}

}  // namespace congress::badge
