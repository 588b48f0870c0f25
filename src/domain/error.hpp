#pragma once
// Errors raised by domain and store code; the HTTP layer maps the kind to a status code.
#include <boost/json/object.hpp>
#include <stdexcept>
#include <string>

namespace gp::domain {

enum class ErrorKind { BadRequest, NotFound, Conflict };

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, std::string message, boost::json::object extra = {})
        : std::runtime_error(std::move(message)), kind_(kind), extra_(std::move(extra)) {}
    ErrorKind kind() const { return kind_; }
    // Extra fields sent beside "error" (e.g. activeSessionId).
    const boost::json::object& extra() const { return extra_; }

private:
    ErrorKind kind_;
    boost::json::object extra_;
};

[[noreturn]] inline void bad_request(std::string m, boost::json::object extra = {}) {
    throw Error(ErrorKind::BadRequest, std::move(m), std::move(extra));
}
[[noreturn]] inline void not_found(std::string m, boost::json::object extra = {}) {
    throw Error(ErrorKind::NotFound, std::move(m), std::move(extra));
}
[[noreturn]] inline void conflict(std::string m, boost::json::object extra = {}) {
    throw Error(ErrorKind::Conflict, std::move(m), std::move(extra));
}

}  // namespace gp::domain
