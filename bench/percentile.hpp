#pragma once
// Nearest-rank percentile for the benchmark clients (sorts v; 0 when empty).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

inline double percentile(std::vector<double>& v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
    return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}
