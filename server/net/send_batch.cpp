#include "net/send_batch.hpp"

#include <liburing.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "live/hub.hpp"
#include "util/log.hpp"

namespace congress::net {

using live::Outgoing;
using live::Subscriber;

struct SendBatcher::Ring {
    io_uring ring{};
    bool ready = false;
    ~Ring() {
        if (ready) io_uring_queue_exit(&ring);
    }
};

std::unique_ptr<SendBatcher> SendBatcher::create(unsigned batch) {
    if (batch == 0) return nullptr;
    auto ring = std::make_unique<Ring>();
    io_uring_params params{};
    // Every SQE is submitted even if an earlier one fails (its error is in its completion),
    // so a submission either takes the whole batch or fails as a whole.
    params.flags = IORING_SETUP_SUBMIT_ALL;
    int rc = io_uring_queue_init_params(batch, &ring->ring, &params);
    if (rc == -EINVAL) {  // a kernel older than 5.18
        params = io_uring_params{};
        rc = io_uring_queue_init_params(batch, &ring->ring, &params);
    }
    if (rc < 0) {
        log::info("live", std::string("io_uring unavailable, broadcasts use one send() per client: ") +
                              std::strerror(-rc));
        return nullptr;
    }
    ring->ready = true;
    return std::unique_ptr<SendBatcher>(new SendBatcher(std::move(ring), batch));
}

SendBatcher::SendBatcher(std::unique_ptr<Ring> ring, unsigned batch) : ring_(std::move(ring)), batch_(batch) {
    pending_.reserve(batch);
}

SendBatcher::~SendBatcher() = default;

void SendBatcher::deliver(const Outgoing& message, const std::vector<std::shared_ptr<Subscriber>>& receivers) {
    std::size_t next = 0;
    while (next < receivers.size()) {
        if (broken_) {
            for (; next < receivers.size(); ++next) receivers[next]->deliver(message);
            return;
        }
        // Collect up to batch_ sockets that can take the frame now. Each prepared
        // subscriber holds its own lock until its complete_send below.
        pending_.clear();
        while (next < receivers.size() && pending_.size() < batch_) {
            Subscriber* receiver = receivers[next++].get();
            const int fd = receiver->prepare_send(message);
            if (fd < 0) continue;  // handled already (queued, not subscribed, …)
            io_uring_sqe* sqe = io_uring_get_sqe(&ring_->ring);
            if (sqe == nullptr) {  // cannot happen: the ring holds batch_ entries, all reaped
                receiver->complete_send(message, 0);
                continue;
            }
            io_uring_prep_send(sqe, fd, message.frame->data(), message.frame->size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            io_uring_sqe_set_data64(sqe, pending_.size());
            pending_.push_back(receiver);
        }
        if (pending_.empty()) continue;

        int submitted;
        do {
            submitted = io_uring_submit_and_wait(&ring_->ring, static_cast<unsigned>(pending_.size()));
        } while (submitted == -EINTR);
        ++submissions_;
        std::size_t expected = submitted < 0 ? 0 : static_cast<std::size_t>(submitted);
        if (expected < pending_.size()) {
            // Not taken by the kernel: those frames are queued and written the ordinary way.
            // Their SQEs stay in the ring, which is never submitted again.
            log::error("live", std::string("io_uring submission failed, falling back to send(): ") +
                                   std::strerror(submitted < 0 ? -submitted : EIO));
            broken_ = true;
            for (std::size_t i = expected; i < pending_.size(); ++i) pending_[i]->complete_send(message, 0);
        }

        std::size_t completed = 0;
        while (completed < expected) {
            io_uring_cqe* cqe = nullptr;
            int rc;
            do {
                rc = io_uring_wait_cqe(&ring_->ring, &cqe);
            } while (rc == -EINTR);
            if (rc < 0) {
                // The outcome of the remaining sends is unknown: treating them as "nothing
                // sent" could put a frame on the wire twice, so they are closed below.
                log::error("live", std::string("io_uring completion wait failed: ") + std::strerror(-rc));
                broken_ = true;
                break;
            }
            unsigned head;
            unsigned seen = 0;
            io_uring_for_each_cqe(&ring_->ring, head, cqe) {
                const auto index = static_cast<std::size_t>(io_uring_cqe_get_data64(cqe));
                if (index < pending_.size() && pending_[index] != nullptr) {
                    pending_[index]->complete_send(message, cqe->res);
                    pending_[index] = nullptr;
                    ++completed;
                }
                ++seen;
            }
            io_uring_cq_advance(&ring_->ring, seen);
        }
        if (completed < expected) {
            // Only after a failed wait: these sockets' outcome is unknown, so they are closed.
            for (std::size_t i = 0; i < expected; ++i)
                if (pending_[i] != nullptr) pending_[i]->complete_send(message, -EIO);
        }
    }
}

}  // namespace congress::net
