// Votes (live votes and chat-log imports) and the stats.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "domain/error.hpp"
#include "domain/votes.hpp"
#include "events/payloads.hpp"
#include "store/sql/sql_store.hpp"

namespace gp::store::sql {

namespace {

namespace json = boost::json;
using domain::VoteType;

int stored_vote(VoteType t) { return t == VoteType::Up ? 1 : -1; }

// Adds votes to a game's totals; its popularity is always upvotes - downvotes.
template <class D>
void add_votes(D& db, Id game_id, int upvotes, int downvotes) {
    db.prepare("UPDATE games SET upvotes = upvotes + ?1, downvotes = downvotes + ?2, "
               "popularity_score = upvotes + ?1 - downvotes - ?2 WHERE id = ?3")
        .bind_all(upvotes, downvotes, game_id)
        .exec();
}

std::vector<domain::Millis> start_times(const std::vector<domain::SessionGame>& games) {
    std::vector<domain::Millis> starts;
    starts.reserve(games.size());
    for (const auto& g : games) starts.push_back(g.played_at);
    return starts;
}

// The first n games that pass `keep`, in `before` order.
template <class Keep, class Before>
std::vector<domain::Game> top_games(const std::vector<domain::Game>& games, Keep keep, Before before,
                                    std::size_t n) {
    std::vector<domain::Game> out;
    std::copy_if(games.begin(), games.end(), std::back_inserter(out), keep);
    std::sort(out.begin(), out.end(), before);
    if (out.size() > n) out.resize(n);
    return out;
}

constexpr std::size_t kStatsListLength = 10;

// An unmatched vote's 404 lists at most this many session games, those nearest to
// it in played_at order: the first ones for a vote before the session's first game,
// else (a vote after the end) the last ones.
constexpr int kUnmatchedVoteCandidates = 5;

template <class D>
json::array games_nearest(D& db, Id session_id, bool first_ones) {
    auto st = db.prepare(std::string("SELECT g.title, sg.played_at FROM session_games sg JOIN games g ON g.id = sg.game_id "
                                     "WHERE sg.session_id = ? ORDER BY ") +
                         (first_ones ? "sg.played_at, sg.id" : "sg.played_at DESC, sg.id DESC") + " LIMIT ?");
    st.bind_all(session_id, kUnmatchedVoteCandidates);
    json::array listed;
    while (st.step())
        listed.push_back(json::object{{"title", st.text(0)}, {"played_at", domain::format_iso(st.int64(1))}});
    if (!first_ones) std::reverse(listed.begin(), listed.end());
    return listed;
}

}  // namespace

template <class D>
domain::ChatImportResult SqlStore<D>::import_chat(Id session_id, const std::vector<domain::ChatMessage>& log) {
    auto tx = begin();
    const auto session = load_session(session_id);
    const auto games = session_games(session_id, {});
    const auto starts = start_times(games);
    const auto votes =
        domain::match_chat_votes(log, starts, domain::voting_end(session.closed_at, domain::now_ms()));

    domain::ChatImportResult result;
    result.messages = static_cast<int>(log.size());
    result.votes_found = votes.found;
    result.unmatched = votes.unmatched;
    std::map<std::size_t, domain::ChatGameTally> tallies;  // by position in the session
    for (const auto& vote : votes.matched) {
        const auto& message = log[vote.message_index];
        const auto& played = games[vote.game_index];
        // chat_votes' unique key (session, user, time, vote) makes a re-import count nothing twice.
        db_.prepare("INSERT INTO chat_votes (session_id, session_game_id, username, vote_type, timestamp) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
            .bind_all(session_id, played.id, message.username, stored_vote(vote.type), message.timestamp)
            .exec();
        if (db_.changes() == 0) {
            ++result.duplicates;
            continue;
        }
        ++result.votes_recorded;
        auto& tally = tallies.try_emplace(vote.game_index, domain::ChatGameTally{played.id, played.game_id, played.title})
                          .first->second;
        ++(vote.type == VoteType::Up ? tally.upvotes : tally.downvotes);
    }
    for (auto& [index, tally] : tallies) {
        add_votes(db_, tally.game_id, tally.upvotes, tally.downvotes);
        result.games.push_back(std::move(tally));
    }
    commit(tx);
    if (!result.games.empty()) catalogue_changed();
    return result;
}

template <class D>
LiveVoteResult SqlStore<D>::record_live_vote(const LiveVoteInput& vote) {
    auto tx = begin();
    const auto session = active_session();
    if (!session) domain::not_found("No active session found");
    // Index lookups only (session_games_by_session): a vote costs the same in a session of any length.
    std::optional<domain::Millis> first_start;
    {
        auto st = db_.prepare("SELECT MIN(played_at) FROM session_games WHERE session_id = ?");
        st.bind_all(session->id);
        if (st.step()) first_start = st.opt_int64(0);
    }
    if (!first_start) domain::not_found("No games have been played in the active session yet");
    const auto match =
        domain::vote_match_time(*first_start, vote.timestamp, domain::voting_end(std::nullopt, domain::now_ms()));
    if (!match) {
        json::object debug{{"voteTimestamp", vote.timestamp_text},
                           {"sessionGames", games_nearest(db_, session->id, vote.timestamp < *first_start)},
                           {"sessionGamesTotal", session->games_played}};
        domain::not_found("Vote timestamp does not match any game in the active session", {{"debug", std::move(debug)}});
    }
    const auto window = domain::duplicate_window(vote.timestamp);
    {
        auto st = db_.prepare("SELECT 1 FROM live_votes WHERE username = ? AND timestamp BETWEEN ? AND ? "
                              "AND session_id = ? LIMIT 1");
        st.bind_all(vote.username, window.first, window.last, session->id);
        if (st.step()) domain::conflict("Duplicate vote: " + vote.username + " already voted within the last second");
    }
    Id game_id = 0;
    {
        // The game whose interval holds the match time: the last one started at or before it
        // (equal starts resolve to the later game, as in domain::game_playing_at). There is
        // one: the match time is never before the first game's start.
        auto st = db_.prepare("SELECT game_id FROM session_games WHERE session_id = ? AND played_at <= ? "
                              "ORDER BY played_at DESC, id DESC LIMIT 1");
        st.bind_all(session->id, *match);
        if (st.step()) game_id = st.int64(0);
    }
    db_.prepare("INSERT INTO live_votes (session_id, game_id, username, vote_type, timestamp, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)")
        .bind_all(session->id, game_id, vote.username, stored_vote(vote.type), vote.timestamp, domain::now_ms())
        .exec();
    const bool up = vote.type == VoteType::Up;
    add_votes(db_, game_id, up ? 1 : 0, up ? 0 : 1);
    auto game = load_game(game_id);
    append_event("vote.received", session->id,
                 events::vote_received(session->id, game, vote.username, vote.type, vote.timestamp_text));
    commit(tx);
    catalogue_changed();
    return {*session, std::move(game)};
}

template <class D>
VotePage SqlStore<D>::list_votes(const VoteQuery& q) {
    // Only the clause set varies (each shape prepared once and cached); values are bound.
    std::string where = " WHERE 1 = 1";
    if (q.session_id) where += " AND lv.session_id = ?1";
    if (q.game_id) where += " AND lv.game_id = ?2";
    if (q.username) where += " AND lv.username = ?3";
    if (q.vote_type) where += " AND lv.vote_type = ?4";
    auto bind_filters = [&q](auto& st) {
        if (q.session_id) st.bind(1, *q.session_id);
        if (q.game_id) st.bind(2, *q.game_id);
        if (q.username) st.bind(3, *q.username);
        if (q.vote_type) st.bind(4, stored_vote(*q.vote_type));
    };

    VotePage page;
    {
        auto st = db_.prepare("SELECT COUNT(*) FROM live_votes lv" + where);
        bind_filters(st);
        if (st.step()) page.total = st.integer(0);
    }
    auto st = db_.prepare(
        "SELECT lv.id, lv.session_id, lv.game_id, g.title, g.pack_name, lv.username, lv.vote_type, lv.timestamp, "
        "lv.created_at FROM live_votes lv JOIN games g ON g.id = lv.game_id" +
        where + " ORDER BY lv.timestamp DESC, lv.id DESC LIMIT ?5 OFFSET ?6");
    bind_filters(st);
    st.bind(5, q.limit).bind(6, static_cast<std::int64_t>(q.page - 1) * q.limit);
    while (st.step())
        page.votes.push_back({st.int64(0), st.int64(1), st.int64(2), st.text(3), st.text(4), st.text(5),
                              st.integer(6) == 1 ? VoteType::Up : VoteType::Down, st.int64(7), st.int64(8)});
    return page;
}

template <class D>
std::vector<SessionVoteRow> SqlStore<D>::session_votes(Id session_id) {
    load_session(session_id);
    auto st = db_.prepare(
        "SELECT lv.game_id, g.title, g.pack_name, SUM(CASE WHEN lv.vote_type = 1 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN lv.vote_type = -1 THEN 1 ELSE 0 END), "
        "SUM(lv.vote_type) AS net, COUNT(*) AS total FROM live_votes lv JOIN games g ON g.id = lv.game_id "
        "WHERE lv.session_id = ? GROUP BY lv.game_id, g.title, g.pack_name ORDER BY net DESC, total DESC, g.title, lv.game_id");
    st.bind_all(session_id);
    std::vector<SessionVoteRow> rows;
    while (st.step())
        rows.push_back({st.int64(0), st.text(1), st.text(2), st.integer(3), st.integer(4), st.integer(5),
                        st.integer(6)});
    return rows;
}

template <class D>
domain::Stats SqlStore<D>::stats() {
    domain::Stats s;
    const auto games = list_games({});
    std::set<std::string> packs;
    for (const auto& g : games) {
        packs.insert(g.pack_name);
        s.games_enabled += g.enabled ? 1 : 0;
    }
    s.games_count = static_cast<int>(games.size());
    s.packs_count = static_cast<int>(packs.size());
    {
        auto st = db_.prepare("SELECT (SELECT COUNT(*) FROM sessions), "
                              "(SELECT COUNT(*) FROM sessions WHERE is_active = 1), "
                              "(SELECT COUNT(*) FROM session_games), (SELECT COUNT(*) FROM live_votes)");
        if (st.step()) {
            s.sessions_count = st.integer(0);
            s.active_sessions = st.integer(1);
            s.games_played = st.integer(2);
            s.total_votes = st.integer(3);
        }
    }
    // Games never played or never voted on are left out of the rankings.
    s.most_played = top_games(
        games, [](const domain::Game& g) { return g.play_count > 0; },
        [](const domain::Game& a, const domain::Game& b) {
            return std::tie(b.play_count, a.title, a.id) < std::tie(a.play_count, b.title, b.id);
        },
        kStatsListLength);
    s.top_rated = top_games(
        games, [](const domain::Game& g) { return g.upvotes + g.downvotes > 0; },
        [](const domain::Game& a, const domain::Game& b) {
            return std::tie(b.popularity_score, b.upvotes, a.title, a.id) <
                   std::tie(a.popularity_score, a.upvotes, b.title, b.id);
        },
        kStatsListLength);
    return s;
}

}  // namespace gp::store::sql
