#include "store/sqlite/sqlite_store.hpp"

#include <stdexcept>

namespace gp::store::sqlite {

LiveVoteResult SqliteStore::record_live_vote(const LiveVoteInput&) { throw std::logic_error("not implemented"); }
VotePage SqliteStore::list_votes(const VoteQuery&) { throw std::logic_error("not implemented"); }
std::vector<SessionVoteRow> SqliteStore::session_votes(Id) { throw std::logic_error("not implemented"); }
domain::Stats SqliteStore::stats() { throw std::logic_error("not implemented"); }

}  // namespace gp::store::sqlite
