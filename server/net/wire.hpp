// The WebSocket wire the live hub is lent (live::Wire): each message is framed once as an
// unmasked text frame (net/ws_frame.hpp), and a broadcast goes out through io_uring, up to
// `send_batch` sockets per system call (net/send_batch.hpp; 0: one send() per client, as
// when io_uring is not available). No Beast or Asio here.
#pragma once

#include <memory>

#include "live/hub.hpp"

namespace congress::net {

std::shared_ptr<const live::Wire> make_websocket_wire(unsigned send_batch);

}  // namespace congress::net
