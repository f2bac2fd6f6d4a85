#include "auth/password_hasher.hpp"

#include <algorithm>

#include <openssl/crypto.h>

#include "util/log.hpp"

namespace congress::auth {

namespace {

// The password stays in memory no longer than its job.
void wipe(std::string& secret) {
    if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
    secret.clear();
}

}  // namespace

PasswordHasher::PasswordHasher(PasswordHasherOptions options) : options_(std::move(options)) {
    const int threads = std::max(1, options_.concurrent);
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { worker(); });
}

PasswordHasher::~PasswordHasher() { close(); }

void PasswordHasher::close() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    std::lock_guard lock(mutex_);
    threads_.clear();
}

void PasswordHasher::submit(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        // Free threads take a job at once; count only what would really wait.
        const std::size_t idle = threads_.size() - std::min(threads_.size(), running_);
        const std::size_t would_wait = queue_.size() + 1 > idle ? queue_.size() + 1 - idle : 0;
        if (stopping_ || would_wait > options_.max_waiting) throw HashQueueFull();
        queue_.push_back(std::move(job));
    }
    ready_.notify_one();
}

void PasswordHasher::verify(std::string password, std::optional<std::string> stored,
                            std::function<void(Verification)> done) {
    submit([this, password = std::move(password), stored = std::move(stored), done = std::move(done)]() mutable {
        Verification result;
        try {
            // An unreadable stored hash would be refused without any work: run the dummy so
            // that it takes as long as a real check.
            if (stored && parse_hash_params(*stored)) {
                result.ok = verify_password(password, *stored);
                if (result.ok && needs_rehash(*stored, options_.params))
                    result.rehashed = hash_password(password, options_.params);
            } else {
                dummy_verify(password, options_.params);
            }
        } catch (...) {
            result.ok = false;
            result.rehashed.reset();
            result.error = std::current_exception();
        }
        wipe(password);
        done(std::move(result));
    });
}

void PasswordHasher::hash(std::string password, std::function<void(std::exception_ptr, std::string)> done) {
    submit([this, password = std::move(password), done = std::move(done)]() mutable {
        std::string encoded;
        std::exception_ptr error;
        try {
            encoded = hash_password(password, options_.params);
        } catch (...) {
            error = std::current_exception();
        }
        wipe(password);
        done(error, std::move(encoded));
    });
}

std::size_t PasswordHasher::waiting() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

std::size_t PasswordHasher::running() const {
    std::lock_guard lock(mutex_);
    return running_;
}

void PasswordHasher::worker() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything queued is done
            job = std::move(queue_.front());
            queue_.pop_front();
            ++running_;
        }
        try {
            job();
        } catch (const std::exception& e) {
            log::error("auth", std::string("password job failed: ") + e.what());
        } catch (...) {
            log::error("auth", "password job failed");
        }
        std::lock_guard lock(mutex_);
        --running_;
    }
}

}  // namespace congress::auth
