#include "http/openapi.hpp"
#include "http/routes.hpp"

namespace gp::http {

void add_openapi_routes(Router& r, Services&) {
    r.add("GET", "/api/openapi.json", Access::Public, [](Request&) {
        return Response::text(200, "application/json", std::string(embedded::openapi_json()));
    }, Database::NotUsed);
}

}  // namespace gp::http
