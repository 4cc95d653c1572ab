//! The engine settings the quality benchmark runs with, read from the environment:
//! `AIL_QUALITY_IN_MEMORY=1` (keep the index in memory instead of serving it from its
//! persisted segment), `AIL_LEARNED_RELATED=1`, `AIL_VENDORED_WEIGHT`, `AIL_QUALITY_MODEL`
//! (a Model2Vec model directory to embed with instead of the built-in hashed embedder),
//! `AIL_VECTOR_WEIGHT` (how much the vector list counts in the fusion) and
//! `AIL_QUALITY_GRAPH=1` (search the vectors through the HNSW graph); `AIL_RERANK=0` turns
//! the re-ranker off.

use ail_engine::EngineConfig;
use std::path::Path;

/// The engine configuration for this run, its index kept in `cache_dir`.
pub fn engine_config(cache_dir: &Path) -> Result<EngineConfig, String> {
    let flag = |name: &str| std::env::var(name).is_ok_and(|v| v == "1");
    let graph = flag("AIL_QUALITY_GRAPH");
    let mut config = EngineConfig {
        // The graph covers in-memory vectors only; a segment is searched exactly.
        persist: !flag("AIL_QUALITY_IN_MEMORY") && !graph,
        cache_dir: Some(cache_dir.to_path_buf()),
        ..EngineConfig::default()
    };
    config.learned_related = flag("AIL_LEARNED_RELATED");
    config.rerank = std::env::var("AIL_RERANK").map_or(true, |v| v != "0");
    if let Some(w) = std::env::var("AIL_VENDORED_WEIGHT")
        .ok()
        .filter(|w| !w.is_empty())
    {
        config.vendored_weight = w
            .parse()
            .map_err(|_| format!("AIL_VENDORED_WEIGHT must be a number, got {w:?}"))?;
    }
    if let Some(w) = std::env::var("AIL_VECTOR_WEIGHT")
        .ok()
        .filter(|w| !w.is_empty())
    {
        config.vector_weight = w
            .parse()
            .map_err(|_| format!("AIL_VECTOR_WEIGHT must be a number, got {w:?}"))?;
    }
    if let Some(dir) = std::env::var_os("AIL_QUALITY_MODEL").filter(|d| !d.is_empty()) {
        config.model_dir = Some(dir.into());
    }
    if graph {
        config.vector_graph = true;
        // The default budget is sized for a long-lived server's memory, not for measuring
        // the graph on a workspace of this size.
        config.max_graph_bytes = 1 << 30;
    }
    Ok(config)
}
