#include "store/postgres/loop_lane.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace gp::store::postgres {

namespace {
constexpr auto kDrainGrace = std::chrono::seconds(5);
}

LoopLane::LoopLane(std::unique_ptr<Store> store, PostToLoop post_to_loop)
    : store_(std::move(store)), post_to_loop_(std::move(post_to_loop)) {
    thread_ = std::thread([this] { run(); });
}

LoopLane::~LoopLane() {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
    if (!idle_.wait_for(lock, kDrainGrace, [this] { return finished_; })) {
        lock.unlock();
        spdlog::warn("msg=\"event loop database jobs still waiting at exit: cancelled\"");
        for (;;) {
            store_->interrupt();
            lock.lock();
            if (idle_.wait_for(lock, std::chrono::milliseconds(20), [this] { return finished_; })) break;
            lock.unlock();
        }
    }
    lock.unlock();
    thread_.join();
}

void LoopLane::submit(Store::LoopJob job) {
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void LoopLane::run() {
    for (;;) {
        Store::LoopJob job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) {
                finished_ = true;
                idle_.notify_all();
                return;
            }
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        try {
            if (auto then = job(*store_)) post_to_loop_(std::move(then));
        } catch (const std::exception& e) {
            spdlog::error("msg=\"event loop database job failed\" error=\"{}\"", e.what());
        }
    }
}

}  // namespace gp::store::postgres
