//! Score accumulators lent to searches: one slot per chunk of a window of chunk ids, reused
//! across questions.
//!
//! Kept per thread, the
//! language server's blocking pool (a thread per request in flight) made that memory grow
//! with the number of concurrent requests and stay; lent from one small pool, at most
//! `KEPT` of them outlive the searches that used them.

use parking_lot::Mutex;

/// Searches add scores window by window over the chunk ids, so an accumulator holds this
/// many slots (256 KiB of them) however large the workspace: one per chunk grew the memory
/// kept between questions with the workspace.
/// (Unit tests use a small window, so that their searches cross window boundaries.)
pub const WINDOW: usize = if cfg!(test) { 16 } else { 1 << 16 };

/// Accumulators kept between searches: two per core is plenty for searches that take
/// a few milliseconds.
const KEPT: usize = 4;

/// A dense accumulator and the slots it touched (only those are reset after a search).
#[derive(Default)]
pub struct Accumulator<T> {
    pub values: Vec<T>,
    pub touched: Vec<u32>,
}

pub struct Pool<T> {
    free: Mutex<Vec<Accumulator<T>>>,
}

impl<T: Default + Clone> Pool<T> {
    pub const fn new() -> Self {
        Pool {
            free: Mutex::new(Vec::new()),
        }
    }

    /// Run `f` with an accumulator of at least `slots` zeroed values; `f` must leave every
    /// value it touched back at zero and `touched` empty.
    pub fn with<R>(&self, slots: usize, f: impl FnOnce(&mut Accumulator<T>) -> R) -> R {
        let mut acc = self.free.lock().pop().unwrap_or_default();
        if acc.values.len() < slots {
            acc.values.resize(slots, T::default());
        }
        let result = f(&mut acc);
        let mut free = self.free.lock();
        if free.len() < KEPT {
            free.push(acc);
        }
        result
    }
}
