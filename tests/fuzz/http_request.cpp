// Bytes from a client, through the server's request reader (net/request_reader: Beast's
// parser with the server's limits) and, for each request that comes out of them (pipelined
// ones too), through the real router and handlers against the demo database
// (api_fixture.hpp). Every answer is checked (check_answer) and its head written as the
// session writes it.
//
// The input is what a client sends on one connection. It is fed to the reader in pieces
// whose size comes from the input's last byte, so that a request split across reads is
// covered too. Placeholders such as @COOKIE@, @CSRF@, @CODE@ and @EVENT@ are replaced by the
// fixture's values first (a signed-in staff member's cookie, a registration code...), so
// that the corpus reaches staff and delegate routes.
//
// What HttpSession::dispatch does between the reader and the router (absolute-form targets,
// copying the fields) is repeated below: the session itself needs a socket.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>

#include "api_fixture.hpp"
#include "net/request_reader.hpp"
#include "net/response_head.hpp"

using namespace congress;

namespace {

// As net/http_session.cpp: "http://host/path?q" to "/path?q"; anything else as is.
std::string_view origin_form(std::string_view target) {
    for (const std::string_view scheme : {"http://", "https://"}) {
        if (target.size() > scheme.size() && target.compare(0, scheme.size(), scheme) == 0) {
            const auto slash = target.find('/', scheme.size());
            return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
        }
    }
    return target;
}

// The route of a request whose answer could end or change the fixture's staff session.
bool touches_staff(const api::Request& request) {
    return request.path.rfind("/api/staff/", 0) == 0 || request.path.rfind("/api/admin/", 0) == 0;
}

constexpr int max_requests = 8;  // pipelined requests handled per input

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::ApiFixture::get();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto& fixture = fuzz::ApiFixture::get();
    const auto bytes = fixture.substitute(std::string_view(reinterpret_cast<const char*>(data), size));
    const std::size_t piece = bytes.empty() ? 1 : 1 + static_cast<unsigned char>(bytes.back()) % 61 * 17;

    net::RequestLimits limits;  // the server's defaults (net::ServerOptions)
    boost::beast::flat_buffer buffer;
    std::size_t offset = 0;
    int handled = 0;
    bool staff_touched = false;
    while (handled < max_requests) {
        net::RequestReader reader(limits);
        auto state = reader.feed(buffer);
        while (state == net::RequestReader::State::need_more) {
            if (offset == bytes.size()) {
                state = reader.end_of_input();
                break;
            }
            const auto n = std::min(piece, bytes.size() - offset);
            auto space = buffer.prepare(n);
            std::memcpy(space.data(), bytes.data() + offset, n);
            buffer.commit(n);
            offset += n;
            state = reader.feed(buffer);
        }
        if (state == net::RequestReader::State::failed) {
            if (const auto& refusal = reader.refusal()) fuzz::check_answer(*refusal, "refusal of the request reader");
            break;
        }
        auto message = reader.release();
        ++handled;
        if (const auto target = origin_form(message.target()); target.substr(0, target.find('?')) == "/live")
            continue;  // the WebSocket upgrade: fuzz_live_messages covers what follows it
        api::Request request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        api::split_target(origin_form(request.target), request.path, request.query);
        for (const auto& field : message)
            request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        request.body = std::move(message.body());
        request.request_id = net::next_request_id();
        staff_touched = staff_touched || touches_staff(request);
        fixture.send(std::move(request));
        if (!message.keep_alive()) break;
    }
    if (staff_touched) fixture.ensure_signed_in();
    return 0;
}
