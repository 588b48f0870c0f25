#include "http/routes.hpp"

namespace gp::http {

void add_session_routes(Router&, Services&) {}

}  // namespace gp::http
