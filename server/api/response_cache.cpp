#include "api/response_cache.hpp"

#include <cstdio>
#include <mutex>

namespace congress::api {

std::optional<CachedBody> ResponseCache::get(const std::string& key) const {
    std::shared_lock lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
}

std::uint64_t ResponseCache::generation() const {
    std::shared_lock lock(mutex_);
    return generation_;
}

CachedBody ResponseCache::put(const std::string& key, std::string body, std::uint64_t generation) {
    CachedBody cached{std::make_shared<const std::string>(std::move(body)), {}};
    cached.etag = etag_for(*cached.body);
    std::unique_lock lock(mutex_);
    if (generation == generation_) entries_[key] = cached;
    return cached;
}

void ResponseCache::invalidate() {
    std::unique_lock lock(mutex_);
    ++generation_;
    entries_.clear();
}

std::size_t ResponseCache::size() const {
    std::shared_lock lock(mutex_);
    return entries_.size();
}

std::string etag_for(std::string_view body) {
    // FNV-1a, 64 bits: a change detector, not a security measure.
    std::uint64_t hash = 14695981039346656037ull;
    for (const unsigned char c : body) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    char text[24];
    std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(hash));
    return text;
}

Response cached_response(std::string_view if_none_match, const CachedBody& cached) {
    Response response;
    if (!if_none_match.empty() &&
        (if_none_match == "*" || if_none_match.find(cached.etag) != std::string_view::npos)) {
        response.status = 304;
    } else {
        response.body = cached.body;
    }
    response.set_header("ETag", cached.etag);
    // Browsers may keep it but must revalidate: seat counts change.
    response.set_header("Cache-Control", "no-cache");
    return response;
}

}  // namespace congress::api
