//! Vector search: one trait, an exact quantised scan and an HNSW graph behind it.

pub mod exact;
pub mod hnsw;
mod quant;
pub mod recall;
pub mod synthetic;

pub use exact::{ExactIndex, ExactParts};
pub use hnsw::{HnswIndex, HnswParams};
pub use recall::{measure_recall, recall_at_k, MIN_ACCEPTABLE_RECALL};

/// Vector count from which the HNSW graph answers faster than the exact scan at recall@10 of
/// at least 0.99. Below it, use the exact index.
///
/// Measured with `cargo bench --bench vector` (512-d clustered vectors, k = 10, default
/// `HnswParams`, median of 200 queries, 2 cores under a load average of 6–8): exact vs graph at
/// the narrowest ef reaching 0.99 — 2k: 136 µs vs 478 µs; 5k: 334 µs vs 185 µs (ef 16, a
/// second run needed ef 48 and took 549 µs); 10k: 698 µs vs 154 µs; 20k: 1.6 ms vs 284 µs;
/// 50k: 4.9 ms vs 354 µs; 100k: 16–20 ms vs 414 µs. The graph wins from somewhere between 5k
/// and 10k; 10k is where it won in every run.
///
/// Memory is the other side of the choice: the exact index holds 520 bytes per 512-d vector,
/// the graph about 2.6 KB more (3.1 KB RSS delta at 50k), and the exact index is kept beside
/// it as oracle and rebuild source. Check `VectorIndex::memory_bytes` against the budget
/// before building a graph.
pub const DEFAULT_HNSW_CROSSOVER: usize = 10_000;

/// Why a vector could not be stored or an index restored.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    #[error("vector has {found} dimensions, the index holds {expected}")]
    DimMismatch { expected: usize, found: usize },
    #[error("corrupt vector index data: {0}")]
    CorruptParts(String),
}

/// A chunk id as the vector index knows it.
pub type VectorId = u32;

/// A nearest-neighbour index over unit-length vectors, compared by cosine similarity.
///
/// Implementations are safe to search while other threads insert.
pub trait VectorIndex: Send + Sync {
    /// Number of vectors stored (tombstoned ones included).
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Dimensionality of the stored vectors.
    fn dim(&self) -> usize;
    /// Add a unit-length vector under `id`. Ids are dense and increasing but need not start at 0.
    fn insert(&self, id: VectorId, vector: &[f32]);
    /// The `k` most similar vectors to `query` whose id passes `keep`, best first, as
    /// (id, cosine similarity).
    fn search(
        &self,
        query: &[f32],
        k: usize,
        keep: &dyn Fn(VectorId) -> bool,
    ) -> Vec<(VectorId, f32)>;
    /// Bytes of memory held, approximately.
    fn memory_bytes(&self) -> usize;
    /// A short name for status output ("exact", "hnsw").
    fn name(&self) -> &'static str;
}
