#pragma once
#include <string>

namespace gp::store {
class Store;
}

namespace gp::app {
// Imports a catalogue CSV when the catalogue is empty (first start): the file at csv_path,
// or the copy of data/catalogue.csv compiled into the binary when csv_path is empty.
void seed_catalogue(store::Store& store, const std::string& csv_path);
}
