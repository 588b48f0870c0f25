#include "store/sqlite/sqlite_store.hpp"

#include <stdexcept>

namespace gp::store::sqlite {

std::vector<webhooks::Webhook> SqliteStore::list_webhooks() { throw std::logic_error("not implemented"); }
std::optional<webhooks::Webhook> SqliteStore::find_webhook(Id) { throw std::logic_error("not implemented"); }
webhooks::Webhook SqliteStore::create_webhook(const webhooks::WebhookFields&) { throw std::logic_error("not implemented"); }
webhooks::Webhook SqliteStore::update_webhook(Id, const webhooks::WebhookPatch&) { throw std::logic_error("not implemented"); }
void SqliteStore::delete_webhook(Id) { throw std::logic_error("not implemented"); }
Id SqliteStore::enqueue_test_delivery(Id) { throw std::logic_error("not implemented"); }
Id SqliteStore::redeliver(Id, Id) { throw std::logic_error("not implemented"); }
std::vector<webhooks::AttemptLog> SqliteStore::webhook_logs(Id, int) { throw std::logic_error("not implemented"); }
std::vector<webhooks::PendingDelivery> SqliteStore::due_deliveries(domain::Millis, int) { throw std::logic_error("not implemented"); }
std::optional<domain::Millis> SqliteStore::next_delivery_due() { throw std::logic_error("not implemented"); }
void SqliteStore::record_attempts(const std::vector<webhooks::AttemptOutcome>&) { throw std::logic_error("not implemented"); }
void SqliteStore::enqueue_webhook_deliveries(const events::Event&) {}

}  // namespace gp::store::sqlite
