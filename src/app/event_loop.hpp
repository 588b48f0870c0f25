#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace gp::app {

// Runs the event loop until it is stopped or runs out of work. An exception that
// escapes a completion handler ends only that handler (and the connection whose
// last owner unwinds with it): it is logged and the loop goes on.
void run_event_loop(boost::asio::io_context& ioc);

// Functions other threads hand to the event loop: request workers' results, the webhook
// engine's writes (SQLite), other instances' events (PostgreSQL).
//
// Not asio::post: Asio wakes the loop while it still holds its scheduler's lock, so the loop,
// woken, wants that lock at once and sleeps until the posting thread runs again to let go of
// it. The webhook engine runs at SCHED_IDLE and gets the CPU last: in a burst, 58% of the
// loop's context switches were such waits. Here the lock is the inbox's own, and the loop is
// woken (an eventfd) once it is released.
class LoopInbox {
public:
    explicit LoopInbox(boost::asio::io_context& ioc);
    ~LoopInbox();
    LoopInbox(const LoopInbox&) = delete;
    LoopInbox& operator=(const LoopInbox&) = delete;

    // Any thread: `f` runs on the loop, after what was posted before it. Once the loop has
    // stopped it never runs (as with asio::post).
    void post(std::function<void()> f);

private:
    struct Watch;
    void wait();
    void run_posted();

    const int event_fd_;
    std::unique_ptr<Watch> watch_;  // the loop's wait on event_fd_ (which it owns)
    std::mutex mutex_;
    std::vector<std::function<void()>> posted_;
    bool signalled_ = false;  // event_fd_ was written and the loop has not taken posted_ since
};

}  // namespace gp::app
