//! Vector search: one trait, an exact quantised scan and an HNSW graph behind it.

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
pub mod exact;
