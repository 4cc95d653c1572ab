//! The automatic rollback: when the rolling p95 of answer latency or the process's memory
//! passes its budget, the optional stages are switched off (blame, the answer cache's
//! semantic tier, running the two searches in parallel) and every answer and the status
//! say so; they come back on only once latency and memory are well under budget again
//! (hysteresis), so the switch does not flap.

use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Answers in the rolling window the p95 is taken over.
const WINDOW: usize = 32;
/// Fewer answers than this decide nothing.
const MIN_SAMPLES: usize = 8;
/// Decide again after this many answers (a decision sorts the window).
const EVERY: u64 = 4;
/// Back on only below this share of each budget.
const RECOVER_SHARE: f64 = 0.7;

/// What latency and memory may reach before the optional stages go.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budgets {
    /// Rolling p95 of an answer's total time, in milliseconds.
    pub p95_ms: f64,
    /// Resident memory of the process, in bytes.
    pub memory_bytes: u64,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            p95_ms: 500.0,
            memory_bytes: 2 << 30,
        }
    }
}

/// Whether to run degraded, given whether it does now, the rolling p95 and the memory.
pub fn decide(degraded: bool, p95_ms: f64, rss_bytes: u64, budgets: &Budgets) -> bool {
    if degraded {
        !(p95_ms < RECOVER_SHARE * budgets.p95_ms
            && (rss_bytes as f64) < RECOVER_SHARE * budgets.memory_bytes as f64)
    } else {
        p95_ms > budgets.p95_ms || rss_bytes > budgets.memory_bytes
    }
}

pub struct Rollback {
    budgets: Budgets,
    window: Mutex<VecDeque<f64>>,
    answers: AtomicU64,
    degraded: AtomicBool,
    /// Why it is degraded, for `fallbacks` and warnings.
    reason: Mutex<Option<String>>,
}

impl Rollback {
    pub fn new(budgets: Budgets) -> Rollback {
        Rollback {
            budgets,
            window: Mutex::new(VecDeque::with_capacity(WINDOW)),
            answers: AtomicU64::new(0),
            degraded: AtomicBool::new(false),
            reason: Mutex::new(None),
        }
    }

    /// Record one answer's total time; every few answers, decide again with `rss_bytes`
    /// (read only then: pass a closure).
    pub fn record(&self, total_ms: f64, rss_bytes: impl FnOnce() -> u64) {
        let p95 = {
            let mut window = self.window.lock();
            if window.len() == WINDOW {
                window.pop_front();
            }
            window.push_back(total_ms);
            let n = self.answers.fetch_add(1, Ordering::Relaxed) + 1;
            if window.len() < MIN_SAMPLES || n % EVERY != 0 {
                return;
            }
            let mut sorted: Vec<f64> = window.iter().copied().collect();
            sorted.sort_by(|a, b| a.total_cmp(b));
            sorted[((sorted.len() - 1) as f64 * 0.95).round() as usize]
        };
        let rss = rss_bytes();
        let was = self.is_degraded();
        let now = decide(was, p95, rss, &self.budgets);
        if now == was {
            return;
        }
        if now {
            let why = if p95 > self.budgets.p95_ms {
                format!(
                    "p95 {p95:.0} ms over the {:.0} ms budget",
                    self.budgets.p95_ms
                )
            } else {
                format!(
                    "memory {} MiB over the {} MiB budget",
                    rss >> 20,
                    self.budgets.memory_bytes >> 20
                )
            };
            tracing::warn!("{why}: blame, the semantic cache tier and parallel stages are off");
            *self.reason.lock() = Some(why);
        } else {
            tracing::info!("latency and memory back under budget: optional stages on again");
            *self.reason.lock() = None;
        }
        self.degraded.store(now, Ordering::Release);
    }

    pub fn is_degraded(&self) -> bool {
        self.degraded.load(Ordering::Acquire)
    }

    /// For `fallbacks`: what is off and why, while degraded.
    pub fn fallback(&self) -> Option<String> {
        let why = self.reason.lock().clone()?;
        Some(format!(
            "degraded ({why}): blame, semantic-cache, parallel-stages off"
        ))
    }

    /// For an answer's warnings, while degraded.
    pub fn warning(&self) -> Option<String> {
        let why = self.reason.lock().clone()?;
        Some(format!(
            "degraded: {why}; blame, the semantic cache tier and parallel stages are off"
        ))
    }
}

/// Resident memory of this process (Linux; 0 elsewhere, which never passes a budget).
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUDGETS: Budgets = Budgets {
        p95_ms: 100.0,
        memory_bytes: 1000,
    };

    #[test]
    fn goes_degraded_past_a_budget_and_back_only_well_under_it() {
        assert!(!decide(false, 90.0, 900, &BUDGETS));
        assert!(decide(false, 101.0, 10, &BUDGETS));
        assert!(decide(false, 10.0, 1001, &BUDGETS));
        // Hysteresis: under the budget but not well under it stays degraded.
        assert!(decide(true, 90.0, 10, &BUDGETS));
        assert!(decide(true, 10.0, 800, &BUDGETS));
        assert!(!decide(true, 60.0, 600, &BUDGETS));
    }

    #[test]
    fn a_slow_window_switches_off_and_a_fast_one_switches_back() {
        let r = Rollback::new(BUDGETS);
        for _ in 0..MIN_SAMPLES - 1 {
            r.record(500.0, || 0);
        }
        assert!(!r.is_degraded(), "too few answers to decide");
        for _ in 0..WINDOW {
            r.record(500.0, || 0);
        }
        assert!(r.is_degraded());
        assert!(r.warning().is_some_and(|w| w.contains("p95 500 ms")));
        assert!(r.fallback().is_some_and(|f| f.contains("blame")));
        // Just under budget: still off.
        for _ in 0..WINDOW {
            r.record(90.0, || 0);
        }
        assert!(r.is_degraded());
        // A whole window of fast answers, and the next decision.
        for _ in 0..WINDOW + EVERY as usize {
            r.record(5.0, || 0);
        }
        assert!(!r.is_degraded());
        assert_eq!(r.warning(), None);
        // Memory alone also switches it off.
        for _ in 0..EVERY {
            r.record(5.0, || 5000);
        }
        assert!(r.fallback().is_some_and(|f| f.contains("memory")));
    }
}
