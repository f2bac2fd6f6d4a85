#include "live/origin.hpp"

#include <algorithm>
#include <cctype>

namespace congress::live {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

}  // namespace

bool origin_allowed(std::string_view origin, std::string_view host, const std::vector<std::string>& allowed) {
    if (origin.empty()) return true;
    const auto o = lower(origin);
    const auto h = lower(host);
    if (!h.empty() && (o == "http://" + h || o == "https://" + h)) return true;
    return std::any_of(allowed.begin(), allowed.end(), [&o](const std::string& a) { return lower(a) == o; });
}

}  // namespace congress::live
