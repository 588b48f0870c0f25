#pragma once
// A thread with its own PostgreSQL connection that LISTENs on the channels given and
// calls on_notify(channel, payload) for each notification, and on_idle() after each
// second without one (and after a reconnect), so pollers catch what a lost notification
// would have told them. It reconnects after a lost connection.
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace gp::store::postgres {

class Listener {
public:
    using OnNotify = std::function<void(const std::string& channel, const std::string& payload)>;
    Listener(std::string url, std::vector<std::string> channels, OnNotify on_notify, std::function<void()> on_idle);
    ~Listener();  // stops and joins the thread
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

private:
    void run();

    const std::string url_;
    const std::vector<std::string> channels_;
    const OnNotify on_notify_;
    const std::function<void()> on_idle_;
    int stop_fd_ = -1;  // eventfd: written by the destructor
    std::thread thread_;
};

}  // namespace gp::store::postgres
