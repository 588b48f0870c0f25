#include "app/seed.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "domain/catalogue_csv.hpp"
#include "store/store.hpp"

namespace gp::embedded {
std::string_view catalogue_csv();  // data/catalogue.csv, compiled in (cmake/EmbedFile.cmake)
}

namespace gp::app {

void seed_catalogue(store::Store& store, const std::string& csv_path) {
    if (!store.catalogue_empty()) return;
    std::string text;
    if (csv_path.empty()) {
        text = embedded::catalogue_csv();
    } else {
        std::ifstream in(csv_path, std::ios::binary);
        if (!in) throw std::runtime_error("cannot read catalogue '" + csv_path + "'");
        std::stringstream file;
        file << in.rdbuf();
        text = file.str();
    }
    int n = store.import_games(domain::parse_catalogue_csv(text));
    spdlog::info("msg=\"catalogue seeded\" games={} from={}", n, csv_path.empty() ? "bundled" : csv_path);
}

}  // namespace gp::app
