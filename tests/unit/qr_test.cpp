// The badges' QR codes, read back by a real decoder: zbarimg (Debian zbar-tools, installed by
// deploy/test). A missing zbarimg fails the test rather than skipping it: an unread QR code
// would otherwise pass unnoticed.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "badge/qr.hpp"
#include "temp_dir.hpp"

using congress::testing::TempDir;
namespace badge = congress::badge;

namespace {

// A badge token's shape: CB1 and 116 characters of the base32 alphabet (A-Z, 2-7).
std::string sample_token() {
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string token = "CB1";
    for (int i = 0; i < 116; ++i) token += alphabet[(i * 7 + 3) % alphabet.size()];
    return token;
}

bool zbarimg_on_path() { return std::system("command -v zbarimg >/dev/null 2>&1") == 0; }

struct Decoded {
    int exit_code = -1;
    std::string text;
    std::string stderr_text;
};

// zbarimg --raw prints each symbol's data followed by a newline on stdout. Its stderr (which
// may carry unrelated D-Bus noise) goes to a file next to the image, kept for the message.
Decoded zbar_decode(const std::string& file) {
    Decoded d;
    const std::string command = "zbarimg --raw -q '" + file + "' 2>'" + file + ".stderr'";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("popen failed");
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) d.text.append(buffer.data(), n);
    const int status = pclose(pipe);
    d.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream err(file + ".stderr");
    d.stderr_text.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
    while (!d.text.empty() && (d.text.back() == '\n' || d.text.back() == '\r')) d.text.pop_back();
    return d;
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(out.good()) << path;
}

}  // namespace

TEST(QrTest, ABadgeTokenReadsBackFromThePng) {
    ASSERT_TRUE(zbarimg_on_path())
        << "zbarimg is not on PATH: install zbar-tools (apt-get install zbar-tools; deploy/test installs it)";
    const std::string token = sample_token();
    ASSERT_EQ(token.size(), 119u);
    TempDir dir;
    const std::string file = dir.file("badge.png");
    const std::string png = badge::qr_png(token);
    ASSERT_GE(png.size(), 8u);
    EXPECT_EQ(png.substr(1, 3), "PNG");
    write_file(file, png);
    const Decoded d = zbar_decode(file);
    EXPECT_EQ(d.exit_code, 0) << "zbarimg could not read the QR code: " << d.stderr_text;
    EXPECT_EQ(d.text, token);
}

TEST(QrTest, MixedTextReadsBackAtASmallScale) {
    ASSERT_TRUE(zbarimg_on_path())
        << "zbarimg is not on PATH: install zbar-tools (apt-get install zbar-tools; deploy/test installs it)";
    // Lower case and punctuation need 8-bit mode; two pixels per module.
    const std::string text = "https://congress.example/r/Ab3-x9?lang=es";
    TempDir dir;
    const std::string file = dir.file("small.png");
    write_file(file, badge::qr_png(text, 2));
    const Decoded d = zbar_decode(file);
    EXPECT_EQ(d.exit_code, 0) << "zbarimg could not read the QR code: " << d.stderr_text;
    EXPECT_EQ(d.text, text);
}

TEST(QrTest, TheSvgIsOneSelfContainedPath) {
    const std::string svg = badge::qr_svg(sample_token());
    EXPECT_EQ(svg.rfind("<svg", 0), 0u) << svg.substr(0, 80);
    EXPECT_NE(svg.find("xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
    EXPECT_NE(svg.find("viewBox=\"0 0 "), std::string::npos);
    EXPECT_NE(svg.find("shape-rendering=\"crispEdges\""), std::string::npos);
    EXPECT_NE(svg.find("width=\"100%\""), std::string::npos);
    EXPECT_EQ(svg.find("<script"), std::string::npos);
    EXPECT_EQ(svg.find("href"), std::string::npos);
    EXPECT_EQ(svg.find("url("), std::string::npos);
    EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
    // One path for the dark modules.
    const auto first = svg.find("<path");
    ASSERT_NE(first, std::string::npos);
    EXPECT_EQ(svg.find("<path", first + 1), std::string::npos);
    // In alphanumeric mode a 119-character token fits version 5 at level M (37 modules; in
    // 8-bit mode it would need version 7, 45 modules). The viewBox adds a quiet zone of 4
    // modules on each side. Compact: well under 16 kB.
    EXPECT_NE(svg.find("viewBox=\"0 0 45 45\""), std::string::npos) << svg.substr(0, 200);
    EXPECT_LT(svg.size(), 16000u);
}

TEST(QrTest, TheSameTextGivesTheSameCode) {
    const std::string token = sample_token();
    EXPECT_EQ(badge::qr_svg(token), badge::qr_svg(token));
    EXPECT_EQ(badge::qr_png(token, 4), badge::qr_png(token, 4));
    EXPECT_NE(badge::qr_svg(token), badge::qr_svg(token.substr(0, 118) + "A"));
}

TEST(QrTest, AScaleOutside1To32Throws) {
    const std::string token = sample_token();
    EXPECT_THROW(badge::qr_png(token, 0), std::invalid_argument);
    EXPECT_THROW(badge::qr_png(token, -3), std::invalid_argument);
    EXPECT_THROW(badge::qr_png(token, 33), std::invalid_argument);
    EXPECT_NO_THROW(badge::qr_png(token, 1));
    EXPECT_NO_THROW(badge::qr_png(token, 32));
}

TEST(QrTest, TextTooLongForAQrCodeThrows) {
    const std::string text(5000, 'x');
    EXPECT_THROW(badge::qr_svg(text), std::runtime_error);
    EXPECT_THROW(badge::qr_png(text), std::runtime_error);
    EXPECT_THROW(badge::qr_svg(""), std::runtime_error);
}
