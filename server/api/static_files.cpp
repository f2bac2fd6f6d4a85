#include "api/static_files.hpp"

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "api/errors.hpp"

namespace congress::api {

namespace fs = std::filesystem;

namespace {

// Page routes of the UI: /events/{id}, /r/{registration code} and the organiser console.
std::string_view page_for(std::string_view path) {
    if (path == "/") return "/index.html";
    constexpr std::string_view events = "/events/";
    if (path.rfind(events, 0) == 0 && path.size() > events.size() &&
        path.find('/', events.size()) == std::string_view::npos)
        return "/event.html";
    // The organiser console: its home and one page per event.
    if (path == "/console" || path == "/console/") return "/console.html";
    constexpr std::string_view console_event = "/console/events/";
    if (path.rfind(console_event, 0) == 0 && path.size() > console_event.size() &&
        path.find('/', console_event.size()) == std::string_view::npos)
        return "/console-event.html";
    // The printable invitation letter: the organisers' copy and the delegate's (docs/letters.md).
    if (path.rfind(console_event, 0) == 0) {
        const auto rest = path.substr(console_event.size());  // "{id}/letters/{letter_id}"
        const auto slash = rest.find('/');
        constexpr std::string_view letters = "/letters/";
        if (slash != std::string_view::npos && slash > 0 && rest.substr(slash, letters.size()) == letters &&
            rest.size() > slash + letters.size() && rest.find('/', slash + letters.size()) == std::string_view::npos)
            return "/letter-print.html";
    }
    constexpr std::string_view registration = "/r/";
    constexpr std::string_view own_letter = "/letter";
    if (path.rfind(registration, 0) == 0 && path.size() > registration.size() + own_letter.size() &&
        path.substr(path.size() - own_letter.size()) == own_letter) {
        const auto code = path.substr(registration.size(), path.size() - registration.size() - own_letter.size());
        if (!code.empty() && code.find('/') == std::string_view::npos) return "/letter-print.html";
    }
    if (path.rfind(registration, 0) == 0 && path.size() > registration.size() &&
        path.find('/', registration.size()) == std::string_view::npos)
        return "/registration.html";
    // The public check of a visa invitation letter (docs/letters.md).
    constexpr std::string_view letter = "/letters/verify/";
    if (path.rfind(letter, 0) == 0 && path.size() > letter.size() && path.find('/', letter.size()) == std::string_view::npos)
        return "/letter-verify.html";
    return path;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Response not_found() { return error_response(404, "not_found", "There is no such page or file."); }

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            const int hi = hex_value(text[i + 1]);
            const int lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0') return std::nullopt;
        out += c;
    }
    return out;
}

std::string_view content_type_for(const fs::path& file) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 13> types{{
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
        {".map", "application/json"},
    }};
    const auto ext = file.extension().string();
    for (const auto& [suffix, type] : types)
        if (ext == suffix) return type;
    return "application/octet-stream";
}

StaticFiles::StaticFiles(const fs::path& root) {
    std::error_code ec;
    root_ = fs::canonical(root, ec);
    if (ec || !fs::is_directory(root_)) throw std::runtime_error("web root is not a directory: " + root.string());
}

std::optional<fs::path> StaticFiles::resolve(std::string_view request_path) const {
    const auto decoded = percent_decode(page_for(request_path));
    if (!decoded || decoded->empty() || decoded->front() != '/') return std::nullopt;
    if (decoded->find('\\') != std::string::npos) return std::nullopt;
    // Every segment must be a plain name: no "..", no ".", no hidden files, no empty ones.
    fs::path relative;
    std::size_t start = 1;
    while (start <= decoded->size()) {
        const auto end = decoded->find('/', start);
        const auto segment = std::string_view(*decoded).substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (segment.empty() || segment.front() == '.') return std::nullopt;
        relative /= std::string(segment);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    std::error_code ec;
    const auto full = fs::canonical(root_ / relative, ec);
    if (ec || !fs::is_regular_file(full, ec)) return std::nullopt;
    // A symlink inside the root may still point outside it.
    const auto& root = root_.native();
    const auto& candidate = full.native();
    if (candidate.size() <= root.size() || candidate.compare(0, root.size(), root) != 0 || candidate[root.size()] != '/')
        return std::nullopt;
    return full;
}

Response StaticFiles::serve(const Request& request) const {
    const auto file = resolve(request.path);
    if (!file) return not_found();
    std::error_code ec;
    const auto size = fs::file_size(*file, ec);
    const auto mtime = fs::last_write_time(*file, ec);
    if (ec) return not_found();
    char etag[64];
    std::snprintf(etag, sizeof etag, "\"%llx-%llx\"", static_cast<unsigned long long>(size),
                  static_cast<unsigned long long>(mtime.time_since_epoch().count()));

    Response response;
    response.content_type = std::string(content_type_for(*file));
    response.set_header("ETag", etag);
    // Always revalidate: file names carry no version, and a 304 costs one round trip.
    response.set_header("Cache-Control", "no-cache");
    const auto if_none_match = request.header("If-None-Match");
    if (!if_none_match.empty() && (if_none_match == "*" || if_none_match.find(etag) != std::string_view::npos)) {
        response.status = 304;
        return response;
    }
    std::ifstream in(*file, std::ios::binary);
    if (!in) return not_found();
    std::ostringstream content;
    content << in.rdbuf();
    response.body = std::make_shared<const std::string>(std::move(content).str());
    return response;
}

}  // namespace congress::api
