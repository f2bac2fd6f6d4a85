#include "net/request_reader.hpp"

#include <algorithm>
#include <new>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include "api/errors.hpp"

namespace congress::net {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

bool is_http_error(const beast::error_code& ec) {
    return ec.category() == http::make_error_code(http::error::bad_method).category();
}

api::Response header_too_large() {
    return api::error_response(431, "header_too_large", "The request headers are too large.");
}

// The first line of `bytes`, after the CRLF that ends the previous chunk's data, is complete.
bool has_complete_first_line(std::string_view bytes) {
    if (bytes.substr(0, 2) == "\r\n") bytes.remove_prefix(2);
    return bytes.find("\r\n") != std::string_view::npos;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

}  // namespace

RequestReader::RequestReader(const RequestLimits& limits) : limits_(limits) {
    parser_.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits.header_bytes, UINT32_MAX)));
    parser_.body_limit(limits.body_bytes);
    parser_.eager(true);
    // Extensions are parsed and thrown away, but a client could send megabytes of them in
    // many small chunks: they count against a total per request.
    on_chunk_header_ = [this](std::uint64_t, beast::string_view extensions, beast::error_code& ec) {
        extension_bytes_ += extensions.size();
        if (extension_bytes_ > limits_.chunk_extension_bytes) {
            extensions_too_long_ = true;
            ec = http::error::bad_chunk_extension;
        }
    };
    parser_.on_chunk_header(on_chunk_header_);
}

RequestReader::State RequestReader::fail(api::Response response) {
    refusal_ = std::move(response);
    state_ = State::failed;
    return state_;
}

RequestReader::State RequestReader::on_error(const beast::error_code& ec) {
    if (ec == http::error::header_limit) return fail(header_too_large());
    if (ec == http::error::body_limit)
        return fail(api::error_response(413, "body_too_large",
                                        "The request body is larger than the server accepts (" +
                                            std::to_string(limits_.body_bytes) + " bytes)."));
    if (extensions_too_long_)
        return fail(api::error_response(400, "bad_request",
                                        "The request's chunk extensions are longer than the server accepts (" +
                                            std::to_string(limits_.chunk_extension_bytes) + " bytes)."));
    if (is_http_error(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message)
        return fail(api::error_response(400, "bad_request", "The request is not valid HTTP/1.1: " + ec.message() + "."));
    state_ = State::failed;  // nothing to answer
    return state_;
}

RequestReader::State RequestReader::feed(beast::flat_buffer& buffer) {
    if (state_ != State::need_more) return state_;
    while (buffer.size() > 0) {
        started_ = true;
        beast::error_code ec;
        std::size_t used = 0;
        try {
            used = parser_.put(buffer.data(), ec);
        } catch (const std::length_error&) {
            // Beast stores a field in at most 65535 bytes; a longer one (possible with a
            // header limit above that, and in a trailer) is thrown as too long.
            return fail(header_too_large());
        } catch (const std::bad_alloc&) {
            return fail(api::error_response(503, "overloaded", "The server cannot take this request now."));
        } catch (const std::exception&) {
            return fail(api::error_response(400, "bad_request", "The request is not valid HTTP/1.1."));
        }
        buffer.consume(used);
        if (ec == http::error::need_more) break;
        if (ec) return on_error(ec);
        if (parser_.is_done()) return check_framing();
        if (used == 0) break;  // nothing parsed and no error: wait for more
    }
    // What waits unparsed must stay within the limit of the phase it belongs to; Beast
    // enforces the header limit itself, the rest is checked here.
    const std::string_view waiting(static_cast<const char*>(buffer.data().data()), buffer.size());
    if (!parser_.is_header_done()) {
        if (waiting.size() > limits_.header_bytes) return fail(header_too_large());
    } else if (parser_.chunked()) {
        if (has_complete_first_line(waiting)) {
            // The last chunk's line is there: what is still coming is the trailer section.
            if (waiting.size() > limits_.header_bytes)
                return fail(api::error_response(431, "header_too_large", "The request's trailer fields are too large."));
        } else if (waiting.size() > limits_.chunk_extension_bytes + 64) {
            extensions_too_long_ = true;
            return on_error(http::error::bad_chunk_extension);
        }
    }
    return state_;
}

RequestReader::State RequestReader::end_of_input() {
    if (state_ == State::need_more) state_ = State::failed;
    return state_;
}

RequestReader::State RequestReader::check_framing() {
    const auto& message = parser_.get();
    // Exactly one Host in HTTP/1.1, at most one in HTTP/1.0 (RFC 9112, 3.2).
    const auto hosts = message.count(http::field::host);
    if (hosts > 1 || (hosts == 0 && message.version() >= 11))
        return fail(api::error_response(400, "bad_request", "A request must carry exactly one Host header."));
    if (message.count(http::field::transfer_encoding) > 0) {
        // A body whose length cannot be known (chunked is not the last coding) must not be
        // guessed at: a proxy in front may see another request boundary (RFC 9112, 6.3).
        if (!parser_.chunked())
            return fail(api::error_response(400, "bad_request", "Only the chunked transfer coding is accepted."));
        // Chunked is last; any other coding before it is one this server does not decode.
        const auto range = message.equal_range(http::field::transfer_encoding);
        for (auto it = range.first; it != range.second; ++it) {
            std::string_view list(it->value().data(), it->value().size());
            while (!list.empty()) {
                const auto comma = list.find(',');
                const auto coding = trim(list.substr(0, comma));
                list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
                if (!coding.empty() && !beast::iequals(coding, "chunked"))
                    return fail(api::error_response(501, "unsupported_transfer_coding",
                                                    "The transfer coding \"" + std::string(coding.substr(0, 40)) +
                                                        "\" is not supported; send the body plain or chunked."));
            }
        }
    }
    state_ = State::done;
    return state_;
}

RequestReader::Message RequestReader::release() { return parser_.release(); }

}  // namespace congress::net
