//! Engine settings, with the defaults a newcomer gets.

use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Files larger than this are skipped (bytes).
    pub max_file_size: u64,
    /// Extra globs to leave out, gitignore syntax.
    pub exclude: Vec<String>,
    /// Where persisted indexes live; `None` picks the user's cache directory.
    pub cache_dir: Option<PathBuf>,
    /// Keep the index on disk between runs.
    pub persist: bool,
    /// A Model2Vec-format model directory; `None` uses the built-in hashed TF-IDF embedder.
    pub model_dir: Option<PathBuf>,
    /// Dimensions of the built-in embedder.
    pub embedding_dim: usize,
    /// Threads for indexing. The CLI uses every core; the language server leaves one free.
    pub index_threads: usize,
    /// Search vectors exactly instead of through the HNSW graph.
    pub exact_search: bool,
    /// Run the lexical and the vector search of one question on two threads at once. Off by
    /// default: each search takes about a millisecond on a 5,500-file workspace, and on two
    /// shared cores the hand-off cost as much as it saved (`cargo bench --bench engine`,
    /// with and without `AIL_BENCH_PARALLEL=1`; see BENCHMARKS.md).
    pub parallel_stages: bool,
    /// Build an HNSW graph over the vectors once there are enough of them (long-lived
    /// servers; a one-shot CLI query is faster with the exact scan than with a graph build).
    pub vector_graph: bool,
    /// Largest graph, in bytes, that may be built; above it the exact scan stays.
    pub max_graph_bytes: usize,
    /// Read git history, blame and remotes.
    pub git: bool,
    /// How long an answer may wait for a first blame of a file before leaving it out (it is
    /// finished in the background and cached for the next answer).
    pub blame_wait: std::time::Duration,
    /// Permalink host kinds for self-hosted remotes and a custom URL template.
    pub permalinks: crate::git::PermalinkSettings,
    /// Latency and memory past which the optional stages switch off (see `rollback`).
    pub budgets: crate::rollback::Budgets,
    /// Factor on the score of vendored and generated code, 0..=1: below 1 the project's
    /// own code ranks first; 1 ranks every kind alike.
    pub vendored_weight: f32,
    /// How much the vector list counts in the fusion against the lexical list's 1
    /// (`rank::fuse_weighted`).
    pub vector_weight: f32,
    /// Learn related words from the workspace at the end of a full pass and expand
    /// questions with them (`related.rs`). Off: measured, it did not pay (BENCHMARKS.md).
    pub learned_related: bool,
    /// Re-order the head of the fused list by the fitted re-ranker (`rerank.rs`).
    pub rerank: bool,
    /// Anonymous memory the index may hold, in bytes. A first pass writes what it has
    /// indexed to a segment on disk whenever its in-memory part passes a share of this,
    /// so a workspace of any size is indexed within it.
    pub memory_budget: usize,
    /// A portable segment written by `ail index --out` (by CI, say) to start from when this
    /// machine has no index of the workspace yet: it serves at once, and the first pass
    /// indexes only the files that differ from the commit it was built at.
    pub prebuilt_index: Option<PathBuf>,
}

/// 100 MiB: an editor's language server that people do not notice.
pub const DEFAULT_MEMORY_BUDGET: usize = 100 << 20;
/// Below 16 MB a pass would write a segment every few files; above 64 GB is a typo.
pub const MIN_MEMORY_BUDGET_MB: u64 = 16;
pub const MAX_MEMORY_BUDGET_MB: u64 = 65_536;

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            max_file_size: 1024 * 1024,
            exclude: Vec::new(),
            cache_dir: None,
            persist: true,
            model_dir: None,
            embedding_dim: crate::embed::hashed::DEFAULT_DIM,
            index_threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            exact_search: false,
            parallel_stages: false,
            vector_graph: false,
            max_graph_bytes: 48 * 1024 * 1024,
            git: true,
            blame_wait: std::time::Duration::from_millis(250),
            permalinks: crate::git::PermalinkSettings::default(),
            budgets: crate::rollback::Budgets::default(),
            vendored_weight: crate::rank::DEFAULT_VENDORED_WEIGHT,
            vector_weight: crate::rank::VECTOR_WEIGHT,
            learned_related: false,
            rerank: true,
            memory_budget: DEFAULT_MEMORY_BUDGET,
            prebuilt_index: None,
        }
    }
}

/// The user's cache directory for AIL: `$AIL_CACHE_DIR`, else `$XDG_CACHE_HOME/ail`,
/// else `~/.cache/ail`, else a folder in the system temp directory.
pub fn default_cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("AIL_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("ail");
    }
    if let Some(home) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(home).join(".cache").join("ail");
    }
    std::env::temp_dir().join("ail-cache")
}
