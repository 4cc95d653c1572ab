//! The engine's front door: open a workspace, keep its index current, answer questions.
//!
//! Reads (`query`, `status`) answer from a snapshot of the index (`store::SharedStore`) and
//! never wait for indexing to finish: while the first pass runs they see whatever has been
//! applied so far and say so. Indexing prepares files on a bounded pool without any lock
//! and applies them in small batches, each a short exclusive change that no snapshot
//! already taken sees.

use crate::answer::*;
use crate::cache::{AnswerCache, CacheConfig, CacheStats, CacheTier, Scope};
use crate::cancel::CancelToken;
use crate::chunk::ChunkKind;
use crate::config::{default_cache_dir, EngineConfig};
use crate::embed::hashed::HashedTfIdf;
use crate::embed::Embedder;
use crate::file_kind::{FileKind, KindRules};
use crate::git::{BlameHunk, FileHistory, GitRepo, HistoryIndex, Permalinker};
use crate::index::{prepare_file, EmbedderChoice, PreparedFile};
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::rank::{self, Place};
use crate::segment::{Segment, SegmentError};
use crate::store::{SharedStore, Store};
use crate::text::question_tokens;
use crate::vector::VectorIndex;
use crate::vector::{HnswIndex, HnswParams};
use crate::walk::{self, SkipCounts, SkipReason, WalkOptions};
use parking_lot::{Mutex, RwLock};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

mod answer;
mod candidates;
mod file_history;
mod file_texts;
mod fuse;
mod git_context;
mod plan;
mod present;
mod refresh;
mod retrieve;
mod vectors;
use answer::*;
pub use candidates::{CandidateRow, ANSWER_DEPTH};
pub use file_history::{FileContext, MAX_BLAME_LINES, MAX_HISTORY_COMMITS};
pub use git_context::GitStatus;
use git_context::*;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("no such directory: {0} (pass an existing folder, e.g. --workspace .)")]
    NoSuchDirectory(PathBuf),
    #[error("cannot load the embedding model: {0}")]
    Model(String),
    #[error("indexing was cancelled")]
    Cancelled,
}

/// What indexing is doing, for progress bars and `$/progress`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Walking,
    Indexing,
    Embedding,
    Saving,
}

#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub phase: Phase,
    pub done: usize,
    pub total: usize,
}

/// What one refresh did.
#[derive(Clone, Debug, Default)]
pub struct RefreshReport {
    pub files: usize,
    pub chunks: usize,
    /// Files read and re-chunked.
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
    pub skipped: SkipCounts,
    pub seconds: f64,
    /// Bytes of the persisted index, when it was written.
    pub saved_bytes: Option<u64>,
}

/// The engine's state for `ail status` and `ail/status`.
#[derive(Clone, Debug)]
pub struct EngineStatus {
    pub root: PathBuf,
    pub state: IndexState,
    pub files: usize,
    pub chunks: usize,
    pub generation: u64,
    /// Approximate bytes the in-memory index holds.
    pub index_bytes: usize,
    pub index_path: Option<PathBuf>,
    /// Size of the persisted index file.
    pub index_file_bytes: Option<u64>,
    pub skipped: SkipCounts,
    pub embedder: String,
    pub vector_index: &'static str,
    /// Why a persisted index was not used on start, if one was not.
    pub load_note: Option<String>,
    pub cache: CacheStats,
    pub metrics: MetricsSnapshot,
    pub git: GitStatus,
    /// Feature flags switched off automatically, with why.
    pub fallbacks: Vec<String>,
    /// Indexed files of each kind, in `FileKind::ALL` order.
    pub files_by_kind: [usize; FileKind::ALL.len()],
}

pub struct Engine {
    /// Set while the index served is a prebuilt one the first pass has not checked yet: the
    /// commit it was built at, if it says.
    prebuilt_commit: Mutex<Option<Option<String>>>,
    root: PathBuf,
    root_str: String,
    config: EngineConfig,
    /// The served index; readers answer from snapshots of it (`SharedStore`).
    index: SharedStore,
    ready: AtomicBool,
    index_path: Option<PathBuf>,
    static_embedder: Option<Arc<dyn Embedder>>,
    load_note: Mutex<Option<String>>,
    /// One refresh at a time.
    refreshing: Mutex<()>,
    cache: AnswerCache,
    /// Switches the optional stages off while latency or memory is over budget.
    rollback: crate::rollback::Rollback,
    metrics: Metrics,
    /// Bumped whenever question embeddings would change (the embedder was refitted).
    embedder_epoch: AtomicU64,
    /// Git history, blame and permalinks, or why there are none.
    git: Result<GitContext, String>,
    /// Set while sampled recall of the HNSW graph against the exact scan is too low.
    graph_fallback: AtomicBool,
    /// Moving average of the sampled recall@10 of the graph.
    graph_recall: Mutex<f64>,
    graph_queries: AtomicU64,
    /// The workspace's `.gitattributes` overrides of file kinds, as of the last walk.
    kind_rules: RwLock<Arc<KindRules>>,
}

