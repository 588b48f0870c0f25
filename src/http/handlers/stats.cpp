#include "http/routes.hpp"

namespace gp::http {

void add_stats_routes(Router&, Services&) {}

}  // namespace gp::http
