#include "app/seed.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "domain/catalogue_csv.hpp"
#include "store/store.hpp"

namespace gp::app {

void seed_catalogue(store::Store& store, const std::string& csv_path) {
    if (!store.catalogue_empty()) return;
    std::ifstream in(csv_path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read catalogue '" + csv_path + "'");
    std::stringstream text;
    text << in.rdbuf();
    int n = store.import_games(domain::parse_catalogue_csv(text.str()));
    spdlog::info("msg=\"catalogue seeded\" games={} from={}", n, csv_path);
}

}  // namespace gp::app
