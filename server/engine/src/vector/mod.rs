//! Vector search: one trait, an exact quantised scan and an HNSW graph behind it.

pub mod exact;
pub mod hnsw;
pub mod quant;
pub mod recall;
pub mod synthetic;

pub use exact::{ExactIndex, ExactParts};
pub use hnsw::{HnswIndex, HnswParams};
pub use recall::{measure_recall, recall_at_k, MIN_ACCEPTABLE_RECALL};

/// Vector count from which the HNSW graph answers faster than the exact scan at recall@10 of
/// at least 0.99. Below it, use the exact index.
///
/// Measured with `cargo bench --bench vector` (512-d clustered vectors, k = 10, default
/// `HnswParams`, median of 200 queries, 2 cores under a load average of 5–8). Exact scan vs
/// graph at the narrowest ef reaching 0.99, in two runs:
///
/// | vectors | exact          | graph (ef)                   |
/// |---------|----------------|------------------------------|
/// | 2k      | 136–138 µs     | 478–504 µs (96)              |
/// | 5k      | 334 µs         | 181–185 µs (16)              |
/// | 10k     | 698–770 µs     | 154–157 µs (10)              |
/// | 20k     | 1.6–3.2 ms     | 284–309 µs (24)              |
/// | 50k     | 4.0–4.9 ms     | 311–354 µs (32)              |
/// | 100k    | 15.7–16.7 ms   | 305–414 µs (32–48)           |
///
/// (The exact figures predate the blocked, dimension-major layout of `ExactIndex`; a dense
/// query still reads every code, so they should hold, but they have not been re-measured. A
/// sparse query, such as the built-in embedder's, never uses the graph: see
/// `Engine::vector_search`.)
///
/// The graph is faster from 5k, but only by 0.15 ms there, at 0.99 recall reached at a
/// narrow ef (so `HnswIndex::calibrate_ef_search` must have run), and at the memory cost
/// below; from 10k it wins by 4× or more. Hence 10k.
///
/// Memory is the other side of the choice: the exact index holds 520 bytes per 512-d vector
/// (533 B RSS delta at 50k), the graph about 2.6 KB more (3.1 KB RSS delta at 50k, which
/// includes freed build buffers), and the exact index stays beside it as the oracle and the
/// rebuild source. Check `VectorIndex::memory_bytes` against the budget before building one.
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
