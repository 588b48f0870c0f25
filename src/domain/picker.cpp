#include "domain/picker.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace gp::domain {

double favor_factor(int favor_bias) {
    if (favor_bias > 0) return 3.0;
    if (favor_bias < 0) return 0.2;
    return 1.0;
}

bool matches(const GameFilter& f, const Game& g) {
    if (f.enabled && g.enabled != *f.enabled) return false;
    if (f.player_count && (g.min_players > *f.player_count || g.max_players < *f.player_count)) return false;
    if (f.drawing) {
        const bool drawing = g.game_type == "Drawing";
        if (drawing != (*f.drawing == DrawingFilter::Only)) return false;
    }
    if (f.length) {
        switch (*f.length) {
            case LengthFilter::Short:
                if (g.length_minutes && *g.length_minutes > 15) return false;
                break;
            case LengthFilter::Medium:
                if (!g.length_minutes || *g.length_minutes < 16 || *g.length_minutes > 25) return false;
                break;
            case LengthFilter::Long:
                if (!g.length_minutes || *g.length_minutes <= 25) return false;
                break;
        }
    }
    if (f.family_friendly && g.family_friendly != *f.family_friendly) return false;
    if (f.pack && g.pack_name != *f.pack) return false;
    return true;
}

std::vector<Id> repeat_exclusions(std::span<const Id> played, bool exclude_played) {
    const std::size_t keep = exclude_played ? played.size() : std::min(played.size(), kRecentGamesExcluded);
    return {played.end() - static_cast<std::ptrdiff_t>(keep), played.end()};
}

std::size_t weighted_index(std::span<const double> weights, double u) {
    double total = 0;
    for (double w : weights) total += w;
    const double target = u * total;
    double cumulative = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        cumulative += weights[i];
        if (target < cumulative) return i;
    }
    return weights.size() - 1;  // u * total rounded up to the total
}

PickCatalogue::PickCatalogue(std::vector<Game> games, std::span<const Pack> packs) {
    std::unordered_map<std::string_view, int> pack_bias;
    for (const Pack& p : packs) pack_bias.emplace(p.name, p.favor_bias);
    std::erase_if(games, [](const Game& g) { return !g.enabled; });
    weights_.reserve(games.size());
    for (const Game& g : games) {
        auto pack = pack_bias.find(g.pack_name);
        weights_.push_back(favor_factor(g.favor_bias) * favor_factor(pack == pack_bias.end() ? 0 : pack->second));
    }
    games_ = std::move(games);
}

PickResult pick_game(const PickCatalogue& catalogue, const PickRequest& request, std::mt19937_64& rng) {
    const auto excluded = repeat_exclusions(request.played, request.exclude_played);
    GameFilter filter = request.filter;
    filter.enabled.reset();  // the catalogue holds enabled games only

    PickResult result;
    const auto games = catalogue.games();
    std::vector<const Game*> pool;
    std::vector<double> weights;
    pool.reserve(games.size());  // one allocation each, not one per doubling
    weights.reserve(games.size());
    for (std::size_t i = 0; i < games.size(); ++i) {
        const Game& g = games[i];
        if (!matches(filter, g)) continue;
        ++result.matched;
        if (std::find(excluded.begin(), excluded.end(), g.id) != excluded.end()) continue;
        pool.push_back(&g);
        weights.push_back(catalogue.weights()[i]);
    }
    result.pool_size = pool.size();
    if (pool.empty()) return result;
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    result.game = pool[weighted_index(weights, u)];
    return result;
}

}  // namespace gp::domain
