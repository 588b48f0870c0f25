#include "http/routes.hpp"

namespace gp::http {

void add_picker_routes(Router&, Services&) {}

}  // namespace gp::http
