#include "app/crash_report.hpp"

#include <execinfo.h>
#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GP_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define GP_ASAN 1
#endif

namespace gp::app {

#ifndef GP_ASAN
namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
constexpr int kMaxFrames = 64;

// Only async-signal-safe calls from here on: write(2), no allocation, no stdio.
void put(const char* text) {
    for (std::size_t left = std::strlen(text); left > 0;) {
        const ssize_t n = ::write(STDERR_FILENO, text, left);
        if (n <= 0) return;
        text += n;
        left -= static_cast<std::size_t>(n);
    }
}

void put_hex(std::uintptr_t value) {
    char digits[2 + 2 * sizeof value + 1];
    char* p = digits + sizeof digits - 1;
    *p = '\0';
    do {
        *--p = "0123456789abcdef"[value & 15];
        value >>= 4;
    } while (value != 0);
    *--p = 'x';
    *--p = '0';
    put(p);
}

const char* signal_name(int sig) {
    switch (sig) {
        case SIGSEGV: return "SIGSEGV";
        case SIGBUS: return "SIGBUS";
        case SIGFPE: return "SIGFPE";
        case SIGILL: return "SIGILL";
        default: return "SIGABRT";
    }
}

void on_fatal_signal(int sig, siginfo_t* info, void*) {
    put("level=critical msg=\"fatal signal, backtrace follows\" signal=");
    put(signal_name(sig));
    if (sig != SIGABRT) {
        put(" address=");
        put_hex(reinterpret_cast<std::uintptr_t>(info->si_addr));
    }
    put("\n");
    void* frames[kMaxFrames];
    backtrace_symbols_fd(frames, backtrace(frames, kMaxFrames), STDERR_FILENO);
    // SA_RESETHAND restored the default action: the signal ends the process as before.
    raise(sig);
}

}  // namespace
#endif

bool install_crash_report() {
#ifdef GP_ASAN
    return false;
#else
    // backtrace() loads libgcc on its first call, which allocates: not in a signal handler.
    void* warm_up[1];
    backtrace(warm_up, 1);
    // A stack overflow leaves no stack for the handler: it runs on a stack of its own.
    static char alternate_stack[64 * 1024];
    stack_t stack{};
    stack.ss_sp = alternate_stack;
    stack.ss_size = sizeof alternate_stack;
    sigaltstack(&stack, nullptr);
    struct sigaction action {};
    action.sa_sigaction = on_fatal_signal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    for (const int sig : kSignals) sigaction(sig, &action, nullptr);
    return true;
#endif
}

}  // namespace gp::app
