#pragma once
// A test's own folder under the system's temporary one, made empty at the start and removed
// with the fixture that holds it (declare it before anything that keeps files open in it).
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace gp::test {

class TempFolder {
public:
    explicit TempFolder(const std::string& name)
        : path_(std::filesystem::temp_directory_path() / ("gamepicker-" + name + "-" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(path_);  // left by an earlier process with the same id
        std::filesystem::create_directories(path_);
    }
    ~TempFolder() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;

    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

}  // namespace gp::test
