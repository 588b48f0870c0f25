#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <spdlog/spdlog.h>

#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "domain/chat_import.hpp"
#include "domain/error.hpp"
#include "domain/text.hpp"
#include "domain/votes.hpp"
#include "http/json_input.hpp"
#include "http/routes.hpp"
#include "http/serialize.hpp"
#include "rooms/room_events.hpp"
#include "rooms/room_monitors.hpp"
#include "store/store.hpp"

namespace gp::http {

namespace json = boost::json;
using domain::bad_request;
using domain::Id;

namespace {

constexpr std::int64_t kMaxSessionGamesPage = 1000;  // ?limit of GET /api/sessions/{id}/games

std::optional<std::string> read_notes(const json::object& body) {
    auto notes = opt_string(body, "notes");
    if (notes) domain::check_length("notes", *notes, domain::kMaxNotesLength);
    return notes;
}

// Jackbox room codes are four letters; lower case is accepted and stored upper case.
// null, absent or "" mean no room code.
std::optional<std::string> read_room_code(const json::object& body) {
    auto code = opt_string(body, "room_code");
    if (!code || code->empty()) return std::nullopt;
    if (code->size() != 4) bad_request("room_code must be 4 letters (A-Z)");
    for (char& c : *code) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (c < 'A' || c > 'Z') bad_request("room_code must be 4 letters (A-Z)");
    }
    return code;
}

struct SessionGameRef {
    Id session_id;
    Id session_game_id;
};

SessionGameRef session_game_ref(const Request& req) {
    return {path_id(req, 0, "session"), path_id(req, 1, "session game")};
}

json::array vote_rows_json(const std::vector<store::SessionVoteRow>& rows) {
    json::array out;
    for (const auto& r : rows)
        out.push_back(json::object{{"game_id", r.game_id},
                                   {"title", r.title},
                                   {"pack_name", r.pack_name},
                                   {"upvotes", r.upvotes},
                                   {"downvotes", r.downvotes},
                                   {"net_score", r.net_score},
                                   {"total_votes", r.total_votes}});
    return out;
}

json::value chat_import_json(const domain::ChatImportResult& r) {
    json::array games;
    for (const auto& g : r.games)
        games.push_back(json::object{{"sessionGameId", g.session_game_id},
                                     {"gameId", g.game_id},
                                     {"title", g.title},
                                     {"upvotes", g.upvotes},
                                     {"downvotes", g.downvotes}});
    return json::object{{"message", "Chat log imported"},
                        {"messagesProcessed", r.messages},
                        {"votesFound", r.votes_found},
                        {"votesRecorded", r.votes_recorded},
                        {"duplicatesSkipped", r.duplicates},
                        {"unmatched", r.unmatched},
                        {"gameVotes", std::move(games)}};
}

// The chat log: {"chatData": [...]} or the bare array; each message
// {username, message, timestamp (ISO 8601)}. Errors name the message's index.
std::vector<domain::ChatMessage> read_chat_log(const Request& req) {
    const json::value body = parse_json(req);
    const json::array* log = body.if_array();
    if (const json::object* o = body.if_object()) {
        if (auto it = o->find("chatData"); it != o->end()) log = it->value().if_array();
    }
    if (!log) bad_request("chatData must be an array of chat messages");
    std::vector<domain::ChatMessage> messages;
    messages.reserve(log->size());
    for (std::size_t i = 0; i < log->size(); ++i) {
        const std::string where = "chatData[" + std::to_string(i) + "]";
        const json::object* m = (*log)[i].if_object();
        if (!m) bad_request(where + " must be an object");
        try {
            domain::ChatMessage msg;
            msg.username = req_string(*m, "username");
            domain::check_length("username", msg.username, domain::kMaxUsernameLength);
            auto text = opt_string(*m, "message");
            if (!text) bad_request("message is required");
            domain::check_length("message", *text, domain::kMaxChatMessageLength);
            msg.message = std::move(*text);
            auto when = domain::parse_iso(req_string(*m, "timestamp"));
            if (!when) bad_request("timestamp must be an ISO 8601 timestamp");
            msg.timestamp = *when;
            messages.push_back(std::move(msg));
        } catch (const domain::Error& e) {
            bad_request(where + ": " + e.what());
        }
    }
    return messages;
}

// Runs f(store) after the room monitors' writes queued so far (Store::off_loop, called on the
// event loop); wait for the result off the loop (on SQLite it is ready at once).
template <class F>
auto in_room_write_order(store::Store& loop_store, F f) {
    using Result = std::invoke_result_t<F&, store::Store&>;
    auto task = std::make_shared<std::packaged_task<Result(store::Store&)>>(std::move(f));
    auto result = task->get_future();
    loop_store.off_loop([task](store::Store& s) {
        (*task)(s);
        return std::function<void()>();
    });
    return result;
}

// A game got a room code (added with one, or set on the playing game): its room is
// watched and the player check recorded. Past the monitor cap the change itself still
// succeeds, unwatched (start-player-check can be retried later). The check is written after
// the writes of a monitor this one replaces (its end of the check) and before the new
// monitor's own.
domain::SessionGame watch_room(const Services& s, const domain::SessionGame& sg) {
    if (!sg.room_code) return sg;
    auto checked = s.on_loop([&]() -> std::optional<std::future<domain::SessionGame>> {
        if (!s.rooms.can_start(sg.id)) {
            spdlog::warn("msg=\"room not monitored: monitor cap reached\" session_game={} room={}", sg.id,
                         *sg.room_code);
            return std::nullopt;
        }
        s.rooms.start(sg);
        return in_room_write_order(s.loop_store, [sg](store::Store& store) {
            return store.set_player_check(sg.session_id, sg.id, true);
        });
    });
    return checked ? checked->get() : sg;
}

// GET …/status-live without a running monitor: what the database knows.
rooms::RoomSnapshot stored_room(const domain::SessionGame& sg) {
    rooms::RoomSnapshot s;
    s.session_id = sg.session_id;
    s.session_game_id = sg.id;
    s.room_code = sg.room_code.value_or("");
    s.max_players = sg.max_players;
    s.player_count = sg.player_count;
    s.game_finished = sg.status == domain::PlayStatus::Played;
    return s;
}

std::string export_text(const domain::Session& s, const std::vector<domain::SessionGame>& games,
                        const std::vector<store::SessionVoteRow>& votes) {
    std::string out = "Jackbox Game Picker - Session #" + std::to_string(s.id) + "\n";
    out += "Status: " + std::string(s.is_active ? "active" : "closed") + "\n";
    out += "Started: " + domain::format_iso(s.created_at) + "\n";
    if (s.closed_at) out += "Ended: " + domain::format_iso(*s.closed_at) + "\n";
    if (s.notes) out += "Notes: " + *s.notes + "\n";
    out += "Games played: " + std::to_string(s.games_played) + "\n\nGames\n";
    if (games.empty()) out += "(none)\n";
    for (std::size_t i = 0; i < games.size(); ++i) {
        const auto& g = games[i];
        out += std::to_string(i + 1) + ". " + g.title + " (" + g.pack_name + ")\n";
        out += "   Status: " + std::string(domain::to_string(g.status)) + " | Started: " +
               domain::format_iso(g.played_at);
        if (g.room_code) out += " | Room code: " + *g.room_code;
        if (g.player_count) out += " | Players: " + std::to_string(*g.player_count);
        if (g.manually_added) out += " | Added manually";
        out += "\n";
    }
    out += "\nLive votes\n";
    if (votes.empty()) out += "(none)\n";
    for (const auto& v : votes)
        out += "- " + v.title + " (" + v.pack_name + "): " + std::to_string(v.upvotes) + " up, " +
               std::to_string(v.downvotes) + " down, net " + (v.net_score > 0 ? "+" : "") +
               std::to_string(v.net_score) + "\n";
    return out;
}

json::value export_json(const domain::Session& s, const std::vector<domain::SessionGame>& games,
                        const std::vector<store::SessionVoteRow>& votes) {
    return json::object{{"session", to_json(s)},
                        {"games", to_json_array(games)},
                        {"votes", vote_rows_json(votes)},
                        {"exported_at", domain::format_iso(domain::now_ms())}};
}

}  // namespace

