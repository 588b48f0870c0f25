#pragma once
#include <string_view>

namespace gp::embedded {
// docs/openapi.json, compiled in (cmake/EmbedFile.cmake): the OpenAPI 3.1 description of
// every route, served at GET /api/openapi.json.
std::string_view openapi_json();
}  // namespace gp::embedded
