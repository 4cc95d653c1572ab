//! Hit rates, MRR and timings of one mode on one set of questions.

use super::TOP_K;

#[derive(Default)]
pub struct Score {
    ranks: Vec<Option<usize>>,
    ms: Vec<f64>,
    /// Results shown that were vendored or generated, and all results shown.
    third_party: (usize, usize),
}

impl Score {
    pub fn add(&mut self, rank: Option<usize>, ms: f64, third_party: (usize, usize)) {
        self.ranks.push(rank);
        self.ms.push(ms);
        self.third_party.0 += third_party.0;
        self.third_party.1 += third_party.1;
    }
    pub fn third_party_share(&self) -> f64 {
        self.third_party.0 as f64 / self.third_party.1.max(1) as f64
    }
    pub fn n(&self) -> usize {
        self.ranks.len()
    }
    pub fn hit_at(&self, k: usize) -> f64 {
        let hits = self
            .ranks
            .iter()
            .filter(|r| r.is_some_and(|r| r <= k))
            .count();
        hits as f64 / self.n().max(1) as f64
    }
    pub fn mrr(&self) -> f64 {
        let sum: f64 = self
            .ranks
            .iter()
            .map(|r| r.filter(|&r| r <= TOP_K).map_or(0.0, |r| 1.0 / r as f64))
            .sum();
        sum / self.n().max(1) as f64
    }
    pub fn median_ms(&self) -> f64 {
        let mut ms = self.ms.clone();
        ms.sort_by(f64::total_cmp);
        ms.get(ms.len() / 2).copied().unwrap_or(0.0)
    }
}
