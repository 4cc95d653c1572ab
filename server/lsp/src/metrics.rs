//! Latency of the server's own interactive requests (hover, `ail/context`), reported by
//! `ail/status`. A window of recent timings, so that the percentiles describe how the
//! server feels now rather than since it started.

use ail_protocol::LatencyStats;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::time::Duration;

/// Timings kept for the percentiles.
const WINDOW: usize = 2048;

#[derive(Default)]
pub struct Latency {
    inner: Mutex<Window>,
}

#[derive(Default)]
struct Window {
    recent_ms: VecDeque<f64>,
    count: u64,
}

impl Latency {
    pub fn record(&self, took: Duration) {
        let mut w = self.inner.lock();
        if w.recent_ms.len() == WINDOW {
            w.recent_ms.pop_front();
        }
        w.recent_ms.push_back(took.as_secs_f64() * 1000.0);
        w.count += 1;
    }

    /// `count` is every request answered; the percentiles cover the recent window.
    pub fn stats(&self) -> LatencyStats {
        let (mut ms, count) = {
            let w = self.inner.lock();
            (w.recent_ms.iter().copied().collect::<Vec<f64>>(), w.count)
        };
        ms.sort_by(f64::total_cmp);
        LatencyStats {
            count,
            p50: round3(percentile(&ms, 0.50)),
            p95: round3(percentile(&ms, 0.95)),
            p99: round3(percentile(&ms, 0.99)),
        }
    }
}

/// Nearest-rank percentile of sorted values; 0 when there are none.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let l = Latency::default();
        for ms in 1..=100u64 {
            l.record(Duration::from_millis(ms));
        }
        let s = l.stats();
        assert_eq!((s.count, s.p50, s.p95, s.p99), (100, 50.0, 95.0, 99.0));
        assert_eq!(Latency::default().stats().p99, 0.0);
    }

    #[test]
    fn the_window_forgets_old_timings_but_counts_them() {
        let l = Latency::default();
        for _ in 0..WINDOW {
            l.record(Duration::from_secs(1));
        }
        for _ in 0..WINDOW {
            l.record(Duration::from_millis(1));
        }
        let s = l.stats();
        assert_eq!(s.count, 2 * WINDOW as u64);
        assert_eq!(s.p99, 1.0);
    }
}
