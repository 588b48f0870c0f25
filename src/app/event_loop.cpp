#include "app/event_loop.hpp"

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <exception>

namespace gp::app {

void run_event_loop(boost::asio::io_context& ioc) {
    for (;;) {
        try {
            ioc.run();  // may be called again after a handler threw, without restart()
            return;
        } catch (const std::exception& e) {
            spdlog::error("msg=\"unhandled exception in a handler, its connection dropped\" error=\"{}\"", e.what());
        } catch (...) {
            spdlog::error("msg=\"unhandled non-standard exception in a handler, its connection dropped\"");
        }
    }
}

}  // namespace gp::app
