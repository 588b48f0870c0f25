#pragma once
// Hand-off from the HTTP server to the WebSocket feed. Included only by
// http/server.cpp and ws/ sources, since it pulls in Beast.
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace gp::ws {

class Hub;

// A connection's socket, on the io_context's own executor type: the type-erased
// any_io_executor costs measurably per operation (per send in a 10,000-client fan-out,
// per request on the HTTP side).
using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

// Takes over the connection: completes the upgrade and runs the session.
void accept_upgrade(Hub& hub, Socket socket,
                    boost::beast::http::request<boost::beast::http::string_body> request);

}  // namespace gp::ws
