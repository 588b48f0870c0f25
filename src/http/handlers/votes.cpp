#include "http/routes.hpp"

namespace gp::http {

void add_vote_routes(Router&, Services&) {}

}  // namespace gp::http
