// Reads one HTTP/1.1 request out of bytes, with every limit enforced and every exception of
// the parser caught: the part of an HTTP session that needs no socket (and the entry point
// of the HTTP fuzzer, tests/fuzz).
//
// Beast's parser bounds the header section, but not a chunk's header line (its size and
// extensions) nor the trailer section: it waits for the whole line or section, so the
// connection's buffer would grow with whatever the client sends. And a single field longer
// than 65535 bytes makes Beast throw from inside the parse. Here the unparsed bytes that
// wait in the buffer are held to a limit in every phase, the chunk extensions of a request
// to a total, and an exception becomes an answer (431 or 400), never an abort.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "api/http_types.hpp"

namespace congress::net {

struct RequestLimits {
    std::size_t header_bytes = 16 * 1024;   // the header section, and the trailer section
    std::size_t body_bytes = 1024 * 1024;   // the body, after removing the chunked framing
    std::size_t chunk_extension_bytes = 4096;  // every chunk extension of one request, in all
};

class RequestReader {
public:
    using Message = boost::beast::http::request<boost::beast::http::string_body>;
    enum class State { need_more, done, failed };

    explicit RequestReader(const RequestLimits& limits);

    // Parses what `buffer` holds and consumes what was parsed; bytes of a next (pipelined)
    // request stay in it. need_more: read more into `buffer` and call again.
    State feed(boost::beast::flat_buffer& buffer);
    // The client closed its side: a request begun is dropped (nothing is answered).
    State end_of_input();

    // done: the request; call once.
    Message release();
    // failed: the answer to give before closing, or nullopt when there is nothing to answer
    // (the client went away).
    const std::optional<api::Response>& refusal() const { return refusal_; }
    // Whether any byte of this request has been seen.
    bool started() const { return started_; }

private:
    State fail(api::Response response);
    State on_error(const boost::beast::error_code& ec);
    // RFC 9112 checks on a complete request that Beast lets through.
    State check_framing();

    RequestLimits limits_;
    boost::beast::http::request_parser<boost::beast::http::string_body> parser_;
    std::function<void(std::uint64_t, boost::beast::string_view, boost::beast::error_code&)> on_chunk_header_;
    std::size_t extension_bytes_ = 0;
    bool extensions_too_long_ = false;
    bool started_ = false;
    State state_ = State::need_more;
    std::optional<api::Response> refusal_;
};

}  // namespace congress::net
