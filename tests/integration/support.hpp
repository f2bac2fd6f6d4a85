// Shared helpers of the integration suites: a fixture that starts one server per suite,
// JSON and RFC 3339 helpers, and the "the server still serves" check.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "integration/http_client.hpp"
#include "integration/server_process.hpp"

namespace congress::it {

// One server for every test of a suite (ctest runs each test in its own process, so in
// practice one per test there; a plain gtest run shares it). `Options` supplies the
// server options.
template <typename Options>
class SharedServerTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        try {
            server_ = std::make_unique<ServerProcess>(Options::make());
        } catch (const std::exception& e) {
            start_error_ = e.what();
        }
    }
    static void TearDownTestSuite() { server_.reset(); }
    void SetUp() override {
        if (!server_) FAIL() << "the congress server did not start: " << start_error_;
    }
    void TearDown() override {
        if (server_ && HasFailure()) std::cerr << "---- server log ----\n" << server_->log() << "--------------------\n";
    }

    static ServerProcess& server() { return *server_; }
    static std::uint16_t port() { return server_->port(); }

private:
    static inline std::unique_ptr<ServerProcess> server_;
    static inline std::string start_error_;
};

struct DefaultServer {
    static ServerOptions make() { return {}; }
};

// nullopt-like: a discarded value if `text` is not JSON.
inline nlohmann::json parse_json(const std::string& text) { return nlohmann::json::parse(text, nullptr, false); }

inline bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }
inline bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}
inline bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// Asserts a JSON error body {"error":{"code": CODE, "message": "..."}} with a JSON
// content type. An empty `code` accepts any non-empty code.
inline ::testing::AssertionResult is_json_error(const Response& r, std::string_view code = {}) {
    if (r.status == 0) return ::testing::AssertionFailure() << "no response: " << r.error;
    if (!starts_with(r.header("Content-Type"), "application/json"))
        return ::testing::AssertionFailure() << "Content-Type is \"" << r.header("Content-Type") << "\", body: " << r.body;
    const auto body = parse_json(r.body);
    if (body.is_discarded()) return ::testing::AssertionFailure() << "body is not JSON: " << r.body;
    if (!body.is_object() || !body.contains("error") || !body["error"].is_object())
        return ::testing::AssertionFailure() << "no \"error\" object: " << r.body;
    const auto& error = body["error"];
    if (!error.contains("code") || !error["code"].is_string() || error["code"].get<std::string>().empty())
        return ::testing::AssertionFailure() << "no error.code string: " << r.body;
    if (!error.contains("message") || !error["message"].is_string() || error["message"].get<std::string>().empty())
        return ::testing::AssertionFailure() << "no error.message string: " << r.body;
    if (!code.empty() && error["code"] != code)
        return ::testing::AssertionFailure() << "error.code is " << error["code"] << ", expected \"" << code << "\"";
    return ::testing::AssertionSuccess();
}

// GET /api/health answers 200 {"status":"ok"} on a fresh connection.
// How many lines of `text` (a server log) contain `part`.
inline int count_lines_containing(const std::string& text, std::string_view part) {
    int n = 0;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line))
        if (line.find(part) != std::string::npos) ++n;
    return n;
}

inline ::testing::AssertionResult still_serving(std::uint16_t port) {
    const auto r = get(port, "/api/health");
    if (r.status != 200)
        return ::testing::AssertionFailure() << "GET /api/health: "
                                             << (r.status ? "status " + std::to_string(r.status) : r.error);
    if (parse_json(r.body) != nlohmann::json{{"status", "ok"}})
        return ::testing::AssertionFailure() << "GET /api/health body: " << r.body;
    return ::testing::AssertionSuccess();
}

// POST (or another method) with a JSON body and Content-Type: application/json, on a new
// connection.
inline Response send_json(std::uint16_t port, std::string_view method, std::string_view target,
                          const nlohmann::json& body, Headers headers = {},
                          std::chrono::milliseconds timeout = default_timeout) {
    headers.emplace_back("Content-Type", "application/json");
    return request(port, method, target, headers, body.dump(), timeout);
}
inline Response post_json(std::uint16_t port, std::string_view target, const nlohmann::json& body, Headers headers = {},
                          std::chrono::milliseconds timeout = default_timeout) {
    return send_json(port, "POST", target, body, std::move(headers), timeout);
}

// Runs `sql` on the database file `db` with the sqlite3 command-line tool (-bail: the first
// failing statement stops it) and returns its standard output (list mode, "|" between
// columns). Throws std::runtime_error with the tool's output if it is missing or fails.
// Tests that need it check find_program("sqlite3") first and skip without it.
inline std::string run_sql(const std::string& db, const std::string& sql) {
    const auto sqlite3 = find_program("sqlite3");
    if (!sqlite3) throw std::runtime_error("the sqlite3 command-line tool is not installed");
    const auto r = run_program(*sqlite3, {"-bail", db, sql});
    if (r.exit_code != 0)
        throw std::runtime_error("sqlite3 " + db + " \"" + sql + "\" failed with status " + std::to_string(r.exit_code) +
                                 ":\n" + r.output());
    return r.out;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
constexpr long long days_from_civil(long long y, unsigned m, unsigned d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

// "2014-10-07T09:00:00+05:30" (or "...Z", optional fraction) to seconds since the epoch
// (UTC); nullopt if it is not RFC 3339 with an explicit offset.
inline std::optional<long long> parse_rfc3339(std::string_view t) {
    auto digits = [&](std::size_t pos, std::size_t n) -> std::optional<int> {
        if (pos + n > t.size()) return std::nullopt;
        int v = 0;
        for (std::size_t i = pos; i < pos + n; ++i) {
            if (!std::isdigit(static_cast<unsigned char>(t[i]))) return std::nullopt;
            v = v * 10 + (t[i] - '0');
        }
        return v;
    };
    if (t.size() < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':') return std::nullopt;
    const auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
    const auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
    if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
    if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60)
        return std::nullopt;
    std::size_t pos = 19;
    if (pos < t.size() && t[pos] == '.') {
        ++pos;
        const auto start = pos;
        while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos]))) ++pos;
        if (pos == start) return std::nullopt;
    }
    long long offset = 0;
    if (pos < t.size() && t[pos] == 'Z') {
        ++pos;
    } else if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
        const auto oh = digits(pos + 1, 2), om = digits(pos + 4, 2);
        if (!oh || !om || pos + 3 >= t.size() || t[pos + 3] != ':' || *oh > 23 || *om > 59) return std::nullopt;
        offset = (t[pos] == '-' ? -1 : 1) * (*oh * 3600LL + *om * 60LL);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != t.size()) return std::nullopt;
    const long long days = days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
    return days * 86400 + *hour * 3600LL + *minute * 60LL + *second - offset;
}

}  // namespace congress::it
