#pragma once
// Settings of the room monitors (flags and environment, see app/config.cpp).
#include <chrono>
#include <cstddef>
#include <string>

namespace gp::rooms {

struct MonitorOptions {
    std::string ecast_url = "https://ecast.jackboxgames.com";
    std::chrono::seconds status_interval{20};  // game.status and the probe connection
    std::size_t max_monitors = 20;             // running at once
    // A monitor that cannot reach the room for this long ends with connection_failed.
    std::chrono::seconds give_up_after{120};
};

}  // namespace gp::rooms
