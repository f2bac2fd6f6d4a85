// A write that could not be made for a reason outside the request: the disk is full, the
// database file is read-only, or another process holds the write lock past the busy
// timeout. Storage throws it (nothing was written); the API answers 503 with its code and
// Retry-After (docs/api.md, "Faults"). Kept here, below both layers, so that the API maps
// it without seeing storage.
#pragma once

#include <stdexcept>
#include <string>

namespace congress {

class StorageUnavailable : public std::runtime_error {
public:
    enum class Cause { full, read_only, busy };

    StorageUnavailable(Cause cause, const std::string& detail) : std::runtime_error(detail), cause_(cause) {}
    Cause cause() const noexcept { return cause_; }
    // storage_full, storage_read_only or storage_busy.
    const char* code() const noexcept { return code_of(cause_); }
    // What a person reads: what happened and that nothing was saved.
    std::string message() const { return message_of(cause_); }
    // Seconds a client should wait before trying again.
    int retry_after_seconds() const noexcept { return cause_ == Cause::busy ? 5 : 30; }

    static const char* code_of(Cause cause) noexcept {
        switch (cause) {
            case Cause::full: return "storage_full";
            case Cause::read_only: return "storage_read_only";
            case Cause::busy: return "storage_busy";
        }
        return "storage_unavailable";
    }
    static std::string message_of(Cause cause) {
        switch (cause) {
            case Cause::full:
                return "The server's disk is full, so nothing can be saved right now. Nothing was changed; please "
                       "try again later.";
            case Cause::read_only:
                return "The server's database cannot be written to right now. Nothing was changed; please try again "
                       "later.";
            case Cause::busy:
                return "The database is busy with another program's work. Nothing was changed; please try again in a "
                       "few seconds.";
        }
        return "The database is unavailable. Nothing was changed.";
    }

private:
    Cause cause_;
};

}  // namespace congress
