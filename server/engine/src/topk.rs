//! The `k` best (id, score) pairs of a scan, kept in a heap of size `k`, so that a search
//! over many candidates neither collects nor sorts them all and asks its filter only about
//! those that would enter.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A scored candidate, ordered so the heap's top is the worst kept one: lowest score first,
/// and among equal scores the highest id (so ties resolve to lower ids, deterministically,
/// as `bm25::top_k` does).
#[derive(Debug, Clone, Copy)]
struct Candidate {
    score: f32,
    id: u32,
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.id.cmp(&other.id))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}

/// The best `k` pairs seen so far.
pub(crate) struct TopK {
    k: usize,
    heap: BinaryHeap<Candidate>,
}

impl TopK {
    pub(crate) fn new(k: usize) -> Self {
        Self {
            k,
            heap: BinaryHeap::with_capacity(k.min(4096) + 1),
        }
    }

    /// Whether a candidate with `score` could enter (ties with the current worst are let in
    /// and settled by id in `push`).
    #[inline]
    pub(crate) fn admits(&self, score: f32) -> bool {
        self.heap.len() < self.k || self.heap.peek().is_some_and(|worst| score >= worst.score)
    }

    pub(crate) fn push(&mut self, score: f32, id: u32) {
        if self.k == 0 {
            return;
        }
        self.heap.push(Candidate { score, id });
        if self.heap.len() > self.k {
            self.heap.pop();
        }
    }

    /// Consider one candidate: `keep` is asked only when it would enter. Each id must be
    /// offered once.
    #[inline]
    pub(crate) fn offer(&mut self, id: u32, score: f32, keep: impl FnOnce(u32) -> bool) {
        if self.admits(score) && keep(id) {
            self.push(score, id);
        }
    }

    /// Best first, as (score, id).
    pub(crate) fn into_sorted(self) -> Vec<(f32, u32)> {
        // `into_sorted_vec` is ascending by `Ord`, which here is best to worst.
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|c| (c.score, c.id))
            .collect()
    }

    /// Best first, as (id, score).
    pub(crate) fn into_ranked(self) -> Vec<(u32, f32)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|c| (c.id, c.score))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the comparison covers many orders and ties.
    fn numbers(seed: u64, n: usize) -> Vec<u64> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            })
            .collect()
    }

    #[test]
    fn keeps_what_filtering_then_sorting_keeps() {
        for seed in 1..40u64 {
            let raw = numbers(seed, 500);
            // Few distinct scores, so many ties are settled by id.
            let items: Vec<(u32, f32)> = raw
                .iter()
                .enumerate()
                .map(|(i, r)| (i as u32, (r % 23) as f32 / 4.0))
                .collect();
            let keep = |id: u32| raw[id as usize] % 3 != 0;
            for k in [0, 1, 7, 100, 1000] {
                let mut expected: Vec<(u32, f32)> =
                    items.iter().copied().filter(|&(id, _)| keep(id)).collect();
                crate::bm25::top_k(&mut expected, k);
                let mut top = TopK::new(k);
                let mut asked = 0;
                for &(id, score) in &items {
                    top.offer(id, score, |id| {
                        asked += 1;
                        keep(id)
                    });
                }
                assert_eq!(top.into_ranked(), expected, "seed {seed}, k {k}");
                if k <= 7 {
                    assert!(
                        asked < items.len() / 2,
                        "asked about {asked} of {}",
                        items.len()
                    );
                }
            }
        }
    }
}
