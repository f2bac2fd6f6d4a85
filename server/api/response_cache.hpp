// Serialised read responses (the event list, each programme) kept in memory with their
// ETags, so that a read is a lookup and a revalidation is a 304. A commit that changes an
// event invalidates what shows it; fills that raced with an invalidation are dropped.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "api/http_types.hpp"

namespace congress::api {

struct CachedBody {
    std::shared_ptr<const std::string> body;
    std::string etag;
};

class ResponseCache {
public:
    std::optional<CachedBody> get(const std::string& key) const;
    // Take the generation before reading the database; put() ignores a fill whose
    // generation is no longer current, since the data it read may predate a commit.
    std::uint64_t generation() const;
    CachedBody put(const std::string& key, std::string body, std::uint64_t generation);
    // Drops every entry: the event list and each programme. Called after commits.
    void invalidate();
    std::size_t size() const;

private:
    mutable std::shared_mutex mutex_;
    std::uint64_t generation_ = 0;
    std::unordered_map<std::string, CachedBody> entries_;
};

// A strong ETag for a body.
std::string etag_for(std::string_view body);

// 200 with the body and ETag, or 304 if the request's If-None-Match already has it.
Response cached_response(std::string_view if_none_match, const CachedBody& cached);

}  // namespace congress::api
