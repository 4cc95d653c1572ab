//! Bounded thread pools for CPU-heavy work (chunking, embedding). Their threads run at a
//! lower priority than the rest of the process, so an indexing pass may use every core
//! while interactive requests still get one as soon as they need it.

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
                .start_handler(|_| lower_this_thread_priority())
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

/// How much nicer than the process the pools' threads are: at 10 the scheduler gives a
/// thread of normal priority about nine tenths of a core they share.
pub const POOL_NICENESS: i32 = 10;

/// Make the calling thread `POOL_NICENESS` nicer (Linux schedules threads one by one and
/// `setpriority` with id 0 names the calling thread). Elsewhere a no-op.
fn lower_this_thread_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: `getpriority` and `setpriority` take no pointers; raising one's own niceness
    // needs no privilege.
    unsafe {
        let now = libc::getpriority(libc::PRIO_PROCESS, 0);
        libc::setpriority(libc::PRIO_PROCESS, 0, now + POOL_NICENESS);
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

#[cfg(test)]
mod tests {
    #[cfg(target_os = "linux")]
    #[test]
    fn pool_threads_yield_to_the_callers_thread() {
        // SAFETY: `getpriority` takes no pointers.
        let caller = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        let (in_pool, name) = super::run(2, || {
            let name = std::thread::current().name().map(str::to_string);
            // SAFETY: as above.
            (unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }, name)
        });
        assert!(name.is_some_and(|n| n.starts_with("ail-index-")));
        // Niceness is capped at 19.
        assert_eq!(in_pool, (caller + super::POOL_NICENESS).min(19));
        // The caller keeps its own priority.
        // SAFETY: as above.
        assert_eq!(unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }, caller);
    }
}
