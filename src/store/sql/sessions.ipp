// Sessions and the games played in them.
#include <algorithm>
#include <limits>
#include <string>

#include "domain/error.hpp"
#include "events/payloads.hpp"
#include "store/sql/sql_store.hpp"

namespace gp::store::sql {

namespace {

// games_played counts every game added to the session, skipped ones included.
constexpr const char* kSessionSelect =
    "SELECT s.id, s.notes, s.is_active, s.created_at, s.closed_at, s.games_played FROM sessions s ";

template <class Row>
domain::Session read_session(const Row& st) {
    return {st.int64(0), st.opt_text(1), st.boolean(2), st.int64(3), st.opt_int64(4), st.integer(5)};
}

constexpr const char* kSessionGameSelect =
    "SELECT sg.id, sg.session_id, sg.game_id, sg.played_at, sg.manually_added, sg.status, sg.room_code, "
    "sg.player_count, sg.player_check, g.title, g.pack_name, g.min_players, g.max_players, g.game_type, "
    "g.length_minutes, g.has_audience, g.family_friendly, g.popularity_score, g.upvotes, g.downvotes "
    "FROM session_games sg JOIN games g ON g.id = sg.game_id ";

template <class Row>
domain::SessionGame read_session_game(const Row& st) {
    domain::SessionGame sg;
    sg.id = st.int64(0);
    sg.session_id = st.int64(1);
    sg.game_id = st.int64(2);
    sg.played_at = st.int64(3);
    sg.manually_added = st.boolean(4);
    // The CHECK constraint admits only the three known values.
    sg.status = domain::parse_play_status(st.text(5)).value_or(domain::PlayStatus::Played);
    sg.room_code = st.opt_text(6);
    sg.player_count = st.opt_int(7);
    sg.player_check_active = st.boolean(8);
    sg.title = st.text(9);
    sg.pack_name = st.text(10);
    sg.min_players = st.integer(11);
    sg.max_players = st.integer(12);
    sg.game_type = st.opt_text(13);
    sg.length_minutes = st.opt_int(14);
    sg.has_audience = st.boolean(15);
    sg.family_friendly = st.boolean(16);
    sg.popularity_score = st.integer(17);
    sg.upvotes = st.integer(18);
    sg.downvotes = st.integer(19);
    return sg;
}

// Only one game of a session is 'playing': starting another one (or ending the
// session) makes the current one 'played' and ends its player check. `keep` is
// the row that becomes (or stays) playing, 0 for none.
template <class D>
void demote_playing(D& db, Id session_id, Id keep = 0) {
    db.prepare("UPDATE session_games SET status = 'played', player_check = 0 "
               "WHERE session_id = ? AND status = 'playing' AND id <> ?")
        .bind_all(session_id, keep)
        .exec();
}

}  // namespace

template <class D>
std::vector<domain::Session> SqlStore<D>::list_sessions() {
    auto st = db_.prepare(std::string(kSessionSelect) + "ORDER BY s.created_at DESC, s.id DESC");
    std::vector<domain::Session> out;
    while (st.step()) out.push_back(read_session(st));
    return out;
}

template <class D>
std::optional<domain::Session> SqlStore<D>::find_session(Id id) {
    auto st = db_.prepare(std::string(kSessionSelect) + "WHERE s.id = ?");
    st.bind_all(id);
    if (!st.step()) return std::nullopt;
    return read_session(st);
}

template <class D>
domain::Session SqlStore<D>::load_session(Id id) {
    auto s = find_session(id);
    if (!s) domain::not_found("Session not found");
    return *s;
}

template <class D>
std::optional<domain::Session> SqlStore<D>::active_session() {
    auto st = db_.prepare(std::string(kSessionSelect) + "WHERE s.is_active = 1");
    if (!st.step()) return std::nullopt;
    return read_session(st);
}

template <class D>
domain::Session SqlStore<D>::create_session(const std::optional<std::string>& notes) {
    auto tx = begin();
    if (auto active = active_session())
        domain::bad_request("An active session already exists. Please close it before creating a new one.",
                            {{"activeSessionId", active->id}});
    db_.prepare("INSERT INTO sessions (notes, is_active, created_at) VALUES (NULLIF(?, ''), 1, ?)")
        .bind_all(notes, domain::now_ms())
        .exec();
    auto session = load_session(db_.last_insert_id());
    append_event("session.started", session.id, events::session_started(session));
    commit(tx);
    return session;
}

template <class D>
domain::Session SqlStore<D>::close_session(Id id, const std::optional<std::string>& notes) {
    auto tx = begin();
    if (!load_session(id).is_active) domain::bad_request("Session is already closed");
    demote_playing(db_, id);
    // Notes given replace the old ones (an empty string clears them); absent keeps them.
    db_.prepare("UPDATE sessions SET is_active = 0, closed_at = ?1, "
                "notes = CASE WHEN ?2 = 1 THEN NULLIF(?3, '') ELSE notes END WHERE id = ?4")
        .bind_all(domain::now_ms(), notes.has_value(), notes, id)
        .exec();
    auto session = load_session(id);
    append_event("session.ended", id, events::session_ended(session));
    commit(tx);
    return session;
}

template <class D>
void SqlStore<D>::delete_session(Id id) {
    auto tx = begin();
    if (load_session(id).is_active) domain::bad_request("Cannot delete an active session. Please close it first.");
    // Its session games, live votes and imported chat votes go with it (ON DELETE CASCADE);
    // the catalogue's play counts and vote totals are lifetime figures and stay.
    db_.prepare("DELETE FROM sessions WHERE id = ?").bind_all(id).exec();
    commit(tx);
}

template <class D>
std::vector<domain::SessionGame> SqlStore<D>::session_games(Id session_id, const Slice& slice) {
    load_session(session_id);
    auto st = db_.prepare(std::string(kSessionGameSelect) +
                          "WHERE sg.session_id = ? ORDER BY sg.played_at, sg.id LIMIT ? OFFSET ?");
    st.bind_all(session_id, slice.limit.value_or(std::numeric_limits<std::int64_t>::max()), slice.offset);
    std::vector<domain::SessionGame> out;
    while (st.step()) out.push_back(read_session_game(st));
    return out;
}

template <class D>
std::vector<Id> SqlStore<D>::recent_game_ids(Id session_id, std::optional<std::int64_t> last) {
    // Newest first along the session_games_by_session index, so only `last` rows are read.
    auto st = db_.prepare(
        "SELECT game_id FROM session_games WHERE session_id = ? ORDER BY played_at DESC, id DESC LIMIT ?");
    st.bind_all(session_id, last.value_or(std::numeric_limits<std::int64_t>::max()));
    std::vector<Id> ids;
    while (st.step()) ids.push_back(st.int64(0));
    if (ids.empty()) load_session(session_id);  // an unknown session is reported as such
    std::reverse(ids.begin(), ids.end());
    return ids;
}

template <class D>
domain::SessionGame SqlStore<D>::load_session_game(Id session_id, Id session_game_id) {
    {
        auto st = db_.prepare(std::string(kSessionGameSelect) + "WHERE sg.id = ? AND sg.session_id = ?");
        st.bind_all(session_game_id, session_id);
        if (st.step()) return read_session_game(st);
    }
    load_session(session_id);  // an unknown session is reported as such
    domain::not_found("Session game not found");
}

template <class D>
domain::SessionGame SqlStore<D>::add_session_game(Id session_id, Id game_id, bool manually_added,
                                                  const std::optional<std::string>& room_code) {
    auto tx = begin();
    auto session = load_session(session_id);
    if (!session.is_active) domain::bad_request("Cannot add games to a closed session");
    auto game = load_game(game_id);
    demote_playing(db_, session_id);
    Id session_game_id = 0;
    {
        auto st = db_.prepare("INSERT INTO session_games (session_id, game_id, played_at, manually_added, status, room_code) "
                              "VALUES (?, ?, ?, ?, 'playing', ?) RETURNING id");
        st.bind_all(session_id, game_id, domain::now_ms(), manually_added, room_code);
        st.step();
        session_game_id = st.int64(0);
    }
    db_.prepare("UPDATE games SET play_count = play_count + 1 WHERE id = ?").bind_all(game_id).exec();
    db_.prepare("UPDATE sessions SET games_played = games_played + 1 WHERE id = ?").bind_all(session_id).exec();
    session.games_played += 1;
    append_event("game.added", session_id, events::game_added(session, game, manually_added));
    commit(tx);
    catalogue_changed();
    return load_session_game(session_id, session_game_id);
}

template <class D>
domain::SessionGame SqlStore<D>::set_session_game_status(Id session_id, Id session_game_id,
                                                         domain::PlayStatus status) {
    auto tx = begin();
    load_session_game(session_id, session_game_id);
    if (status == domain::PlayStatus::Playing) {
        if (!load_session(session_id).is_active)
            domain::bad_request("Cannot set a game to playing in a closed session");
        demote_playing(db_, session_id, session_game_id);
    }
    // A game that is no longer playing has no player check running.
    db_.prepare("UPDATE session_games SET status = ?1, "
                "player_check = CASE WHEN ?1 = 'playing' THEN player_check ELSE 0 END WHERE id = ?2")
        .bind_all(domain::to_string(status), session_game_id)
        .exec();
    commit(tx);
    return load_session_game(session_id, session_game_id);
}

template <class D>
void SqlStore<D>::remove_session_game(Id session_id, Id session_game_id) {
    auto tx = begin();
    auto sg = load_session_game(session_id, session_game_id);
    db_.prepare("DELETE FROM session_games WHERE id = ?").bind_all(session_game_id).exec();
    db_.prepare("UPDATE sessions SET games_played = games_played - 1 WHERE id = ?").bind_all(session_id).exec();
    // The play it counted never happened after all.
    db_.prepare("UPDATE games SET play_count = CASE WHEN play_count > 0 THEN play_count - 1 ELSE 0 END WHERE id = ?").bind_all(sg.game_id).exec();
    commit(tx);
    catalogue_changed();
}

template <class D>
domain::SessionGame SqlStore<D>::set_room_code(Id session_id, Id session_game_id,
                                               const std::optional<std::string>& room_code) {
    auto tx = begin();
    load_session_game(session_id, session_game_id);
    // Without a room there is nothing to check.
    db_.prepare("UPDATE session_games SET room_code = ?1, player_check = CASE WHEN ?1 IS NULL THEN 0 "
                "ELSE player_check END WHERE id = ?2")
        .bind_all(room_code, session_game_id)
        .exec();
    commit(tx);
    return load_session_game(session_id, session_game_id);
}

template <class D>
domain::SessionGame SqlStore<D>::set_player_check(Id session_id, Id session_game_id, bool active) {
    auto tx = begin();
    auto sg = load_session_game(session_id, session_game_id);
    if (active && !sg.room_code)
        domain::bad_request("This game has no room code; set one before starting a player check");
    db_.prepare("UPDATE session_games SET player_check = ? WHERE id = ?").bind_all(active, session_game_id).exec();
    commit(tx);
    return load_session_game(session_id, session_game_id);
}

template <class D>
domain::SessionGame SqlStore<D>::set_player_count(Id session_id, Id session_game_id, int count) {
    auto tx = begin();
    load_session_game(session_id, session_game_id);
    db_.prepare("UPDATE session_games SET player_count = ? WHERE id = ?").bind_all(count, session_game_id).exec();
    append_event("player-count.updated", session_id,
                 events::player_count_updated(session_id, session_game_id, count));
    commit(tx);
    return load_session_game(session_id, session_game_id);
}

template <class D>
void SqlStore<D>::record_room_event(Id session_id, const std::string& type, std::string data) {
    auto tx = begin();
    append_event(type, session_id, std::move(data));
    commit(tx);
}

template <class D>
void SqlStore<D>::end_player_check(Id session_id, Id session_game_id, bool played) {
    auto tx = begin();
    db_.prepare("UPDATE session_games SET player_check = 0, "
                "status = CASE WHEN ?1 = 1 AND status = 'playing' THEN 'played' ELSE status END "
                "WHERE id = ?2 AND session_id = ?3")
        .bind_all(played, session_game_id, session_id)
        .exec();
    commit(tx);
}

}  // namespace gp::store::sql
