// Serves the browser UI from the web root: pages, scripts, styles. Paths that try to
// leave the root (.., encoded or not, symlinks pointing out) are 404s.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "api/http_types.hpp"

namespace congress::api {

class StaticFiles {
public:
    // Throws std::runtime_error if the root is not a readable directory.
    explicit StaticFiles(const std::filesystem::path& root);

    // `path` is the raw request path; the UI's page routes (/, /events/{id}) map to their
    // HTML files here.
    Response serve(const Request& request) const;

    // The file a request path names inside the root, or nullopt if it is not allowed or
    // does not exist. Exposed for tests.
    std::optional<std::filesystem::path> resolve(std::string_view request_path) const;

private:
    std::filesystem::path root_;
};

std::string_view content_type_for(const std::filesystem::path& file);
// Decodes %XX escapes; nullopt for a malformed escape or a decoded NUL.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace congress::api
