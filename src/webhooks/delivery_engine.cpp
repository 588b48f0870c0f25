#include "webhooks/delivery_engine.hpp"

namespace gp::webhooks {

DeliveryEngine::DeliveryEngine(std::string db_path, EngineOptions options)
    : db_path_(std::move(db_path)), options_(std::move(options)) {}
DeliveryEngine::~DeliveryEngine() = default;
void DeliveryEngine::start() {}
void DeliveryEngine::stop() {}
void DeliveryEngine::notify() {}

}  // namespace gp::webhooks
