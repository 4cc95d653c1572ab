//! Live metrics: per-stage latency percentiles and request counts, for `ail/status`.

use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

/// Samples kept per stage; percentiles describe the most recent ones.
const WINDOW: usize = 4096;

/// Latency percentiles of one stage, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Percentiles {
    pub count: u64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

#[derive(Default)]
pub struct LatencyWindow {
    samples: Mutex<VecDeque<f64>>,
    count: AtomicU64,
}

impl LatencyWindow {
    pub fn record(&self, ms: f64) {
        let mut s = self.samples.lock();
        if s.len() == WINDOW {
            s.pop_front();
        }
        s.push_back(ms);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    pub fn percentiles(&self) -> Percentiles {
        let mut v: Vec<f64> = self.samples.lock().iter().copied().collect();
        if v.is_empty() {
            return Percentiles::default();
        }
        v.sort_by(|a, b| a.total_cmp(b));
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        Percentiles {
            count: self.count.load(Ordering::Relaxed),
            p50: at(0.5),
            p95: at(0.95),
            p99: at(0.99),
        }
    }
}

/// Everything the engine measures about its answers.
#[derive(Default)]
pub struct Metrics {
    pub total: LatencyWindow,
    pub embed: LatencyWindow,
    pub search: LatencyWindow,
    pub rank: LatencyWindow,
    pub format: LatencyWindow,
    pub history: LatencyWindow,
    pub blame: LatencyWindow,
    pub requests: AtomicU64,
    pub errors: AtomicU64,
}

/// A copy of the metrics at one moment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricsSnapshot {
    pub requests: u64,
    pub errors: u64,
    pub total: Percentiles,
    pub embed: Percentiles,
    pub search: Percentiles,
    pub rank: Percentiles,
    pub format: Percentiles,
    pub history: Percentiles,
    pub blame: Percentiles,
}

impl Metrics {
    pub fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            total: self.total.percentiles(),
            embed: self.embed.percentiles(),
            search: self.search.percentiles(),
            rank: self.rank.percentiles(),
            format: self.format.percentiles(),
            history: self.history.percentiles(),
            blame: self.blame.percentiles(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_distribution() {
        let w = LatencyWindow::default();
        for i in 1..=100 {
            w.record(i as f64);
        }
        let p = w.percentiles();
        assert_eq!(p.count, 100);
        assert_eq!(p.p50, 51.0);
        assert_eq!(p.p95, 95.0);
        assert_eq!(p.p99, 99.0);
    }

    #[test]
    fn the_window_keeps_only_recent_samples() {
        let w = LatencyWindow::default();
        for _ in 0..WINDOW {
            w.record(1000.0);
        }
        for _ in 0..WINDOW {
            w.record(1.0);
        }
        assert_eq!(w.percentiles().p99, 1.0);
        assert_eq!(w.percentiles().count, 2 * WINDOW as u64);
    }
}
