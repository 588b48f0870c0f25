#include "webhooks/history_pruner.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>

#include "domain/time.hpp"
#include "store/store.hpp"

namespace gp::webhooks {

namespace {
constexpr int kBatch = 500;
}

class HistoryPruner::Timer {
public:
    explicit Timer(boost::asio::io_context& ioc) : ioc(ioc), timer(ioc) {}
    boost::asio::io_context& ioc;
    boost::asio::steady_timer timer;
};

HistoryPruner::HistoryPruner(boost::asio::io_context& ioc, store::Store& store, std::chrono::milliseconds retention)
    : store_(store), retention_(retention), timer_(std::make_unique<Timer>(ioc)) {}

HistoryPruner::~HistoryPruner() = default;

void HistoryPruner::start() {
    if (retention_.count() > 0) schedule();
}

void HistoryPruner::schedule() {
    // Often enough that little more than the retention is ever kept, at most every 10 min.
    const auto interval = std::clamp<std::chrono::milliseconds>(retention_ / 4, std::chrono::seconds(1),
                                                                std::chrono::minutes(10));
    timer_->timer.expires_after(interval);
    timer_->timer.async_wait([this](boost::system::error_code ec) {
        if (!ec) prune_batch();
    });
}

void HistoryPruner::prune_batch() {
    store_.off_loop([this, before = domain::now_ms() - retention_.count()](store::Store& s) -> std::function<void()> {
        int deleted = 0;
        try {
            deleted = s.prune_webhook_history(before, kBatch);
        } catch (const std::exception& e) {
            spdlog::error("msg=\"pruning webhook history failed\" error=\"{}\"", e.what());
        }
        if (deleted > 0) spdlog::debug("msg=\"webhook history pruned\" deliveries={}", deleted);
        return [this, more = deleted == kBatch] { pruned(more); };
    });
}

void HistoryPruner::pruned(bool more) {
    if (more)
        boost::asio::post(timer_->ioc, [this] { prune_batch(); });  // more to do, after queued requests
    else
        schedule();
}

}  // namespace gp::webhooks
