#include "app/event_loop.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

namespace gp::app {

namespace {

// Logs what escaped a function the loop ran; the loop goes on.
void log_escaped(const std::exception_ptr& escaped) {
    try {
        std::rethrow_exception(escaped);
    } catch (const std::exception& e) {
        spdlog::error("msg=\"unhandled exception in a handler, its connection dropped\" error=\"{}\"", e.what());
    } catch (...) {
        spdlog::error("msg=\"unhandled non-standard exception in a handler, its connection dropped\"");
    }
}

int new_event_fd() {
    const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
    return fd;
}

}  // namespace

void run_event_loop(boost::asio::io_context& ioc) {
    for (;;) {
        try {
            ioc.run();  // may be called again after a handler threw, without restart()
            return;
        } catch (...) {
            log_escaped(std::current_exception());
        }
    }
}

struct LoopInbox::Watch {
    Watch(boost::asio::io_context& ioc, int fd) : descriptor(ioc, fd) {}
    boost::asio::posix::stream_descriptor descriptor;
};

LoopInbox::LoopInbox(boost::asio::io_context& ioc)
    : event_fd_(new_event_fd()), watch_(std::make_unique<Watch>(ioc, event_fd_)) {
    wait();
}

LoopInbox::~LoopInbox() = default;

void LoopInbox::post(std::function<void()> f) {
    bool signal = false;
    {
        std::lock_guard lock(mutex_);
        posted_.push_back(std::move(f));
        signal = !std::exchange(signalled_, true);
    }
    if (signal) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(event_fd_, &one, sizeof one);  // cannot fail below 2^64-1
    }
}

void LoopInbox::wait() {
    watch_->descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                                  [this](const boost::system::error_code& ec) {
                                      if (ec) return;  // the loop is going away
                                      run_posted();
                                  });
}

void LoopInbox::run_posted() {
    std::uint64_t count = 0;
    [[maybe_unused]] const auto read = ::read(event_fd_, &count, sizeof count);  // back to not readable
    std::vector<std::function<void()>> batch;
    {
        std::lock_guard lock(mutex_);
        batch.swap(posted_);
        signalled_ = false;
    }
    wait();  // before running them: one that throws must not stop the inbox
    for (auto& f : batch) {
        try {
            f();
        } catch (...) {
            log_escaped(std::current_exception());
        }
    }
}

}  // namespace gp::app
