#include "net/response_head.hpp"

#include <atomic>
#include <cstdint>
#include <cstdio>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

namespace congress::net {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// Sent with every answer unless a handler set its own: no inline script or style, nothing
// from elsewhere, never framed (pages carry registration codes and staff actions).
constexpr std::string_view content_security_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

}  // namespace

std::string next_request_id() {
    static std::atomic<std::uint64_t> counter{0};
    char text[24];
    std::snprintf(text, sizeof text, "%08llx",
                  static_cast<unsigned long long>(counter.fetch_add(1, std::memory_order_relaxed) + 1));
    return text;
}

void write_response_head(std::string& out, const api::Response& r, std::string_view request_id, bool tls, bool close) {
    // Written straight into one reused string: every answer takes this path, and Beast's
    // header container allocated a node per field and its serializer walked them again.
    out.clear();
    out += "HTTP/1.1 ";
    out += std::to_string(r.status);
    out += ' ';
    const auto reason = http::obsolete_reason(static_cast<http::status>(r.status));
    out.append(reason.data(), reason.size());
    out += "\r\n";
    const auto& extra = r.headers;
    const auto same_name = [](std::string_view a, std::string_view b) { return beast::iequals(a, b); };
    const auto handler_sets = [&](std::string_view name) {
        for (const auto& header : extra)
            if (same_name(header.first, name)) return true;
        return false;
    };
    const auto add = [&out](std::string_view name, std::string_view value) {
        out += name;
        out += ": ";
        // A line break in a value would start a header (or a body) of its own.
        for (const char c : value) out += (c == '\r' || c == '\n') ? ' ' : c;
        out += "\r\n";
    };
    const auto add_default = [&](std::string_view name, std::string_view value) {
        if (!handler_sets(name)) add(name, value);
    };
    add_default("Server", "congress");
    add_default("X-Request-Id", request_id);
    add_default("X-Content-Type-Options", "nosniff");
    // Registration links carry the delegate's code: never leak a URL to another site.
    add_default("Referrer-Policy", "no-referrer");
    add_default("X-Frame-Options", "DENY");
    add_default("Content-Security-Policy", content_security_policy);
    // Over TLS, browsers keep to https for this host for a year.
    if (tls) add_default("Strict-Transport-Security", "max-age=31536000");
    for (std::size_t i = 0; i < extra.size(); ++i) {
        bool replaced_later = false;
        for (std::size_t j = i + 1; j < extra.size() && !replaced_later; ++j)
            replaced_later = same_name(extra[i].first, extra[j].first);
        const bool framing = same_name(extra[i].first, "Content-Type") || same_name(extra[i].first, "Content-Length") ||
                             same_name(extra[i].first, "Connection") || same_name(extra[i].first, "Transfer-Encoding");
        if (!replaced_later && !framing) add(extra[i].first, extra[i].second);
    }
    if (r.status != 204 && r.status != 304) {
        add("Content-Type", r.content_type);
        if (r.stream) add("Transfer-Encoding", "chunked");
        else add("Content-Length", std::to_string(r.body ? r.body->size() : 0));
    }
    if (close) add("Connection", "close");
    out += "\r\n";
}

}  // namespace congress::net
