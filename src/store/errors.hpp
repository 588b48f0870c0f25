#pragma once
// Store failures that callers treat apart from the rest.
#include <stdexcept>

namespace gp::store {

// The database cannot be written right now: disk full, read-only file or file system,
// an I/O error, a file that cannot be opened. The same request may work later, and reads
// usually still do (HTTP answers 503 with Retry-After).
class StorageUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace gp::store