void add_session_routes(Router& r, Services& s) {
    rooms::RoomMonitors& rooms = s.rooms;

    r.add("GET", "/api/sessions", Access::Public,
          [&s](Request&) { return Response::json(200, to_json_array(s.store().list_sessions())); });

    r.add("GET", "/api/sessions/active", Access::Public, [&s](Request&) {
        if (auto active = s.store().active_session()) return Response::json(200, to_json(*active));
        return Response::json(200, json::object{{"session", nullptr}, {"message", "No active session"}});
    });

    r.add("GET", "/api/sessions/{id}", Access::Public, [&s](Request& req) {
        auto session = s.store().find_session(path_id(req, 0, "session"));
        if (!session) domain::not_found("Session not found");
        return Response::json(200, to_json(*session));
    });

    r.add("POST", "/api/sessions", Access::Admin, [&s](Request& req) {
        auto notes = read_notes(parse_object(req));
        return Response::json(201, to_json(s.store().create_session(notes)));
    });

    r.add("POST", "/api/sessions/{id}/close", Access::Admin, [&s, &rooms](Request& req) {
        const Id id = path_id(req, 0, "session");
        auto notes = read_notes(parse_object(req));
        auto session = s.store().close_session(id, notes);
        s.on_loop([&] { rooms.stop_session(id); });
        return Response::json(200, to_json(session));
    });

    r.add("DELETE", "/api/sessions/{id}", Access::Admin, [&s](Request& req) {
        const Id id = path_id(req, 0, "session");
        s.store().delete_session(id);
        return Response::json(200, json::object{{"message", "Session deleted successfully"}, {"sessionId", id}});
    });

    // The whole list by default (the documented shape); ?limit and ?offset page through it.
    r.add("GET", "/api/sessions/{id}/games", Access::Public, [&s](Request& req) {
        const Id id = path_id(req, 0, "session");
        store::Slice slice;
        slice.offset = query_int(req, "offset", 0, INT32_MAX).value_or(0);
        slice.limit = query_int(req, "limit", 0, kMaxSessionGamesPage);
        return Response::json(200, to_json_array(s.store().session_games(id, slice)));
    });

    r.add("GET", "/api/sessions/{id}/votes", Access::Public, [&s](Request& req) {
        const Id id = path_id(req, 0, "session");
        return Response::json(200, json::object{{"session_id", id}, {"votes", vote_rows_json(s.store().session_votes(id))}});
    });

    r.add("POST", "/api/sessions/{id}/games", Access::Admin, [&s, &rooms](Request& req) {
        const Id id = path_id(req, 0, "session");
        auto body = parse_object(req);
        auto game_id = opt_int(body, "game_id", 1);
        if (!game_id) bad_request("game_id is required");
        const bool manually_added = opt_flag(body, "manually_added").value_or(false);
        auto room_code = read_room_code(body);
        auto sg = s.store().add_session_game(id, *game_id, manually_added, room_code);
        s.on_loop([&] { rooms.stop_session(id, sg.id); });  // the previous game is no longer playing
        sg = watch_room(s, sg);
        return Response::json(201, to_json(sg));
    });

    r.add("POST", "/api/sessions/{id}/chat-import", Access::Admin, [&s](Request& req) {
        const Id id = path_id(req, 0, "session");
        auto log = read_chat_log(req);
        return Response::json(200, chat_import_json(s.store().import_chat(id, log)));
    });

    r.add("GET", "/api/sessions/{id}/export", Access::Admin, [&s](Request& req) {
        const Id id = path_id(req, 0, "session");
        const std::string format = req.query_param("format").value_or("txt");
        if (format != "txt" && format != "json") bad_request("format must be \"json\" or \"txt\"");
        auto session = s.store().find_session(id);
        if (!session) domain::not_found("Session not found");
        auto games = s.store().session_games(id, {});
        auto votes = s.store().session_votes(id);
        Response res = format == "json"
                           ? Response::json(200, export_json(*session, games, votes))
                           : Response::text(200, "text/plain; charset=utf-8", export_text(*session, games, votes));
        res.headers.emplace_back("Content-Disposition",
                                 "attachment; filename=\"session-" + std::to_string(id) + "." + format + "\"");
        return res;
    });

    r.add("PATCH", "/api/sessions/{sessionId}/games/{sessionGameId}/status", Access::Admin,
          [&s, &rooms](Request& req) {
              auto ref = session_game_ref(req);
              auto body = parse_object(req);
              auto status = domain::parse_play_status(opt_string(body, "status").value_or(""));
              if (!status) bad_request("status must be one of: playing, played, skipped");
              auto sg = s.store().set_session_game_status(ref.session_id, ref.session_game_id, *status);
              // Only the playing game is watched.
              s.on_loop([&] {
                  if (*status == domain::PlayStatus::Playing)
                      rooms.stop_session(ref.session_id, sg.id);
                  else
                      rooms.stop(sg.id);
              });
              return Response::json(200, to_json(sg));
          });

    r.add("DELETE", "/api/sessions/{sessionId}/games/{sessionGameId}", Access::Admin, [&s, &rooms](Request& req) {
        auto ref = session_game_ref(req);
        s.store().remove_session_game(ref.session_id, ref.session_game_id);
        s.on_loop([&] { rooms.stop(ref.session_game_id); });
        return Response::json(200, json::object{{"message", "Game removed from session"},
                                                {"sessionGameId", ref.session_game_id}});
    });

    r.add("PATCH", "/api/sessions/{sessionId}/games/{sessionGameId}/room-code", Access::Admin,
          [&s, &rooms](Request& req) {
              auto ref = session_game_ref(req);
              auto body = parse_object(req);
              if (!body.contains("room_code")) bad_request("room_code is required (null clears it)");
              auto code = read_room_code(body);
              auto sg = s.store().set_room_code(ref.session_id, ref.session_game_id, code);
              if (!sg.room_code)
                  s.on_loop([&] { rooms.stop(sg.id); });
              else if (sg.status == domain::PlayStatus::Playing)
                  sg = watch_room(s, sg);
              return Response::json(200, to_json(sg));
          });

    // The room monitor (rooms/): it watches the room as a shard and emits room.*, lobby.*,
    // game.* and player-count.updated events. 400 without a room code, 409 past the cap.
    r.add("POST", "/api/sessions/{sessionId}/games/{sessionGameId}/start-player-check", Access::Admin,
          [&s, &rooms](Request& req) {
              auto ref = session_game_ref(req);
              auto checking = s.on_loop([&] {
                  if (!rooms.can_start(ref.session_game_id))
                      domain::conflict("Too many rooms are being monitored at once; stop a player check first");
                  return in_room_write_order(s.loop_store, [ref](store::Store& store) {
                      return store.set_player_check(ref.session_id, ref.session_game_id, true);
                  });
              });
              const auto sg = checking.get();
              s.on_loop([&] { rooms.start(sg); });
              return Response::json(200, json::object{{"message", "Player check started: watching room " +
                                                                      sg.room_code.value_or("")},
                                                      {"sessionGame", to_json(sg)}});
          });

    r.add("POST", "/api/sessions/{sessionId}/games/{sessionGameId}/stop-player-check", Access::Admin,
          [&s, &rooms](Request& req) {
              auto ref = session_game_ref(req);
              auto sg = s.store().set_player_check(ref.session_id, ref.session_game_id, false);
              s.on_loop([&] { rooms.stop(sg.id); });
              return Response::json(200, json::object{{"message", "Player check stopped"}, {"sessionGame", to_json(sg)}});
          });

    // A manual count wins over the monitor's for the rest of its run.
    r.add("PATCH", "/api/sessions/{sessionId}/games/{sessionGameId}/player-count", Access::Admin,
          [&s, &rooms](Request& req) {
              auto ref = session_game_ref(req);
              auto body = parse_object(req);
              auto count = opt_int(body, "player_count", 0, 100);
              if (!count) bad_request("player_count is required");
              auto sg = s.store().set_player_count(ref.session_id, ref.session_game_id, static_cast<int>(*count));
              s.on_loop([&] { rooms.manual_count(sg.id); });
              return Response::json(200, to_json(sg));
          });

    // The same object as the game.status event: from the running monitor (this instance's, or
    // another's through the store), else from the database.
    r.add("GET", "/api/sessions/{sessionId}/games/{sessionGameId}/status-live", Access::Public,
          [&s, &rooms](Request& req) {
              auto ref = session_game_ref(req);
              if (auto live = s.on_loop([&] { return rooms.snapshot(ref.session_game_id); });
                  live && live->session_id == ref.session_id)
                  return Response::text(200, "application/json", rooms::game_status(*live));
              const auto sg = s.store().load_session_game(ref.session_id, ref.session_game_id);
              if (auto shared = s.store().shared_room_status(sg.id))
                  return Response::text(200, "application/json", *shared);
              return Response::text(200, "application/json", rooms::game_status(stored_room(sg)));
          });
}

}  // namespace gp::http
