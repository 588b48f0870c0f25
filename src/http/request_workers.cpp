#include "http/request_workers.hpp"

#include <spdlog/spdlog.h>

#include "store/store.hpp"

namespace gp::http {

namespace {
thread_local store::Store* this_worker_store = nullptr;
}  // namespace

RequestWorkers::RequestWorkers(std::vector<std::unique_ptr<store::Store>> stores, PostToLoop post_to_loop)
    : stores_(std::move(stores)), post_to_loop_(std::move(post_to_loop)) {
    running_ = stores_.size();
    threads_.reserve(stores_.size());
    for (auto& store : stores_) threads_.emplace_back([this, &s = *store] { run(s); });
}

RequestWorkers::~RequestWorkers() { stop(); }

store::Store* RequestWorkers::thread_store() { return this_worker_store; }

void RequestWorkers::submit(Job job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void RequestWorkers::run(store::Store& store) {
    this_worker_store = &store;
    struct Exit {
        std::atomic<std::size_t>& running;
        ~Exit() { --running; }
    } exit{running_};
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        try {
            job();
        } catch (const std::exception& e) {
            spdlog::error("msg=\"request worker job failed\" error=\"{}\"", e.what());
        }
    }
}

void RequestWorkers::stop() {
    std::deque<Job> dropped;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
        dropped.swap(jobs_);
    }
    wake_.notify_all();
    // A worker waiting for the database (a lock another client holds) would keep the process
    // alive: its statements are cancelled until it is done (nobody reads its answer any more).
    while (running_ > 0) {
        for (auto& store : stores_) store->interrupt();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (auto& t : threads_) t.join();
}

}  // namespace gp::http
