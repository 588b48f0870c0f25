#include "webhooks/loop_writer.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>

#include "store/store.hpp"
#include "webhooks/model.hpp"

namespace gp::webhooks {

OutcomeWriter store_on_loop(boost::asio::io_context& loop, store::Store& store, int disable_after_failures) {
    return [&loop, &store, disable_after_failures](std::vector<AttemptOutcome> outcomes, auto stored) {
        constexpr std::size_t kPerTransaction = 16;
        for (std::size_t first = 0; first < outcomes.size(); first += kPerTransaction) {
            const auto begin = outcomes.begin() + static_cast<std::ptrdiff_t>(first);
            const auto end = begin + static_cast<std::ptrdiff_t>(std::min(kPerTransaction, outcomes.size() - first));
            std::vector<AttemptOutcome> part(std::make_move_iterator(begin), std::make_move_iterator(end));
            boost::asio::post(loop, [&store, disable_after_failures, part = std::move(part), stored]() mutable {
                bool written = true;
                try {
                    store.record_attempts(part, disable_after_failures);
                } catch (const std::exception& e) {
                    written = false;
                    spdlog::error("msg=\"storing webhook attempts failed\" count={} error=\"{}\"", part.size(),
                                  e.what());
                }
                stored(std::move(part), written);
            });
        }
    };
}

}  // namespace gp::webhooks
