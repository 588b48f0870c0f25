#pragma once
// In-process fan-out of committed events. The store publishes after each commit;
// the WebSocket hub and the webhook delivery engine listen. Listeners run on the
// publishing thread (the event loop) and must not block.
#include <functional>
#include <vector>

#include "events/event.hpp"
#include "metrics/instruments.hpp"

namespace gp::events {

class Bus {
public:
    using Listener = std::function<void(const Event&)>;
    void subscribe(Listener l) { listeners_.push_back(std::move(l)); }
    void publish(const Event& e) const {
        metrics::instruments().events_published.with({e.type}).inc();
        for (const auto& l : listeners_) l(e);
    }

private:
    std::vector<Listener> listeners_;
};

}  // namespace gp::events
