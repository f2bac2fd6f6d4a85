// The io_uring batcher for live broadcasts, on real sockets (socket pairs): every socket
// that can take the frame gets it whole, with far fewer system calls than sockets; a full
// socket or a closed peer is reported exactly as send() would; subscribers that decline go
// the ordinary way.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

#include "live/hub.hpp"
#include "net/send_batch.hpp"
#include "net/wire.hpp"

using namespace congress::live;
using congress::net::SendBatcher;
namespace net = congress::net;

namespace {

Outgoing message_of(const std::string& bytes) {
    Outgoing m;
    m.topic = "event:1";
    m.seq = 1;
    m.frame = std::make_shared<const std::string>(bytes);
    m.text = m.frame;
    return m;
}

// One end of a socket pair is the "client"; the subscriber sends on the other end.
struct SocketSubscriber : Subscriber {
    int server = -1;
    int client = -1;
    bool batchable = true;
    std::mutex mutex;
    int delivered = 0;
    int completed = 0;
    long result = 0;

    SocketSubscriber() {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0) throw std::runtime_error("socketpair");
        server = fds[0];
        client = fds[1];
    }
    ~SocketSubscriber() override {
        if (server >= 0) ::close(server);
        if (client >= 0) ::close(client);
    }
    void deliver(const Outgoing&) override { ++delivered; }
    int prepare_send(const Outgoing& message) override {
        if (!batchable) return Subscriber::prepare_send(message);
        mutex.lock();  // held until complete_send, as WsSession does
        return server;
    }
    void complete_send(const Outgoing&, long r) override {
        ++completed;
        result = r;
        mutex.unlock();
    }
    std::string received() {
        std::string out;
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::recv(client, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n <= 0) break;
            out.append(buffer, static_cast<std::size_t>(n));
        }
        return out;
    }
};

}  // namespace

TEST(SendBatch, EverySocketGetsTheWholeFrameWithOneSystemCallPerBatch) {
    auto batcher = SendBatcher::create(64);
    if (!batcher) GTEST_SKIP() << "io_uring is not available on this kernel";
    std::vector<std::shared_ptr<Subscriber>> receivers;
    std::vector<std::shared_ptr<SocketSubscriber>> sockets;
    for (int i = 0; i < 300; ++i) {
        sockets.push_back(std::make_shared<SocketSubscriber>());
        receivers.push_back(sockets.back());
    }
    const std::string frame = "\x81\x0b{\"seats\":1}";
    batcher->deliver(message_of(frame), receivers);
    for (const auto& s : sockets) {
        EXPECT_EQ(s->completed, 1);
        EXPECT_EQ(s->delivered, 0);
        EXPECT_EQ(s->result, static_cast<long>(frame.size()));
        EXPECT_EQ(s->received(), frame);
    }
    EXPECT_EQ(batcher->submissions(), 5u);  // 300 sockets, 64 per submission
}

TEST(SendBatch, AFullSocketTakesPartOrNothingAndAClosedPeerIsAnError) {
    auto batcher = SendBatcher::create(8);
    if (!batcher) GTEST_SKIP() << "io_uring is not available on this kernel";
    auto full = std::make_shared<SocketSubscriber>();
    auto closed = std::make_shared<SocketSubscriber>();
    auto fine = std::make_shared<SocketSubscriber>();
    // Fill `full` until the kernel refuses more.
    const std::string chunk(4096, 'x');
    while (::send(full->server, chunk.data(), chunk.size(), MSG_DONTWAIT) > 0) {
    }
    ::close(closed->client);
    closed->client = -1;

    const std::string frame(2000, 'f');
    batcher->deliver(message_of(frame), {full, closed, fine});
    EXPECT_EQ(full->completed, 1);
    EXPECT_TRUE(full->result == -EAGAIN || (full->result >= 0 && full->result < static_cast<long>(frame.size())))
        << full->result;
    EXPECT_EQ(closed->completed, 1);
    EXPECT_LT(closed->result, 0);  // EPIPE, and no SIGPIPE killed the test
    EXPECT_EQ(fine->result, static_cast<long>(frame.size()));
    EXPECT_EQ(fine->received(), frame);
}

TEST(SendBatch, SubscribersThatDeclineAreDeliveredTheOrdinaryWay) {
    auto batcher = SendBatcher::create(4);
    if (!batcher) GTEST_SKIP() << "io_uring is not available on this kernel";
    std::vector<std::shared_ptr<Subscriber>> receivers;
    std::vector<std::shared_ptr<SocketSubscriber>> sockets;
    for (int i = 0; i < 10; ++i) {
        sockets.push_back(std::make_shared<SocketSubscriber>());
        sockets.back()->batchable = i % 3 != 0;  // 0, 3, 6, 9 decline
        receivers.push_back(sockets.back());
    }
    batcher->deliver(message_of("abc"), receivers);
    for (int i = 0; i < 10; ++i) {
        const auto& s = sockets[static_cast<std::size_t>(i)];
        if (i % 3 == 0) {
            EXPECT_EQ(s->delivered, 1) << i;
            EXPECT_EQ(s->completed, 0) << i;
            EXPECT_EQ(s->received(), "") << i;
        } else {
            EXPECT_EQ(s->delivered, 0) << i;
            EXPECT_EQ(s->completed, 1) << i;
            EXPECT_EQ(s->received(), "abc") << i;
        }
    }
    EXPECT_EQ(batcher->submissions(), 2u);  // 6 batchable sockets, 4 per submission
}

TEST(SendBatch, TheHubsDeliveryThreadSendsThroughIt) {
    if (!SendBatcher::create(4)) GTEST_SKIP() << "io_uring is not available on this kernel";
    std::vector<std::shared_ptr<SocketSubscriber>> sockets;
    {
        HubOptions options;
        options.delivery_thread = true;
        options.wire = net::make_websocket_wire(4);
        Hub hub(options);
        for (int i = 0; i < 9; ++i) {
            sockets.push_back(std::make_shared<SocketSubscriber>());
            hub.subscribe("event:1", sockets.back());
        }
        hub.publish("event:1", {{"type", "seats"}});
        hub.publish("event:1", {{"type", "seats"}});
    }  // the hub's destructor delivers everything published
    for (const auto& s : sockets) {
        EXPECT_EQ(s->completed, 2);
        EXPECT_EQ(s->delivered, 0);
        const auto got = s->received();
        EXPECT_NE(got.find("\"seq\":1"), std::string::npos);
        EXPECT_NE(got.find("\"seq\":2"), std::string::npos);
    }
}
