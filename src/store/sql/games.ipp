#include <set>

#include "domain/error.hpp"
#include "store/sql/sql_store.hpp"

namespace gp::store::sql {

namespace {

constexpr const char* kGameColumns =
    "id, pack_name, title, min_players, max_players, length_minutes, has_audience, family_friendly, "
    "game_type, secondary_type, play_count, popularity_score, upvotes, downvotes, enabled, favor_bias, "
    "created_at";

template <class Row>
domain::Game read_game(const Row& st) {
    domain::Game g;
    g.id = st.int64(0);
    g.pack_name = st.text(1);
    g.title = st.text(2);
    g.min_players = st.integer(3);
    g.max_players = st.integer(4);
    g.length_minutes = st.opt_int(5);
    g.has_audience = st.boolean(6);
    g.family_friendly = st.boolean(7);
    g.game_type = st.opt_text(8);
    g.secondary_type = st.opt_text(9);
    g.play_count = st.integer(10);
    g.popularity_score = st.integer(11);
    g.upvotes = st.integer(12);
    g.downvotes = st.integer(13);
    g.enabled = st.boolean(14);
    g.favor_bias = st.integer(15);
    g.created_at = st.int64(16);
    return g;
}

template <class Row>
domain::Pack read_pack(const Row& st) {
    return {st.int64(0), st.text(1), st.integer(2), st.int64(3)};
}

// The filtered catalogue query. Only the clause set varies (a handful of shapes, each
// prepared once and cached by the Db); values are always bound.
template <class D>
std::vector<domain::Game> query_games(D& db, const domain::GameFilter& f) {
    using domain::DrawingFilter;
    using domain::LengthFilter;
    std::string sql = std::string("SELECT ") + kGameColumns + " FROM games WHERE 1 = 1";
    if (f.enabled) sql += " AND enabled = ?1";
    if (f.player_count) sql += " AND min_players <= ?2 AND max_players >= ?2";
    if (f.drawing == DrawingFilter::Only) sql += " AND game_type = 'Drawing'";
    // A game without a type is not a drawing game.
    if (f.drawing == DrawingFilter::Exclude) sql += " AND (game_type IS NULL OR game_type <> 'Drawing')";
    // An unknown length counts as short (the original's rule).
    if (f.length == LengthFilter::Short) sql += " AND (length_minutes IS NULL OR length_minutes <= 15)";
    if (f.length == LengthFilter::Medium) sql += " AND length_minutes BETWEEN 16 AND 25";
    if (f.length == LengthFilter::Long) sql += " AND length_minutes > 25";
    if (f.family_friendly) sql += " AND family_friendly = ?3";
    if (f.pack) sql += " AND pack_name = ?4";
    sql += " ORDER BY pack_name, title, id";
    auto st = db.prepare(sql);
    if (f.enabled) st.bind(1, *f.enabled);
    if (f.player_count) st.bind(2, *f.player_count);
    if (f.family_friendly) st.bind(3, *f.family_friendly);
    if (f.pack) st.bind(4, *f.pack);
    std::vector<domain::Game> games;
    while (st.step()) games.push_back(read_game(st));
    return games;
}

template <class D>
void insert_game(D& db, const domain::GameFields& g) {
    db.prepare("INSERT INTO games (pack_name, title, min_players, max_players, length_minutes, has_audience, "
               "family_friendly, game_type, secondary_type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind_all(g.pack_name, g.title, g.min_players, g.max_players, g.length_minutes, g.has_audience,
                  g.family_friendly, g.game_type, g.secondary_type, domain::now_ms())
        .exec();
}

}  // namespace

// Packs rows are never deleted, so a catalogue that was seeded once is not seeded
// again after its games were deleted.
template <class D>
bool SqlStore<D>::catalogue_empty() {
    auto st = db_.prepare("SELECT NOT EXISTS (SELECT 1 FROM games) AND NOT EXISTS (SELECT 1 FROM packs)");
    return st.step() && st.boolean(0);
}

template <class D>
std::vector<domain::Game> SqlStore<D>::list_games(const domain::GameFilter& filter) {
    return query_games(db_, filter);
}

template <class D>
std::optional<domain::Game> SqlStore<D>::find_game(Id id) {
    auto st = db_.prepare(std::string("SELECT ") + kGameColumns + " FROM games WHERE id = ?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return read_game(st);
}

template <class D>
domain::Game SqlStore<D>::load_game(Id id) {
    auto game = find_game(id);
    if (!game) domain::not_found("Game not found");
    return std::move(*game);
}

template <class D>
domain::Game SqlStore<D>::create_game(const domain::GameFields& fields) {
    auto tx = begin();
    ensure_pack(fields.pack_name);
    insert_game(db_, fields);
    const Id id = db_.last_insert_id();
    commit(tx);
    catalogue_changed();
    return load_game(id);
}

template <class D>
domain::Game SqlStore<D>::update_game(Id id, const domain::GameFields& g) {
    auto tx = begin();
    ensure_pack(g.pack_name);
    db_.prepare("UPDATE games SET pack_name = ?, title = ?, min_players = ?, max_players = ?, length_minutes = ?, "
                "has_audience = ?, family_friendly = ?, game_type = ?, secondary_type = ? WHERE id = ?")
        .bind_all(g.pack_name, g.title, g.min_players, g.max_players, g.length_minutes, g.has_audience,
                  g.family_friendly, g.game_type, g.secondary_type, id)
        .exec();
    if (db_.changes() == 0) domain::not_found("Game not found");
    commit(tx);
    catalogue_changed();
    return load_game(id);
}

template <class D>
void SqlStore<D>::delete_game(Id id) {
    // session_games and live_votes rows of the game go with it (ON DELETE CASCADE).
    db_.prepare("DELETE FROM games WHERE id = ?").bind(1, id).exec();
    if (db_.changes() == 0) domain::not_found("Game not found");
    catalogue_changed();
}

template <class D>
domain::Game SqlStore<D>::toggle_game(Id id) {
    db_.prepare("UPDATE games SET enabled = 1 - enabled WHERE id = ?").bind(1, id).exec();
    if (db_.changes() == 0) domain::not_found("Game not found");
    catalogue_changed();
    return load_game(id);
}

template <class D>
domain::Game SqlStore<D>::set_game_favor(Id id, int favor_bias) {
    db_.prepare("UPDATE games SET favor_bias = ? WHERE id = ?").bind_all(favor_bias, id).exec();
    if (db_.changes() == 0) domain::not_found("Game not found");
    catalogue_changed();
    return load_game(id);
}

// Only packs that hold at least one game: the packs table also remembers the favor
// bias of packs whose games were all deleted or renamed.
template <class D>
std::vector<domain::Pack> SqlStore<D>::list_packs() {
    auto st = db_.prepare(
        "SELECT id, name, favor_bias, created_at FROM packs p "
        "WHERE EXISTS (SELECT 1 FROM games g WHERE g.pack_name = p.name) ORDER BY name");
    std::vector<domain::Pack> packs;
    while (st.step()) packs.push_back(read_pack(st));
    return packs;
}

template <class D>
std::vector<domain::PackMeta> SqlStore<D>::pack_meta() {
    auto st = db_.prepare(
        "SELECT g.pack_name, COALESCE(p.favor_bias, 0), COUNT(*), SUM(g.enabled), SUM(g.play_count) "
        "FROM games g LEFT JOIN packs p ON p.name = g.pack_name GROUP BY g.pack_name, p.favor_bias ORDER BY g.pack_name");
    std::vector<domain::PackMeta> out;
    while (st.step()) out.push_back({st.text(0), st.integer(1), st.integer(2), st.integer(3), st.integer(4)});
    return out;
}

template <class D>
int SqlStore<D>::set_pack_enabled(const std::string& pack, bool enabled) {
    db_.prepare("UPDATE games SET enabled = ? WHERE pack_name = ?").bind_all(enabled, pack).exec();
    const int games = db_.changes();
    if (games == 0) domain::not_found("Pack not found");
    catalogue_changed();
    return games;
}

template <class D>
domain::Pack SqlStore<D>::set_pack_favor(const std::string& pack, int favor_bias) {
    auto st = db_.prepare(
        "UPDATE packs SET favor_bias = ?1 WHERE name = ?2 AND EXISTS (SELECT 1 FROM games WHERE pack_name = ?2) "
        "RETURNING id, name, favor_bias, created_at");
    st.bind_all(favor_bias, pack);
    if (!st.step()) domain::not_found("Pack not found");
    catalogue_changed();
    return read_pack(st);
}

template <class D>
int SqlStore<D>::import_games(const std::vector<domain::GameFields>& rows) {
    auto tx = begin();
    std::set<std::string> packs;
    for (const auto& g : rows)
        if (packs.insert(g.pack_name).second) ensure_pack(g.pack_name);
    for (const auto& g : rows) insert_game(db_, g);
    commit(tx);
    catalogue_changed();
    return static_cast<int>(rows.size());
}

template <class D>
void SqlStore<D>::ensure_pack(const std::string& name) {
    db_.prepare("INSERT INTO packs (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")
        .bind_all(name, domain::now_ms())
        .exec();
}

}  // namespace gp::store::sql
