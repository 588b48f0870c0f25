#pragma once
// Webhook history retention: deletes finished deliveries (and their attempt logs)
// older than the retention, on the event loop (SQLite's one writer), a few hundred
// rows per handler so requests run in between. Pending deliveries are never touched.
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

    store::Store& store_;
    std::chrono::milliseconds retention_;
    std::unique_ptr<Timer> timer_;
};

}  // namespace gp::webhooks
