#include "http/routes.hpp"

namespace gp::http {

void add_webhook_routes(Router&, Services&) {}

}  // namespace gp::http
