#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace congress::live {

// Whether a browser page at `origin` may open the live channel: the server's own origin
// (same host and port as the request's Host header), or one of `allowed` (exact match,
// e.g. "https://congress.example.org"). Requests without an Origin header come from
// programs, not pages, and carry no visitor's cookies: allowed.
bool origin_allowed(std::string_view origin, std::string_view host, const std::vector<std::string>& allowed);

}  // namespace congress::live
