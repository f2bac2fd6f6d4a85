#include "auth/login_throttle.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cstring>
#include <vector>

namespace congress::auth {

namespace {

using Clock = LoginThrottle::Clock;

std::chrono::seconds ceil_seconds(Clock::duration d) {
    auto s = std::chrono::ceil<std::chrono::seconds>(d);
    return std::max(s, std::chrono::seconds(1));
}

}  // namespace

std::chrono::seconds lockout_for(int failures, const ThrottlePolicy& policy) {
    const int over = failures - policy.free_failures;
    if (over <= 0) return std::chrono::seconds(0);
    auto lockout = policy.first_lockout;
    for (int i = 1; i < over && lockout < policy.max_lockout; ++i) lockout *= 2;
    return std::min(lockout, policy.max_lockout);
}

std::string account_key(std::string_view email) {
    while (!email.empty() && std::isspace(static_cast<unsigned char>(email.front()))) email.remove_prefix(1);
    while (!email.empty() && std::isspace(static_cast<unsigned char>(email.back()))) email.remove_suffix(1);
    std::string key(email);
    for (auto& c : key)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return key;
}

std::string address_key(std::string_view address) {
    const std::string text(address);
    unsigned char bytes[16];
    if (inet_pton(AF_INET6, text.c_str(), bytes) != 1) return text;
    static constexpr unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char out[INET6_ADDRSTRLEN];
    if (std::memcmp(bytes, v4_mapped, sizeof v4_mapped) == 0) {
        if (!inet_ntop(AF_INET, bytes + 12, out, sizeof out)) return text;
        return out;
    }
    std::memset(bytes + 8, 0, 8);
    if (!inet_ntop(AF_INET6, bytes, out, sizeof out)) return text;
    return std::string(out) + "/64";
}

LoginThrottle::LoginThrottle(LoginThrottleOptions options, Now now) : options_(options), now_(std::move(now)) {}

int LoginThrottle::effective(const Entry& entry, const ThrottlePolicy& policy, Clock::time_point now) {
    if (entry.failures <= 0) return 0;
    if (policy.decay_interval.count() <= 0 || now <= entry.last_failure) return entry.failures;
    const auto forgiven = (now - entry.last_failure) / policy.decay_interval;
    return forgiven >= entry.failures ? 0 : entry.failures - static_cast<int>(forgiven);
}

std::chrono::seconds LoginThrottle::wait(const Table& table, const std::string& key, const ThrottlePolicy& policy,
                                         Clock::time_point now) {
    const auto it = table.find(key);
    if (it == table.end()) return std::chrono::seconds(0);
    // The lock follows the failure that set it; decay only matters once it is over.
    const auto until = it->second.last_failure + lockout_for(it->second.failures, policy);
    if (now < until) return ceil_seconds(until - now);
    return std::chrono::seconds(0);
}

void LoginThrottle::fail(Table& table, const std::string& key, const ThrottlePolicy& policy, Clock::time_point now) {
    auto& entry = table[key];
    entry.failures = effective(entry, policy, now) + 1;
    entry.last_failure = now;
}

ThrottleDecision LoginThrottle::check(std::string_view email, std::string_view address) const {
    const auto now = now_();
    const auto account = account_key(email);
    const auto addr = address_key(address);
    std::lock_guard lock(mutex_);
    const auto longest =
        std::max(wait(accounts_, account, options_.account, now), wait(addresses_, addr, options_.address, now));
    if (longest.count() == 0) return ThrottleDecision::allow();
    return ThrottleDecision{false, longest};
}

ThrottleDecision LoginThrottle::record_failure(std::string_view email, std::string_view address) {
    const auto now = now_();
    {
        const auto account = account_key(email);
        const auto addr = address_key(address);
        std::lock_guard lock(mutex_);
        fail(accounts_, account, options_.account, now);
        fail(addresses_, addr, options_.address, now);
        if (accounts_.size() + addresses_.size() > options_.max_keys) prune(now);
    }
    return check(email, address);
}

void LoginThrottle::record_success(std::string_view email) {
    const auto account = account_key(email);
    std::lock_guard lock(mutex_);
    accounts_.erase(account);
}

int LoginThrottle::account_failures(std::string_view email) const {
    const auto now = now_();
    std::lock_guard lock(mutex_);
    const auto it = accounts_.find(account_key(email));
    return it == accounts_.end() ? 0 : effective(it->second, options_.account, now);
}

int LoginThrottle::address_failures(std::string_view address) const {
    const auto now = now_();
    std::lock_guard lock(mutex_);
    const auto it = addresses_.find(address_key(address));
    return it == addresses_.end() ? 0 : effective(it->second, options_.address, now);
}

std::size_t LoginThrottle::keys() const {
    std::lock_guard lock(mutex_);
    return accounts_.size() + addresses_.size();
}

void LoginThrottle::prune(Clock::time_point now) {
    const auto drop_idle = [now](Table& table, const ThrottlePolicy& policy) {
        for (auto it = table.begin(); it != table.end();) {
            if (effective(it->second, policy, now) == 0 && wait(table, it->first, policy, now).count() == 0)
                it = table.erase(it);
            else
                ++it;
        }
    };
    drop_idle(accounts_, options_.account);
    drop_idle(addresses_, options_.address);
    // Still more than half full (a flood of distinct keys): keep the most recent quarter of
    // the bound in each table, so that pruning (linear) runs once per many insertions.
    if (accounts_.size() + addresses_.size() <= options_.max_keys / 2) return;
    const auto keep_recent = [](Table& table, std::size_t keep) {
        if (table.size() <= keep) return;
        std::vector<Clock::time_point> times;
        times.reserve(table.size());
        for (const auto& [key, entry] : table) times.push_back(entry.last_failure);
        const auto nth = times.begin() + static_cast<std::ptrdiff_t>(table.size() - keep);
        std::nth_element(times.begin(), nth, times.end());
        const auto cutoff = *nth;
        for (auto it = table.begin(); it != table.end();) it = it->second.last_failure < cutoff ? table.erase(it) : std::next(it);
    };
    const std::size_t keep = std::max<std::size_t>(1, options_.max_keys / 4);
    keep_recent(accounts_, keep);
    keep_recent(addresses_, keep);
}

}  // namespace congress::auth
