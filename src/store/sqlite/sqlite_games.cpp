#include "store/sqlite/sqlite_store.hpp"

#include <stdexcept>

namespace gp::store::sqlite {

bool SqliteStore::catalogue_empty() { throw std::logic_error("not implemented: catalogue_empty"); }
std::vector<domain::Game> SqliteStore::list_games(const domain::GameFilter& filter) { throw std::logic_error("not implemented: list_games"); }
std::optional<domain::Game> SqliteStore::find_game(Id id) { throw std::logic_error("not implemented: find_game"); }
domain::Game SqliteStore::create_game(const domain::GameFields& fields) { throw std::logic_error("not implemented: create_game"); }
domain::Game SqliteStore::update_game(Id id, const domain::GameFields& fields) { throw std::logic_error("not implemented: update_game"); }
void SqliteStore::delete_game(Id id) { throw std::logic_error("not implemented: delete_game"); }
domain::Game SqliteStore::toggle_game(Id id) { throw std::logic_error("not implemented: toggle_game"); }
domain::Game SqliteStore::set_game_favor(Id id, int favor_bias) { throw std::logic_error("not implemented: set_game_favor"); }
std::vector<domain::Pack> SqliteStore::list_packs() { throw std::logic_error("not implemented: list_packs"); }
std::vector<domain::PackMeta> SqliteStore::pack_meta() { throw std::logic_error("not implemented: pack_meta"); }
int SqliteStore::set_pack_enabled(const std::string& pack, bool enabled) { throw std::logic_error("not implemented: set_pack_enabled"); }
domain::Pack SqliteStore::set_pack_favor(const std::string& pack, int favor_bias) { throw std::logic_error("not implemented: set_pack_favor"); }
int SqliteStore::import_games(const std::vector<domain::GameFields>& rows) { throw std::logic_error("not implemented: import_games"); }
PickCandidates SqliteStore::pick_candidates(const domain::GameFilter& filter, std::optional<Id> session_id) { throw std::logic_error("not implemented: pick_candidates"); }

}  // namespace gp::store::sqlite
namespace gp::store::sqlite {
domain::Game SqliteStore::load_game(Id) { throw std::logic_error("not implemented"); }
void SqliteStore::ensure_pack(const std::string&) { throw std::logic_error("not implemented"); }
}
