#include "domain/venue.hpp"

#include <algorithm>

namespace congress::domain {

bool is_venue_language(std::string_view lang) {
    return std::find(venue_languages.begin(), venue_languages.end(), lang) != venue_languages.end();
}

bool VenueNotes::empty() const {
    return access.empty() && accessibility.empty() && transport.empty() && wifi.empty() && catering.empty();
}

std::string* VenueNotes::field(std::string_view name) {
    if (name == "access") return &access;
    if (name == "accessibility") return &accessibility;
    if (name == "transport") return &transport;
    if (name == "wifi") return &wifi;
    if (name == "catering") return &catering;
    return nullptr;
}

const std::string* VenueNotes::field(std::string_view name) const {
    return const_cast<VenueNotes*>(this)->field(name);
}

bool is_web_address(std::string_view text) {
    if (text.size() > max_map_url) return false;
    std::string_view rest;
    if (text.starts_with("https://")) rest = text.substr(8);
    else if (text.starts_with("http://")) rest = text.substr(7);
    else return false;
    for (const unsigned char c : text)
        if (c <= 0x20 || c == 0x7f || c == '\\' || c == '"' || c == '<' || c == '>') return false;
    // The host: up to the first '/', '?' or '#', without user info; at least one character.
    const auto end = rest.find_first_of("/?#");
    const auto authority = rest.substr(0, end);
    if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
    const auto host = authority.substr(0, authority.rfind(':') == std::string_view::npos || authority.front() == '['
                                              ? authority.size()
                                              : authority.rfind(':'));
    if (host.empty()) return false;
    return std::all_of(host.begin(), host.end(), [](unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
               c == '[' || c == ']' || c == ':' || c >= 0x80;
    });
}

}  // namespace congress::domain
