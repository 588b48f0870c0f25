#pragma once
// PostgreSQL mode: the router runs on these threads, each with a store connection of its
// own, so the event loop never waits for the database. The HTTP session reads a request
// on the loop, submits it here, and writes the response when it comes back on its
// executor. A job runs on one worker from start to end; jobs start in submission order.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

namespace gp::store {
class Store;
}

namespace gp::http {

class RequestWorkers {
public:
    using Job = std::function<void()>;
    using PostToLoop = std::function<void(std::function<void()>)>;

    // One thread per store. post_to_loop runs a function on the event loop (for on_loop()).
    RequestWorkers(std::vector<std::unique_ptr<store::Store>> stores, PostToLoop post_to_loop);
    ~RequestWorkers();  // stop()
    RequestWorkers(const RequestWorkers&) = delete;
    RequestWorkers& operator=(const RequestWorkers&) = delete;

    // Any thread. Jobs must not throw (what escapes is logged and dropped).
    void submit(Job job);
    // The calling thread's store when it is one of the workers; null elsewhere (the event loop).
    static store::Store* thread_store();

    // Runs f on the event loop and returns its result (or throws what it threw): from a
    // worker it posts f and waits; anywhere else it runs f at once. For what only the loop
    // may touch (the room monitors). A worker waiting while stop() runs gets a runtime_error.
    template <class F>
    std::invoke_result_t<F&> on_loop(F&& f);

    // After the event loop stopped: queued jobs are dropped, the statements workers are running
    // are cancelled (Store::interrupt), and the threads joined.
    void stop();
    std::size_t size() const { return stores_.size(); }

private:
    void run(store::Store& store);

    std::vector<std::unique_ptr<store::Store>> stores_;
    PostToLoop post_to_loop_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> jobs_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::size_t> running_{0};  // threads not yet finished
    std::vector<std::thread> threads_;
};

template <class F>
std::invoke_result_t<F&> RequestWorkers::on_loop(F&& f) {
    if (!thread_store()) return f();
    using Result = std::invoke_result_t<F&>;
    // Shared with the posted function: a worker that gave up waiting (stop()) leaves it valid.
    auto task = std::make_shared<std::packaged_task<Result()>>([&f]() -> Result { return f(); });
    auto result = task->get_future();
    post_to_loop_([task] { (*task)(); });
    while (result.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready)
        if (stopping_) throw std::runtime_error("shutting down: the event loop has stopped");
    return result.get();
}

}  // namespace gp::http
