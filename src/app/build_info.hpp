#pragma once
// What was built (generated at build time by cmake/BuildInfo.cmake).
#include <string_view>

namespace gp::app {
std::string_view version();            // e.g. "0.1.0"
std::string_view build_description();  // `git describe` of the source tree and the build type
}
