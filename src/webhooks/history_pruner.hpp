#pragma once
// Webhook history retention: deletes finished deliveries (and their attempt logs)
// older than the retention, a few hundred rows at a time, through Store::off_loop (SQLite:
// on the event loop, its one writer, with requests in between; PostgreSQL: off the loop).
// Pending deliveries are never touched.
#include <chrono>
#include <memory>

namespace boost::asio {
class io_context;
}
namespace gp::store {
class Store;
}

namespace gp::webhooks {

class HistoryPruner {
public:
    // retention 0 disables pruning.
    HistoryPruner(boost::asio::io_context& ioc, store::Store& store, std::chrono::milliseconds retention);
    ~HistoryPruner();
    void start();

private:
    class Timer;  // keeps Asio out of this header
    void schedule();
    void prune_batch();
    void pruned(bool more);  // on the loop, after a batch

    store::Store& store_;
    std::chrono::milliseconds retention_;
    std::unique_ptr<Timer> timer_;
};

}  // namespace gp::webhooks
