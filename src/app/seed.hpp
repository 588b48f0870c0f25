#pragma once
#include <string>

namespace gp::store {
class Store;
}

namespace gp::app {
// Imports the bundled catalogue CSV when the catalogue is empty (first start).
void seed_catalogue(store::Store& store, const std::string& csv_path);
}
