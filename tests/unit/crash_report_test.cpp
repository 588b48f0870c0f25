#include "app/crash_report.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <string>

TEST(CrashReport, AFatalSignalWritesItsNameAndABacktraceThenEndsTheProcessAsBefore) {
    if (!gp::app::install_crash_report()) GTEST_SKIP() << "AddressSanitizer reports crashes itself";
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    for (const int sig : {SIGSEGV, SIGABRT}) {
        const std::string name = sig == SIGSEGV ? "SIGSEGV" : "SIGABRT";
        EXPECT_EXIT(sig == SIGABRT ? std::abort() : static_cast<void>(std::raise(sig)), testing::KilledBySignal(sig),
                    "msg=\"fatal signal, backtrace follows\" signal=" + name + ".*\\[0x[0-9a-f]+\\]")
            << name;
    }
}
