// Sends one broadcast frame to many sockets with a few system calls instead of one each.
//
// On this kind of machine a system call costs microseconds (a virtualised kernel entry), so
// for a broadcast to 10,000 clients the send() calls alone are tens of milliseconds. The
// batcher asks each subscriber whether the frame can go out at once (prepare_send: nothing
// queued, a plain socket), puts one IORING_OP_SEND per such socket on an io_uring
// submission queue, and submits up to `batch` of them with one io_uring_enter. The sends
// are non-blocking (MSG_DONTWAIT), so the kernel performs them during that call and the
// completions say, exactly as send() would, how many bytes each socket took; each
// subscriber then finishes the send under the lock it held since prepare_send
// (complete_send), queueing what the socket did not take.
//
// The hub's delivery thread uses it, through the live::Broadcaster the wire lends the hub
// (net/wire.hpp). No Beast or Asio here.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "live/hub.hpp"

namespace congress::net {

class SendBatcher : public live::Broadcaster {
public:
    // nullptr when io_uring is not available (an old kernel, or disabled by the system).
    static std::unique_ptr<SendBatcher> create(unsigned batch = 1024);
    ~SendBatcher() override;
    SendBatcher(const SendBatcher&) = delete;
    SendBatcher& operator=(const SendBatcher&) = delete;

    // Offers `message` to every receiver, as Subscriber::deliver would. Every receiver whose
    // prepare_send returned a socket gets exactly one complete_send.
    void deliver(const live::Outgoing& message, const std::vector<std::shared_ptr<live::Subscriber>>& receivers) override;

    // Number of io_uring_enter calls made so far (for tests and the benchmark's report).
    std::size_t submissions() const { return submissions_; }

private:
    struct Ring;
    explicit SendBatcher(std::unique_ptr<Ring> ring, unsigned batch);

    std::unique_ptr<Ring> ring_;
    unsigned batch_;
    bool broken_ = false;  // the ring failed once: every send goes the plain way from then on
    std::vector<live::Subscriber*> pending_;
    std::size_t submissions_ = 0;
};

}  // namespace congress::net
