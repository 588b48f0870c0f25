#pragma once

namespace gp::app {

// A fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT: an abort, std::terminate, a
// failed glibc heap check) first writes which one and a backtrace to stderr, then ends the
// process as it would have ended. A rare crash in a test run then says where it happened
// (frames are binary+offset: `addr2line -f -C -e gamepicker 0x...`). False where it is not
// installed: under AddressSanitizer, whose own reports are better.
bool install_crash_report();

}  // namespace gp::app
