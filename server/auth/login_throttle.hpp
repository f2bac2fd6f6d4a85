// Back-off after failed logins, per account and per address.
//
// Each key (an account's email, a client address) counts its recent failures. The first
// `free_failures` cost nothing; each one after that locks the key for `first_lockout`,
// doubling with every further failure up to `max_lockout`. Failures fade: every
// `decay_interval` without a new failure forgives one. A successful login clears the
// account's count (not the address's: one valid account must not let an address go on
// guessing others). While a key is locked, refuse the login before checking the password:
// no hash is computed and nothing is counted.
//
// Keys are compared as given, after normalising (lower-case email; an IPv6 address is
// counted by its /64, since one client usually holds the whole prefix). Unknown emails are
// counted exactly like known ones, so the answers do not reveal which accounts exist.
//
// Thread-safe. In memory only: a restart forgets the counts (documented in docs/staff.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace congress::auth {

struct ThrottlePolicy {
    int free_failures = 5;
    std::chrono::seconds first_lockout{30};
    std::chrono::seconds max_lockout{std::chrono::minutes(15)};
    std::chrono::seconds decay_interval{std::chrono::minutes(15)};
};

struct LoginThrottleOptions {
    ThrottlePolicy account{};
    // Several desks at a venue may share one address: more free failures, faster decay.
    ThrottlePolicy address{20, std::chrono::seconds(30), std::chrono::minutes(15), std::chrono::minutes(1)};
    // Memory bound: past this many keys, keys that are neither locked nor counting are
    // dropped, then the stalest ones.
    std::size_t max_keys = 100'000;
};

struct ThrottleDecision {
    bool allowed = true;
    std::chrono::seconds retry_after{0};  // when !allowed: whole seconds, at least 1 (Retry-After)

    static ThrottleDecision allow() { return {}; }
};

class LoginThrottle {
public:
    using Clock = std::chrono::steady_clock;
    using Now = std::function<Clock::time_point()>;

    explicit LoginThrottle(LoginThrottleOptions options = {}, Now now = [] { return Clock::now(); });

    // May this login be attempted now? The longer wait of the account and the address.
    ThrottleDecision check(std::string_view email, std::string_view address) const;
    // The password was wrong (or the account unknown or disabled). Returns check() after
    // counting it: how long the account or address is now locked.
    ThrottleDecision record_failure(std::string_view email, std::string_view address);
    // The login succeeded: forget the account's failures.
    void record_success(std::string_view email);

    // The effective failure count of a key (after decay), for tests and logs.
    int account_failures(std::string_view email) const;
    int address_failures(std::string_view address) const;
    std::size_t keys() const;

private:
    struct Entry {
        int failures = 0;  // as of last_failure
        Clock::time_point last_failure{};
    };
    using Table = std::unordered_map<std::string, Entry>;

    static int effective(const Entry& entry, const ThrottlePolicy& policy, Clock::time_point now);
    static std::chrono::seconds wait(const Table& table, const std::string& key, const ThrottlePolicy& policy,
                                     Clock::time_point now);
    static void fail(Table& table, const std::string& key, const ThrottlePolicy& policy, Clock::time_point now);
    void prune(Clock::time_point now);

    LoginThrottleOptions options_;
    Now now_;
    mutable std::mutex mutex_;
    Table accounts_;
    Table addresses_;
};

// How long a key with `failures` recent failures stays locked after the last one.
std::chrono::seconds lockout_for(int failures, const ThrottlePolicy& policy);

// "Ana@Example.ORG " -> "ana@example.org".
std::string account_key(std::string_view email);
// "203.0.113.9" as is; "::ffff:203.0.113.9" -> "203.0.113.9"; "2001:db8:1:2:3:4:5:6" ->
// "2001:db8:1:2::/64". Anything unparsable is used as given.
std::string address_key(std::string_view address);

}  // namespace congress::auth
