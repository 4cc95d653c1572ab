//! Bounded thread pools for CPU-heavy work (chunking, embedding), so that indexing can be
//! told to leave a core free for interactive requests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Run `work` on a pool of `threads` threads (at least one), reusing pools across calls.
pub fn run<R: Send>(threads: usize, work: impl FnOnce() -> R + Send) -> R {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let threads = threads.max(1);
    let pool = {
        let mut pools = POOLS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match pools.get(&threads) {
            Some(p) => Some(p.clone()),
            None => rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("ail-index-{i}"))
                .start_handler(|_| yield_to_requests())
                .build()
                .ok()
                .map(|p| pools.entry(threads).or_insert(Arc::new(p)).clone()),
        }
    };
    match pool {
        Some(pool) => pool.install(work),
        // Could not start threads: do the work on this one.
        None => work(),
    }
}

/// Lower this thread's scheduling priority (nice 10), for the pool's workers: they may keep
/// every core busy, and a request arriving meanwhile is still scheduled first. Only workers,
/// which hold no lock: the thread that applies their work to the index keeps its priority, so
/// that readers never wait on a preempted writer. Elsewhere a no-op.
fn yield_to_requests() {
    #[cfg(target_os = "linux")]
    // SAFETY: `setpriority` on the calling thread (Linux priorities are per thread; `who` 0
    // is the caller); it takes no pointers. Failure leaves the priority as it was.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

/// Return freed heap memory to the operating system where the allocator keeps it (glibc's
/// per-thread arenas do, after a burst of work on many threads). Elsewhere a no-op.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only walks the allocator's own free lists; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Cap glibc's malloc arenas at two. By default it keeps up to eight per core, one for each
/// thread that allocated under contention, and memory freed into one is not reused by the
/// others: the language server measured 156 MiB peak with the default and 120 MiB with two
/// (`cargo bench --bench lsp_load`, Django). Call before starting threads. Elsewhere a no-op.
pub fn limit_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets an allocator parameter; it takes no pointers.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    /// The calling thread's nice value.
    fn nice() -> i32 {
        // SAFETY: reads the calling thread's priority; takes no pointers.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
    }

    #[test]
    fn workers_yield_to_requests_and_the_caller_keeps_its_priority() {
        let before = nice();
        let inside = super::run(2, || {
            use rayon::prelude::*;
            (0..4).into_par_iter().map(|_| nice()).collect::<Vec<_>>()
        });
        // Already at or below 10 (a niced test run) stays there; otherwise lowered to 10.
        assert!(inside.iter().all(|&n| n == before.max(10)), "{inside:?}");
        assert_eq!(nice(), before);
    }
}
