#include "store/sqlite/loop_writer.hpp"

#include <exception>
#include <memory>

namespace gp::store::sqlite {

LoopWriter::LoopWriter(SqliteStore& loop_store, Post post) : loop_store_(loop_store), post_(std::move(post)) {}

std::size_t LoopWriter::run(const Job& job, SqliteStore& here) {
    // Whoever claims the job first runs it: the loop, or the caller once the loop has stopped.
    struct State {
        bool claimed = false;
        bool done = false;
        std::size_t result = 0;
        std::exception_ptr error;
    };
    const auto state = std::make_shared<State>();
    const auto execute = [&job](State& s, SqliteStore& store) {
        try {
            s.result = job(store);
        } catch (...) {
            s.error = std::current_exception();
        }
    };
    bool closed = false;
    {
        std::lock_guard lock(mutex_);
        closed = closed_;
    }
    // Posted without holding mutex_: the loop, woken by the post, takes it at once. A close()
    // meanwhile wakes the wait below, which then runs the job here if the loop did not claim it.
    if (!closed)
        // `job` outlives the posted function's run: run() returns only once the job is done,
        // or claimed here (the function then returns without touching it).
        post_([this, state, execute] {
            {
                std::lock_guard claim(mutex_);
                if (state->claimed) return;
                state->claimed = true;
            }
            execute(*state, loop_store_);
            std::lock_guard done(mutex_);
            state->done = true;
            changed_.notify_all();
        });
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return state->done || (closed_ && !state->claimed); });
    if (!state->done) {
        state->claimed = true;
        lock.unlock();
        execute(*state, here);
    }
    if (state->error) std::rethrow_exception(state->error);
    return state->result;
}

void LoopWriter::close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
}

}  // namespace gp::store::sqlite
