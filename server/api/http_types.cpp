#include "api/http_types.hpp"

#include <algorithm>
#include <cctype>

namespace congress::api {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view find_header(const Headers& headers, std::string_view name) {
    for (const auto& [key, value] : headers)
        if (iequals(key, name)) return value;
    return {};
}

}  // namespace

std::string_view Request::header(std::string_view name) const { return find_header(headers, name); }

std::string_view Response::header(std::string_view name) const { return find_header(headers, name); }

Response json_response(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::make_shared<const std::string>(std::move(body));
    return r;
}

Response text_response(int status, std::string content_type, std::string body) {
    Response r;
    r.status = status;
    r.content_type = std::move(content_type);
    r.body = std::make_shared<const std::string>(std::move(body));
    return r;
}

void split_target(std::string_view target, std::string& path, std::string& query) {
    const auto q = target.find('?');
    path.assign(target.substr(0, q));
    query.assign(q == std::string_view::npos ? std::string_view{} : target.substr(q + 1));
}

}  // namespace congress::api
