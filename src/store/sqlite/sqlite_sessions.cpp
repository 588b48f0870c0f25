#include "store/sqlite/sqlite_store.hpp"

#include <stdexcept>

namespace gp::store::sqlite {

std::vector<domain::Session> SqliteStore::list_sessions() { throw std::logic_error("not implemented"); }
std::optional<domain::Session> SqliteStore::find_session(Id) { throw std::logic_error("not implemented"); }
std::optional<domain::Session> SqliteStore::active_session() { throw std::logic_error("not implemented"); }
domain::Session SqliteStore::create_session(const std::optional<std::string>&) { throw std::logic_error("not implemented"); }
domain::Session SqliteStore::close_session(Id, const std::optional<std::string>&) { throw std::logic_error("not implemented"); }
void SqliteStore::delete_session(Id) { throw std::logic_error("not implemented"); }
std::vector<domain::SessionGame> SqliteStore::session_games(Id) { throw std::logic_error("not implemented"); }
domain::SessionGame SqliteStore::add_session_game(Id, Id, bool, const std::optional<std::string>&) { throw std::logic_error("not implemented"); }
domain::SessionGame SqliteStore::set_session_game_status(Id, Id, domain::PlayStatus) { throw std::logic_error("not implemented"); }
void SqliteStore::remove_session_game(Id, Id) { throw std::logic_error("not implemented"); }
domain::SessionGame SqliteStore::set_room_code(Id, Id, const std::optional<std::string>&) { throw std::logic_error("not implemented"); }
domain::SessionGame SqliteStore::set_player_check(Id, Id, bool) { throw std::logic_error("not implemented"); }
domain::SessionGame SqliteStore::set_player_count(Id, Id, int) { throw std::logic_error("not implemented"); }
domain::ChatImportResult SqliteStore::import_chat(Id, const std::vector<domain::ChatMessage>&) { throw std::logic_error("not implemented"); }
domain::Session SqliteStore::load_session(Id) { throw std::logic_error("not implemented"); }
domain::SessionGame SqliteStore::load_session_game(Id, Id) { throw std::logic_error("not implemented"); }

}  // namespace gp::store::sqlite
