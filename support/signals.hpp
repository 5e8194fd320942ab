#pragma once

namespace acepool::support {

/// Blocks SIGINT, SIGTERM and SIGUSR2 in the calling thread and every thread it starts afterwards,
/// and ignores SIGPIPE. Call first thing in main, before any thread exists.
void block_termination_signals();

/// Waits for SIGINT, SIGTERM or SIGUSR2 (blocked by block_termination_signals) and returns its
/// number.
int wait_for_termination_signal();

}  // namespace acepool::support
