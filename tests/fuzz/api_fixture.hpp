// The server in process, for the fuzz targets that drive the API (docs/testing.md,
// "Fuzzing"): a real database in a temporary directory (in /dev/shm when there is one, so
// that each commit's fsync costs little) with the demo loaded, the real route table
// (api::add_routes), the live hub and feed wired as in main.cpp, a signed-in staff member
// who is admin and organiser of every event, and a delegate's registration. No sockets.
//
// The database keeps what the inputs wrote from one input to the next (registrations,
// edits): a fuzz target here is stateful, as the server is. A crash input is reproduced by
// running it alone on a fresh fixture; a finding that needs earlier writes shows up as one
// that does not reproduce alone (libFuzzer then says so).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "api/http_types.hpp"
#include "api/router.hpp"

namespace congress::storage {
class Database;
}
namespace congress::live {
class Hub;
}
namespace congress::api {
class LiveFeed;
}

namespace congress::fuzz {

class ApiFixture {
public:
    // Built on first use (call it from LLVMFuzzerInitialize); never destroyed before exit.
    static ApiFixture& get();

    // The router's answer, waited for. Aborts (a finding) when the request is not answered
    // within 20 s, is answered twice, or the answer breaks an invariant (see check_answer).
    // CONGRESS_FUZZ_TRACE=1 prints each request and its answer.
    api::Response send(api::Request request);
    api::Response send(const std::string& method, const std::string& target, const std::string& body,
                       api::Headers headers, bool as_staff);

    // Cookie and X-CSRF-Token of the staff session.
    api::Headers staff_headers() const;
    const std::string& staff_cookie() const { return cookie_; }
    // After a request that may have ended the staff session or taken its roles away
    // (logout, admin changes): checks it and, if needed, restores the account and signs in
    // again (straight through storage, so that the login throttle cannot lock it out).
    void ensure_signed_in();

    // Replaces the placeholders @EVENT@, @EVENT2@, @SESSION@, @SESSION2@, @CODE@,
    // @REGISTRATION@, @TOKEN@, @HOTEL@, @BLOCK@, @LETTER@, @TRACK@, @ROOM@, @CHECKIN@, @USER@,
    // @COOKIE@ and @CSRF@ in fuzz input by the ids of this database (see the .dict files).
    std::string substitute(std::string_view text) const;
    // The value behind a placeholder name ("SESSION"), "0" if unknown.
    std::string id(const std::string& name) const;

    // A new confirmed registration of the main event; returns its code.
    std::string new_registration();
    // The id of the registration with this code (0 if none), read through storage.
    std::int64_t registration_id(const std::string& code);

    api::Router& router() { return *router_; }
    storage::Database& db();
    live::Hub& hub();
    api::LiveFeed& feed();

private:
    ApiFixture();
    struct Parts;
    void sign_in_through_storage();
    void discover_ids();

    std::unique_ptr<Parts> parts_;
    api::Router* router_ = nullptr;
    std::string cookie_;
    std::string csrf_;
    std::int64_t staff_user_id_ = 0;
    std::map<std::string, std::string> ids_;
    int registrations_ = 0;
};

// Invariants every answer keeps, whatever the request: a status of 100..599 and never 500
// (an unexpected exception: set CONGRESS_FUZZ_ALLOW_500=1 to keep going past them), a JSON
// body that parses when the answer says application/json, and a head that
// net::write_response_head writes with no line break inside a header. Aborts otherwise.
void check_answer(const api::Response& response, std::string_view what);

// The log level for fuzzing: errors only, unless CONGRESS_FUZZ_LOG names another.
void quiet_logs();

}  // namespace congress::fuzz
