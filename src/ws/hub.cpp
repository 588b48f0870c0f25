#include "ws/hub.hpp"

namespace gp::ws {

Hub::Hub(boost::asio::io_context& ioc, store::Store& store, const http::TokenService& tokens, HubOptions options)
    : ioc_(ioc), store_(store), tokens_(tokens), options_(options) {}

Hub::~Hub() = default;

void Hub::publish(const events::Event&) {}

}  // namespace gp::ws
