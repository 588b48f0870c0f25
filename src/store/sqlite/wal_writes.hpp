#pragma once
// One write per commit to the WAL file. SQLite appends a commit's frames with two
// pwrite() calls per page (the 24-byte frame header, then the page): about 60 system
// calls for adding a game with its webhook deliveries, the largest part of that request
// on a virtual machine where a system call is expensive. This VFS wraps the default one
// and, for WAL files only, gathers consecutive appends in memory and writes them with one
// call when the commit frame's page arrives (inside that xWrite, so an error such as a
// full disk is the commit's error, as before), with zeros to the end of its last 4 KiB page
// so that no later write has to read that page back from the disk. Any other use of the
// file (read, sync, truncate, size, a write elsewhere) writes what is gathered first.
// Other connections only read frames once the committing one publishes them in the WAL
// index, which it does after the commit's writes returned, so they never read a frame
// still in memory.
//
// The commit frame is recognised by the WAL format (docs: fileformat2, "WAL File Format":
// a frame header's bytes 4-7 hold the database size after a commit, zero otherwise). A
// write pattern other than SQLite's header-then-page sends the file back to plain writes.

namespace gp::store::sqlite {

// Registers the VFS on the first call (thread-safe) and returns its name for sqlite3_open_v2.
const char* wal_write_vfs();

// From now on the calling thread yields the CPU (sched_yield) every `every` reads of a WAL
// file through this VFS (0: never).
void yield_during_wal_reads(int every);

}  // namespace gp::store::sqlite
