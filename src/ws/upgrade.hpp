#pragma once
// Hand-off from the HTTP server to the WebSocket feed. Included only by
// http/server.cpp and ws/ sources, since it pulls in Beast.
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace gp::ws {

class Hub;

// Takes over the connection: completes the upgrade and runs the session.
void accept_upgrade(Hub& hub, boost::beast::tcp_stream stream,
                    boost::beast::http::request<boost::beast::http::string_body> request);

}  // namespace gp::ws
