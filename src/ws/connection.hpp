#pragma once
// One WebSocket client. Beast completes the opening handshake; from then on the
// connection speaks the protocol itself on the bare socket (ws/frame): every frame
// it sends is encoded before it is queued, so an event is encoded once and the same
// bytes go to every recipient, and whatever is queued leaves in one gathered write.
// Holds the bounded send queue and the protocol state (authentication,
// subscriptions, catch-up replays). Included only by ws/ sources (it pulls in Asio).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/models.hpp"
#include "events/event.hpp"
#include "ws/frame.hpp"
#include "ws/upgrade.hpp"

namespace gp::ws {

class Hub;

namespace protocol {
struct ClientMessage;
}

class Connection : public std::enable_shared_from_this<Connection> {
public:
    using Request = boost::beast::http::request<boost::beast::http::string_body>;
    using Socket = ws::Socket;
    using Frame = std::shared_ptr<const std::string>;  // a complete frame (frame::encode)

    Connection(Hub& hub, Socket&& socket);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Completes the upgrade, then reads frames until the connection ends.
    void start(std::shared_ptr<Request> request);
    // Sends one frame: written at once when nothing is queued before it (no copy, no
    // allocation), queued otherwise. Past the send-queue limits the connection is
    // closed (1008) instead; it never waits for this client.
    void send(const Frame& frame);
    // A live event of a subscribed session: sent, or held while the session's replay runs.
    void deliver(domain::Id session_id, const Frame& frame);
    // Called by the hub when the token's exp passes: the client is told why and
    // must authenticate (and subscribe) again.
    void token_expired();
    // Starts the closing handshake: the close frame follows what is being written,
    // nothing more is sent or handled.
    void close(std::uint16_t code, std::string_view reason);
    // Called when the hub goes away before the connection (shutdown).
    void detach() { hub_ = nullptr; }
    // Starts fetching into the cache what send() and deliver() read: the hub calls it for an
    // event's next recipient, so that the memory is there once this one's system call returns.
    void prefetch_for_send() const {
        __builtin_prefetch(&socket_);
        __builtin_prefetch(&queue_);
        __builtin_prefetch(&replays_);
        __builtin_prefetch(&awaiting_writable_);
    }

private:
    friend class Hub;  // keeps token_exp_ and sessions_ in step with its registries
    using Clock = std::chrono::steady_clock;

    struct Replay {
        domain::Id session_id;
        domain::Id after;  // last event id queued so far
        // The last id the loop had published at the subscribe: read no further. The session's
        // live events after it are held, and sent once the replay got there; past the send
        // queue's limits they are dropped and this moves to the last id published (the replay
        // reads them from the outbox instead).
        domain::Id up_to;
        std::uint64_t serial;  // which subscribe (a page read for an earlier one is dropped)
        std::vector<Frame> held;
        std::size_t held_bytes = 0;
    };

    void on_accept();
    void on_close_frame(std::uint16_t code);
    // Drops what is queued (but a frame partly written) and queues the close frame.
    void queue_close(std::string frame);
    // Reads what has arrived, then waits for more.
    void on_readable();
    void wait_readable();
    // Parses received bytes (in the hub's read buffer), keeping an incomplete frame.
    void received(std::span<char> bytes);
    // Acts on frames at the front of `bytes`; returns how many bytes they took.
    std::size_t handle_frames(std::span<char> bytes);
    void handle(std::string_view text);
    void handle_auth(const protocol::ClientMessage& m);
    void handle_subscribe(const protocol::ClientMessage& m);
    void handle_unsubscribe(const protocol::ClientMessage& m);
    void reply(std::string_view text);
    // Writes as much of the queue as the socket takes (one gathered write); waits
    // for the socket to drain when something is left.
    void flush();
    void wait_writable();
    void on_writable();
    // Queues replayed events while the send queue has room; a session whose
    // replay caught up with the outbox becomes a live subscription.
    void continue_replays();
    // Has the store read the front replay's next page of at most `want` events (off the event
    // loop on PostgreSQL), up to the last id the loop published; then replay_page_read.
    void read_replay_page(std::size_t want);
    // On the loop: the page read for `read` (its session, after, up_to, serial). events null: the read failed.
    void replay_page_read(const Replay& read, std::size_t want, const std::vector<events::Event>* events);
    bool subscribed_to(domain::Id session_id) const;
    // A protocol violation: close with `code`, read nothing more.
    void fail(std::uint16_t code);
    // Our close frame is out: once the client's came too (or after a failure), the
    // server half-closes and reads until the client closes.
    void maybe_teardown();
    void arm_timer(Clock::time_point at);
    void on_timer();
    void end();  // closes the socket: pending operations finish and release the connection
    std::string remote() const;

    using Timer = boost::asio::basic_waitable_timer<Clock, boost::asio::wait_traits<Clock>,
                                                    boost::asio::io_context::executor_type>;

    // What send() and deliver() read come first, a few cache lines the hub prefetches for the
    // next recipient of an event while this one's send runs (prefetch_for_send).
    Socket socket_;
    Hub* hub_;
    // Frames waiting to be written, oldest first; `written_` bytes of the first are out.
    std::vector<Frame> queue_;
    std::size_t written_ = 0;
    std::size_t queued_bytes_ = 0;     // bytes of queue_ not yet written
    std::vector<Replay> replays_;      // subscriptions still catching up, oldest request first
    bool closing_ = false;         // our close frame is queued (or the socket is gone): nothing more is queued or handled
    bool corked_ = false;          // frames are being queued in a batch: write once at its end
    bool awaiting_writable_ = false;

    Timer timer_;  // keep-alive ping and idle timeout; then the close grace
    frame::Reader reader_;
    std::string partial_;  // the start of a frame that has not fully arrived
    std::vector<domain::Id> sessions_;  // live subscriptions (maintained by the hub)
    std::int64_t token_exp_ = 0;        // seconds since the epoch; 0 = not authenticated (hub)
    Clock::time_point last_read_;       // when the client last sent anything
    bool admitted_ = false;
    bool ping_sent_ = false;       // since last_read_
    bool replay_reading_ = false;  // a replay page is being read
    std::uint64_t replays_started_ = 0;  // Replay::serial
    bool in_replay_round_ = false;  // continue_replays is queuing pages (SQLite reads them at once)
    bool close_sent_ = false;      // our close frame is written
    bool peer_closed_ = false;     // the client's close frame arrived
    bool failed_ = false;          // a protocol violation: incoming bytes are discarded
    bool torn_down_ = false;       // our sending half is shut down
};

}  // namespace gp::ws
