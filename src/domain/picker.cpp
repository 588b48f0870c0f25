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

PickResult pick_game(const PickRequest& request, std::mt19937_64& rng) {
    const auto excluded = repeat_exclusions(request.played, request.exclude_played);
    std::unordered_map<std::string_view, int> pack_bias;
    for (const auto& [name, bias] : request.pack_favor) pack_bias.emplace(name, bias);

    std::vector<const Game*> pool;
    std::vector<double> weights;
    for (const Game& g : request.candidates) {
        if (std::find(excluded.begin(), excluded.end(), g.id) != excluded.end()) continue;
        auto pack = pack_bias.find(g.pack_name);
        pool.push_back(&g);
        weights.push_back(favor_factor(g.favor_bias) * favor_factor(pack == pack_bias.end() ? 0 : pack->second));
    }
    if (pool.empty()) return {};
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    return {pool[weighted_index(weights, u)], pool.size()};
}

}  // namespace gp::domain
