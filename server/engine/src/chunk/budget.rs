//! How long a parse may run, counted in the parsing thread's own CPU time: a busy machine,
//! or indexing threads that yield to requests, must not make a parse look slow and change
//! how a file is chunked.

use std::time::{Duration, Instant};

/// Parse time allowed per file: a fixed part plus a part per byte. Real code parses at
/// 0.3 to 1 µs per byte (release build; test builds are slower), well inside this. Text in
/// the wrong language can send tree-sitter's error recovery into seconds per 100 KB (Python
/// read as Rust: 10 s for 130 KB); past the budget the file is chunked by lines instead.
const PARSE_BUDGET_FIXED: Duration = Duration::from_millis(200);
const PARSE_BUDGET_NANOS_PER_BYTE: u64 = 5_000;

/// A running parse's clock.
pub(super) struct ParseClock {
    budget: Duration,
    /// The thread's CPU time at the start, where the platform tells it.
    cpu_started: Option<Duration>,
    wall_started: Instant,
}

impl ParseClock {
    /// Start the clock for a parse of `bytes` bytes.
    pub(super) fn start(bytes: usize) -> ParseClock {
        let per_byte = u64::try_from(bytes)
            .unwrap_or(u64::MAX)
            .saturating_mul(PARSE_BUDGET_NANOS_PER_BYTE);
        // The wall clock starts first, so that its interval holds the CPU clock's.
        let wall_started = Instant::now();
        ParseClock {
            budget: PARSE_BUDGET_FIXED.saturating_add(Duration::from_nanos(per_byte)),
            cpu_started: thread_cpu_time(),
            wall_started,
        }
    }

    /// The time the parse has used: CPU time of this thread, or wall time where that is
    /// unknown.
    pub(super) fn used(&self) -> Duration {
        match (self.cpu_started, thread_cpu_time()) {
            (Some(started), Some(now)) => now.saturating_sub(started),
            _ => self.wall_started.elapsed(),
        }
    }

    /// Asked every hundred parse operations, so it must be cheap. A thread's CPU time is a
    /// system call on Linux (the wall clock is not), and it never runs ahead of the wall
    /// clock: while the wall time is within the budget, so is the CPU time.
    pub(super) fn over_budget(&self) -> bool {
        self.wall_started.elapsed() > self.budget && self.used() > self.budget
    }
}

/// CPU time the calling thread has used.
fn thread_cpu_time() -> Option<Duration> {
    #[cfg(unix)]
    {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `now` is a valid, writable timespec for the call's duration.
        let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) } == 0;
        let secs = u64::try_from(now.tv_sec).ok()?;
        let nanos = u32::try_from(now.tv_nsec).ok()?;
        ok.then(|| Duration::new(secs, nanos))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sleeping_thread_uses_no_budget_and_a_busy_one_does() {
        let clock = ParseClock::start(0);
        std::thread::sleep(Duration::from_millis(250));
        if thread_cpu_time().is_some() {
            assert!(!clock.over_budget(), "sleeping used {:?}", clock.used());
        }
        let clock = ParseClock::start(0);
        let mut x = 1u64;
        while !clock.over_budget() {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        assert!(clock.used() > PARSE_BUDGET_FIXED);
    }
}
