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
    // Several instances on one database (PostgreSQL): this often each instance adopts the
    // checks no instance runs (one that died) and ends its monitors whose check another
    // instance ended or changed. 0: one instance, never.
    std::chrono::seconds reconcile_interval{0};
};

}  // namespace gp::rooms
