//! Bounded thread pools for CPU-heavy work (chunking, embedding). A pool may have a thread
//! per core: while a question is being answered, its last thread pauses between items, so
//! the answer finds a core free and indexing uses them all when nobody is asking.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Questions being answered in this process (see `Answering`).
static ANSWERING: AtomicUsize = AtomicUsize::new(0);

/// Held while a question is answered; meanwhile pools leave a core to it.
pub(crate) struct Answering(());

impl Answering {
    pub(crate) fn start() -> Answering {
        ANSWERING.fetch_add(1, Ordering::AcqRel);
        Answering(())
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        ANSWERING.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Called by pool work between items: a pool's last thread waits while any question is
/// being answered, so that a pool with a thread per core leaves one core to answers.
/// Elsewhere (another pool thread, a thread outside any pool, a one-thread pool) it
/// returns at once.
pub(crate) fn make_way_for_answers() {
    let Some(index) = rayon::current_thread_index() else {
        return;
    };
    let threads = rayon::current_num_threads();
    if threads < 2 || index + 1 < threads {
        return;
    }
    while ANSWERING.load(Ordering::Acquire) > 0 {
        std::thread::sleep(WAIT_STEP);
    }
}

/// How often a waiting pool thread looks again: an answer takes a few milliseconds.
const WAIT_STEP: Duration = Duration::from_millis(1);

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    #[test]
    fn the_last_pool_thread_waits_for_answers_and_the_others_do_not() {
        let answering = Answering::start();
        let released = AtomicBool::new(false);
        let (first_through, through) = std::sync::mpsc::channel();
        std::thread::scope(|scope| {
            let workers = scope.spawn(|| {
                run(2, || {
                    rayon::broadcast(|ctx| {
                        make_way_for_answers();
                        // Read before signalling: the answer ends once the first is through.
                        let seen = released.load(Ordering::Acquire);
                        if ctx.index() == 0 {
                            let _ = first_through.send(());
                        }
                        (ctx.index(), seen)
                    })
                })
            });
            // The first thread gets through while the answer is still being given...
            through.recv().unwrap();
            released.store(true, Ordering::Release);
            drop(answering);
            let seen = workers.join().unwrap();
            // ...and the last one only after it was.
            assert_eq!(seen, vec![(0, false), (1, true)]);
        });
        // Outside a pool nothing waits, answer or not.
        let _answering = Answering::start();
        make_way_for_answers();
    }
}
