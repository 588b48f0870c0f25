#pragma once
// The optional column accessors of a statement type (CRTP): NULL -> nullopt, else its
// text(), integer() or int64(). Both Stmt types (sqlite/, postgres/) have them from here.
#include <cstdint>
#include <optional>
#include <string>

namespace gp::store::sql {

template <class Stmt>
class NullableColumns {
public:
    std::optional<std::string> opt_text(int col) const {
        if (self().is_null(col)) return std::nullopt;
        return self().text(col);
    }
    std::optional<int> opt_int(int col) const {
        if (self().is_null(col)) return std::nullopt;
        return self().integer(col);
    }
    std::optional<std::int64_t> opt_int64(int col) const {
        if (self().is_null(col)) return std::nullopt;
        return self().int64(col);
    }

private:
    const Stmt& self() const { return static_cast<const Stmt&>(*this); }
};

}  // namespace gp::store::sql
