#include "http/routes.hpp"

namespace gp::http {

void add_game_routes(Router&, Services&) {}

}  // namespace gp::http
