#pragma once
namespace boost::asio {
class io_context;
}

namespace gp::app {

// Runs the event loop until it is stopped or runs out of work. An exception that
// escapes a completion handler ends only that handler (and the connection whose
// last owner unwinds with it): it is logged and the loop goes on.
void run_event_loop(boost::asio::io_context& ioc);

}  // namespace gp::app
