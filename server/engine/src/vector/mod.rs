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
/// at least 0.99 (512-d clustered vectors, k = 10). Placeholder until measured.
pub const DEFAULT_HNSW_CROSSOVER: usize = 20_000;

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
