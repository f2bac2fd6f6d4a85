#include "net/wire.hpp"

#include "net/send_batch.hpp"
#include "net/ws_frame.hpp"

namespace congress::net {

namespace {

class WebSocketWire final : public live::Wire {
public:
    explicit WebSocketWire(unsigned send_batch) : send_batch_(send_batch) {}
    std::string frame(std::string_view text) const override { return ws_encode_frame(WsOpcode::text, text); }
    std::unique_ptr<live::Broadcaster> broadcaster() const override {
        return SendBatcher::create(send_batch_);  // null for 0, or without io_uring
    }

private:
    unsigned send_batch_;
};

}  // namespace

std::shared_ptr<const live::Wire> make_websocket_wire(unsigned send_batch) {
    return std::make_shared<const WebSocketWire>(send_batch);
}

}  // namespace congress::net
