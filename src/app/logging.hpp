#pragma once
#include <string>

namespace gp::app {
// key=value lines on stderr with a UTC timestamp; quiet (info) by default.
void setup_logging(const std::string& level);
}
