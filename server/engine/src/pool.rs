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
