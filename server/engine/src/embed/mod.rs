//! Embeddings: turn a chunk or a question into a unit-length vector.

pub mod model2vec;

/// Maps text to a unit-length vector (or all zeros when the text has nothing to embed).
///
/// Implementations must be deterministic and fast: a question is embedded on every request.
pub trait Embedder: Send + Sync {
    /// A short name for status output.
    fn name(&self) -> &str;
    /// Length of every vector this embedder returns.
    fn dim(&self) -> usize;
    /// Embed `text`; the result has `dim()` entries and unit length, or is all zeros.
    fn embed(&self, text: &str) -> Vec<f32>;
}

/// Scale `v` to unit length in place; leaves an all-zero vector alone.
pub fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}
pub mod hashed;

/// Load a static embedding model from `dir` (Model2Vec format).
pub fn load_model(dir: &std::path::Path) -> Result<std::sync::Arc<dyn Embedder>, String> {
    model2vec::Model2VecEmbedder::load(dir)
        .map(|m| std::sync::Arc::new(m) as std::sync::Arc<dyn Embedder>)
        .map_err(|e| e.to_string())
}
