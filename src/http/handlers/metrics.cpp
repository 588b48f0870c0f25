#include <algorithm>

#include "domain/time.hpp"
#include "http/routes.hpp"
#include "metrics/instruments.hpp"
#include "store/store.hpp"

namespace gp::http {

void add_metrics_routes(Router& r, Services& s) {
    const Access access = s.metrics_public ? Access::Public : Access::LoopbackOrAdmin;
    r.add("GET", "/metrics", access, [&s](Request&) {
        auto& m = metrics::instruments();
        const auto queue = s.store().webhook_queue();
        const domain::Millis age =
            queue.oldest_created_at ? std::max<domain::Millis>(0, domain::now_ms() - *queue.oldest_created_at) : 0;
        m.webhook_queue_depth.set(static_cast<double>(queue.pending));
        m.webhook_oldest_pending_age.set(static_cast<double>(age) / 1000.0);
        return Response::text(200, std::string(metrics::kContentType), m.registry.render());
    });
}

}  // namespace gp::http
