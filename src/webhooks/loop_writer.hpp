#pragma once
// The DeliveryEngine's OutcomeWriter for SQLite: outcomes are stored by the event
// loop's connection, SQLite's one writer, so the API never waits for the engine's
// write lock. A group is stored 16 outcomes per transaction, each its own handler,
// so a request arriving meanwhile waits for one small transaction at most.
#include "webhooks/delivery_engine.hpp"

namespace boost::asio {
class io_context;
}
namespace gp::store {
class Store;
}

namespace gp::webhooks {

OutcomeWriter store_on_loop(boost::asio::io_context& loop, store::Store& store, int disable_after_failures);

}  // namespace gp::webhooks
