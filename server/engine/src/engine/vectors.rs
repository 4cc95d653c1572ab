//! The vector side of retrieval: exact search over the segments, or the HNSW graph when it
//! is built, with the policy that samples its recall and falls back to exact search.

use super::*;

impl Engine {
    /// Search the vectors through the graph when there is one and its sampled recall holds,
    /// else exactly.
    pub(crate) fn vector_search(
        &self,
        index: &Store,
        query: &[f32],
        keep: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        // A sparse query (the hashed embedder's) reads only its non-zero dimensions in the
        // exact scan, which is then faster than the graph and exact besides.
        let sparse =
            query.iter().filter(|&&x| x != 0.0).count() * SPARSE_QUERY_SHARE <= query.len();
        // The graph covers the in-memory vectors; a workspace served from a segment is
        // searched exactly (see `Store::vector_search`).
        let graph = match &index.mem.graph {
            Some(g) if !self.config.exact_search && !sparse && !index.has_segment() => g,
            _ => return index.vector_search(query, CANDIDATES, keep),
        };
        let n = self.graph_queries.fetch_add(1, Ordering::Relaxed);
        let fallback = self.graph_fallback.load(Ordering::Relaxed);
        if n % RECALL_SAMPLE_EVERY == 0 {
            let exact = index.vector_search(query, CANDIDATES, keep);
            let approx = graph.search(query, CANDIDATES, keep);
            let truth: Vec<u32> = exact.iter().take(10).map(|r| r.0).collect();
            let found: Vec<u32> = approx.iter().take(10).map(|r| r.0).collect();
            let recall = crate::vector::recall_at_k(&[truth], &[found], 10);
            let mut avg = self.graph_recall.lock();
            *avg = 0.8 * *avg + 0.2 * recall;
            if !fallback && *avg < RECALL_FLOOR {
                tracing::warn!(
                    "HNSW recall {:.3} under {RECALL_FLOOR}: falling back to exact search",
                    *avg
                );
                self.graph_fallback.store(true, Ordering::Relaxed);
            } else if fallback && *avg >= RECALL_RECOVER {
                tracing::info!("HNSW recall {:.3} recovered: graph search back on", *avg);
                self.graph_fallback.store(false, Ordering::Relaxed);
            }
            return exact;
        }
        if fallback {
            index.vector_search(query, CANDIDATES, keep)
        } else {
            graph.search(query, CANDIDATES, keep)
        }
    }

    /// Feature flags the engine switched off by itself, with why.
    pub fn fallbacks(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(self.rollback.fallback());
        if self.graph_fallback.load(Ordering::Relaxed) {
            out.push(format!(
                "exact-search (HNSW recall {:.3} < {RECALL_FLOOR})",
                *self.graph_recall.lock()
            ));
        }
        out
    }

    /// For tests: pretend the sampled recall is `recall` and re-evaluate the fallback.
    pub fn record_graph_recall_for_test(&self, recall: f64) {
        *self.graph_recall.lock() = recall;
        let fallback = recall < RECALL_FLOOR
            || (self.graph_fallback.load(Ordering::Relaxed) && recall < RECALL_RECOVER);
        self.graph_fallback.store(fallback, Ordering::Relaxed);
    }

    /// Build the HNSW graph when the workspace is large enough and the graph fits the budget.
    pub fn maybe_build_graph(&self) {
        if !self.config.vector_graph || self.config.exact_search {
            return;
        }
        let (vectors, n) = {
            let index = self.index.snapshot();
            if index.mem.graph.is_some() || index.has_segment() {
                return;
            }
            (index.mem.vectors.clone(), index.mem.vectors.len())
        };
        if n < crate::vector::DEFAULT_HNSW_CROSSOVER {
            return;
        }
        if n * graph_bytes_per_vector(vectors.dim()) > self.config.max_graph_bytes {
            tracing::info!(
                "{n} vectors: a graph would exceed the {} MB budget; exact search stays",
                self.config.max_graph_bytes >> 20
            );
            return;
        }
        let graph = Arc::new(HnswIndex::from_exact(&vectors, HnswParams::default()));
        let mut index = self.index.write();
        if !Arc::ptr_eq(&index.mem.vectors, &vectors) {
            return; // the index was rebuilt meanwhile; the next refresh tries again
        }
        for (id, v) in index.mem.vectors.iter().skip(graph.len()) {
            graph.insert(id, &v);
        }
        index.mem.graph = Some(graph);
    }
}

/// A query with at most one non-zero dimension in this many is searched exactly.
pub(crate) const SPARSE_QUERY_SHARE: usize = 8;

/// Sample one graph search in this many against the exact scan.
pub(crate) const RECALL_SAMPLE_EVERY: u64 = 32;

/// Below this sampled recall the graph is switched off; it returns above `RECALL_RECOVER`.
pub(crate) const RECALL_FLOOR: f64 = crate::vector::MIN_ACCEPTABLE_RECALL;

pub(crate) const RECALL_RECOVER: f64 = 0.97;

/// Graph memory per vector of `dim` dimensions: its `i8` codes plus the links and the
/// bookkeeping, which do not depend on the dimension (2,700 bytes measured at 512, see
/// `vector::DEFAULT_HNSW_CROSSOVER`; `HnswIndex::memory_bytes` counts the same parts).
pub(crate) fn graph_bytes_per_vector(dim: usize) -> usize {
    const BESIDES_CODES: usize = 2700 - 512;
    BESIDES_CODES + dim
}