impl Engine {
    /// Open the workspace at `root`, loading its persisted index when there is a valid one.
    pub fn open(root: &Path, config: EngineConfig) -> Result<Engine, EngineError> {
        let root = std::fs::canonicalize(root)
            .ok()
            .filter(|p| p.is_dir())
            .ok_or_else(|| EngineError::NoSuchDirectory(root.to_path_buf()))?;
        let static_embedder: Option<Arc<dyn Embedder>> = match &config.model_dir {
            Some(dir) => Some(crate::embed::load_model(dir).map_err(EngineError::Model)?),
            None => None,
        };
        let embedder = match &static_embedder {
            Some(e) => EmbedderChoice::Static(e.clone()),
            None => EmbedderChoice::Hashed(HashedTfIdf::unfitted(config.embedding_dim)),
        };
        let root_str = root.to_string_lossy().into_owned();
        let index_path = config.persist.then(|| {
            let cache = config.cache_dir.clone().unwrap_or_else(default_cache_dir);
            crate::persist::index_path(&cache, &root)
        });
        if let Some(path) = &index_path {
            crate::persist::remove_stale_files(path);
        }
        let (mut index, mut load_note, mut ready) = match &index_path {
            Some(path) => match Segment::open_for(path, &root_str, &embedder.name()) {
                Ok(segment) => (Store::from_segment(Arc::new(segment), embedder), None, true),
                Err(e) => {
                    if !matches!(e, SegmentError::Missing) {
                        tracing::warn!("rebuilding the index: {e}");
                    }
                    (Store::new(embedder), Some(e.to_string()), false)
                }
            },
            None => (Store::new(embedder), None, false),
        };
        let mut prebuilt_commit = None;
        if let (false, Some(file)) = (ready, &config.prebuilt_index) {
            match crate::prebuilt::open(file, &index.embedder().name()) {
                Ok(segment) => {
                    // Without a commit, every file is checked by content on the first pass.
                    prebuilt_commit = Some(segment.meta.commit.clone());
                    index = Store::from_segment(Arc::new(segment), index.embedder().clone());
                    ready = true;
                    load_note = None;
                }
                Err(e) => {
                    tracing::warn!("not using the prebuilt index: {e}");
                    load_note = Some(e);
                }
            }
        }
        let git = if config.git {
            open_git(&root, &config, index_path.as_deref())
        } else {
            Err("git disabled by settings".to_string())
        };
        let budgets = config.budgets;
        Ok(Engine {
            root,
            root_str,
            config,
            index: SharedStore::new(index),
            ready: AtomicBool::new(ready),
            index_path,
            static_embedder,
            load_note: Mutex::new(load_note),
            refreshing: Mutex::new(()),
            cache: AnswerCache::new(CacheConfig::default()),
            rollback: crate::rollback::Rollback::new(budgets),
            metrics: Metrics::default(),
            embedder_epoch: AtomicU64::new(0),
            git,
            graph_fallback: AtomicBool::new(false),
            graph_recall: Mutex::new(1.0),
            graph_queries: AtomicU64::new(0),
            kind_rules: RwLock::new(Arc::new(KindRules::default())),
            prebuilt_commit: Mutex::new(prebuilt_commit),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Whether an index (loaded or built) covers the whole workspace as last seen.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// The workspace-relative path of `path`, if its symlink-resolved form lies inside the
    /// workspace (see `safe_path`).
    pub fn relative_path(&self, path: &Path) -> Option<String> {
        crate::safe_path::relative_inside(&self.root, path)
    }

    /// Let go of the index's file-backed pages read so far: they leave the resident set and
    /// stay in the page cache. Called before a rebuild, whose pass then reads as much again.
    pub fn release_pages(&self) {
        self.index.snapshot().release_pages();
    }

    pub fn status(&self) -> EngineStatus {
        let index = self.index.snapshot();
        let mut skipped = SkipCounts::default();
        for reason in index.skipped().values() {
            skipped.add(*reason);
        }
        let files_by_kind = index.files_by_kind();
        EngineStatus {
            root: self.root.clone(),
            state: self.state(),
            files: index.file_count(),
            chunks: index.live_chunks(),
            generation: index.generation(),
            index_bytes: index.memory_bytes(),
            index_path: self.index_path.clone(),
            index_file_bytes: self.index_file_bytes(),
            skipped,
            embedder: index.embedder().name(),
            vector_index: match &index.mem.graph {
                Some(g)
                    if !self.config.exact_search
                        && !self.graph_fallback.load(Ordering::Relaxed) =>
                {
                    g.name()
                }
                _ if index.has_segment() => "exact-segment",
                _ => index.mem.vectors.name(),
            },
            load_note: self.load_note.lock().clone(),
            cache: self.cache.stats(),
            metrics: self.metrics.snapshot(),
            git: self.git_status(),
            fallbacks: self.fallbacks(),
            files_by_kind,
        }
    }

    fn state(&self) -> IndexState {
        if self.is_ready() {
            IndexState::Ready
        } else {
            IndexState::Indexing
        }
    }

    /// Answer a question. Never waits for indexing: a partial index gives a partial answer
    /// with a warning.
    pub fn query(&self, query: &Query) -> Result<Answer, QueryError> {
        self.query_with_cancel(query, &CancelToken::new())
    }

    /// `query`, checking `cancel` between stages and inside the long loops.
    pub fn query_with_cancel(
        &self,
        query: &Query,
        cancelled: &CancelToken,
    ) -> Result<Answer, QueryError> {
        self.metrics.requests.fetch_add(1, Ordering::Relaxed);
        let result = self.answer(query, cancelled);
        match &result {
            Ok(a) => {
                let t = &a.timings;
                self.metrics.total.record(t.total);
                self.rollback.record(t.total, crate::rollback::rss_bytes);
                if a.cache == CacheTier::Miss {
                    self.metrics.embed.record(t.embed);
                    self.metrics.search.record(t.search);
                    self.metrics.rank.record(t.rank);
                    self.metrics.format.record(t.format);
                }
            }
            Err(_) => {
                self.metrics.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        result
    }

    /// The answer cache's counters.
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }

    /// Change the answer cache's settings (turning it off empties it).
    pub fn set_cache_config(&self, config: CacheConfig) {
        self.cache.set_config(config);
    }

    pub fn metrics(&self) -> MetricsSnapshot {
        self.metrics.snapshot()
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}
