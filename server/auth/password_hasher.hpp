// The cap on password hashing: a few hashing threads and a bounded queue in front of them.
//
// One scrypt hash with the default parameters takes ~128 MiB and a few hundred milliseconds,
// so a burst of logins must not run them all at once. PasswordHasher runs at most
// `concurrent` hashes (default 2, one thread each) and lets at most `max_waiting` more wait;
// beyond that it refuses at once with HashQueueFull, which the HTTP layer answers with
// 503 Service Unavailable and a Retry-After, rather than queueing without bound.
//
// Like storage::Database, callers hand it work and are called back on its thread; nothing
// here blocks the caller. Call back into your own strand/executor from the callback.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "auth/password.hpp"

namespace congress::auth {

// Too many hashes already waiting. Map to 503 (code "busy") with a short Retry-After.
class HashQueueFull : public std::runtime_error {
public:
    HashQueueFull() : std::runtime_error("Too many logins are being checked at the moment; try again in a moment.") {}
};

struct PasswordHasherOptions {
    int concurrent = 2;            // hashes at once (threads)
    std::size_t max_waiting = 16;  // jobs queued behind them before HashQueueFull
    // New hashes (hash(), rehash after login) and the dummy verification use these.
    ScryptParams params = default_scrypt_params;
};

struct Verification {
    bool ok = false;  // the password matches (never true for a dummy verification)
    // Set when ok and the stored hash is weaker than the current parameters: store this
    // new hash (storage::update_password_hash) in the same write that creates the session.
    std::optional<std::string> rehashed;
    // OpenSSL failed (not a wrong password): answer 500.
    std::exception_ptr error;
};

class PasswordHasher {
public:
    explicit PasswordHasher(PasswordHasherOptions options = {});
    // close(), then the threads are gone.
    ~PasswordHasher();
    PasswordHasher(const PasswordHasher&) = delete;
    PasswordHasher& operator=(const PasswordHasher&) = delete;

    // Checks `password` against `stored` on a hashing thread and calls `done` there. With
    // `stored` empty (unknown email, disabled account) or unreadable it runs dummy_verify
    // instead, which costs the same, and reports ok == false. Throws HashQueueFull (before
    // queueing). The password is wiped from memory when the job ends.
    void verify(std::string password, std::optional<std::string> stored, std::function<void(Verification)> done);

    // Hashes a new password with options.params; `done(error, encoded)` on a hashing thread.
    // Throws HashQueueFull.
    void hash(std::string password, std::function<void(std::exception_ptr error, std::string encoded)> done);

    // Runs any job under the same cap. Throws HashQueueFull. `job` must not throw.
    void submit(std::function<void()> job);

    // Runs every queued job, then stops the threads; later submissions throw HashQueueFull.
    void close();

    const PasswordHasherOptions& options() const { return options_; }
    // For tests and metrics.
    std::size_t waiting() const;
    std::size_t running() const;

private:
    void worker();

    PasswordHasherOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> queue_;
    std::size_t running_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace congress::auth
