#pragma once
// The event loop's database work on PostgreSQL (Store::off_loop): a thread with a connection of
// its own runs the jobs one at a time, in the order they were given, and posts what each
// returns to the loop. One thread, so the writes it makes keep their order (a room monitor's
// events and status), and the room monitors' claims (session-level advisory locks) live on its
// connection.
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "store/store.hpp"

namespace gp::store::postgres {

class LoopLane {
public:
    using PostToLoop = std::function<void(std::function<void()>)>;
    LoopLane(std::unique_ptr<Store> store, PostToLoop post_to_loop);
    // Runs the jobs still queued (their writes are not lost), then joins; a statement still
    // waiting after a few seconds (a lock nobody releases) is cancelled.
    ~LoopLane();
    LoopLane(const LoopLane&) = delete;
    LoopLane& operator=(const LoopLane&) = delete;

    void submit(Store::LoopJob job);  // any thread

private:
    void run();

    const std::unique_ptr<Store> store_;
    const PostToLoop post_to_loop_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;  // the destructor waits on it
    std::deque<Store::LoopJob> jobs_;
    bool stopping_ = false;
    bool finished_ = false;
    std::thread thread_;
};

}  // namespace gp::store::postgres
