//! The engine's front door: open a workspace, keep its index current, answer questions.
//!
//! Reads (`query`, `status`) run under a shared lock and never wait for indexing to
//! finish: while the first pass runs they see whatever has been applied so far and say so.
//! Indexing prepares files on a bounded pool without any lock and applies them in small
//! batches under a short exclusive lock.

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
use crate::rank::{self, Evidence, Place};
use crate::segment::{Segment, SegmentError};
use crate::store::Store;
use crate::text::question_tokens;
use crate::vector::VectorIndex;
use crate::vector::{HnswIndex, HnswParams};
use crate::walk::{self, SkipCounts, SkipReason, WalkOptions};
use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

mod file_history;
pub use file_history::{FileContext, MAX_BLAME_LINES, MAX_HISTORY_COMMITS};

/// Key under which an answer's cache entry records the HEAD commit.
const HEAD_DEPENDENCY: &str = "\u{0}HEAD";
/// Commits listed per history.
const HISTORY_COMMITS: usize = 10;
/// Lines blamed on each side of the asked-about line.
const BLAME_CONTEXT: u32 = 2;

/// How many candidates each retriever contributes before fusion.
const CANDIDATES: usize = 100;
/// Files prepared per batch between progress reports and lock acquisitions.
const BATCH: usize = 256;
/// What preparing one file gives: the file ready to apply, `None` when its content is
/// unchanged, or why it was skipped.
type Prepared = Result<Option<PreparedFile>, (String, SkipReason)>;
/// Compact once this share of chunk slots are tombstones.
const COMPACT_RATIO: f64 = 0.2;

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
    root: PathBuf,
    root_str: String,
    config: EngineConfig,
    index: RwLock<Store>,
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

/// A blame running on its own thread for the answer being computed.
struct PendingBlame {
    rx: std::sync::mpsc::Receiver<Result<Vec<BlameHunk>, String>>,
    started: Instant,
}

/// Everything git gives an answer.
struct GitContext {
    repo: GitRepo,
    history: RwLock<Option<HistoryIndex>>,
    permalinker: Option<Permalinker>,
    history_path: Option<PathBuf>,
}

/// A query with at most one non-zero dimension in this many is searched exactly.
const SPARSE_QUERY_SHARE: usize = 8;
/// Sample one graph search in this many against the exact scan.
const RECALL_SAMPLE_EVERY: u64 = 32;
/// Below this sampled recall the graph is switched off; it returns above `RECALL_RECOVER`.
const RECALL_FLOOR: f64 = crate::vector::MIN_ACCEPTABLE_RECALL;
const RECALL_RECOVER: f64 = 0.97;
/// Graph memory per vector, measured (see `vector::DEFAULT_HNSW_CROSSOVER`).
const GRAPH_BYTES_PER_VECTOR: usize = 2700;

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
        let (index, load_note, ready) = match &index_path {
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
            index: RwLock::new(index),
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

    /// Bring the index up to date with the disk: index new and changed files, forget
    /// deleted ones, and persist the result. Files whose size and mtime are unchanged are
    /// not read again.
    pub fn refresh(
        &self,
        progress: &dyn Fn(Progress),
        cancel: &CancelToken,
    ) -> Result<RefreshReport, EngineError> {
        let _one_at_a_time = self.refreshing.lock();
        let started = Instant::now();
        progress(Progress {
            phase: Phase::Walking,
            done: 0,
            total: 0,
        });
        let options = WalkOptions {
            max_file_size: self.config.max_file_size,
            exclude: self.config.exclude.clone(),
            threads: self.config.index_threads,
        };
        let found = walk::walk(&self.root, &options);
        let kinds = Arc::new(KindRules::load(&self.root, walked_folders(&found)));
        *self.kind_rules.write() = kinds.clone();
        let mut report = RefreshReport::default();

        // What the index holds now: path -> (size, mtime, hash).
        let known: HashMap<String, (u64, u64, u64)> = {
            let index = self.index.read();
            index
                .file_states()
                .into_iter()
                .map(|(path, size, mtime, hash)| (path, (size, mtime, hash)))
                .collect()
        };
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let mut to_read = Vec::new();
        for f in &found.files {
            seen.insert(&f.rel_path);
            match known.get(&f.rel_path) {
                Some(&(size, mtime, _)) if size == f.size && mtime == f.mtime_ns => {
                    report.unchanged += 1
                }
                _ => to_read.push(f),
            }
        }
        let gone: Vec<&String> = known
            .keys()
            .filter(|p| !seen.contains(p.as_str()))
            .collect();

        // A mostly new corpus deserves freshly fitted term weights: start over.
        let rebuild = known.is_empty() || to_read.len() * 2 > found.files.len().max(1);
        {
            let mut index = self.index.write();
            if rebuild && !known.is_empty() {
                let embedder = match &self.static_embedder {
                    Some(e) => EmbedderChoice::Static(e.clone()),
                    None => {
                        EmbedderChoice::Hashed(HashedTfIdf::unfitted(self.config.embedding_dim))
                    }
                };
                *index = Store::new(embedder);
                self.embedder_epoch.fetch_add(1, Ordering::AcqRel);
                report.unchanged = 0;
                to_read = found.files.iter().collect();
                self.ready.store(false, Ordering::Release);
            }
            for path in &gone {
                if index.remove(path) {
                    report.removed += 1;
                }
            }
            for (path, reason) in &found.skipped {
                index.skip(path, *reason);
            }
        }

        // A pass that may write segments as it goes fits the embedder's term weights on the
        // first flush's files: visit files in an order unrelated to their folders so that
        // those are a fair sample of the workspace.
        let overlay_cap = self.overlay_cap();
        let text_bytes: u64 = to_read.iter().map(|f| f.size).sum();
        if rebuild && overlay_cap.is_some_and(|cap| text_bytes > cap as u64 / 2) {
            to_read.sort_by_cached_key(|f| xxhash_rust::xxh3::xxh3_64(f.rel_path.as_bytes()));
        }
        let mut overlay_floor = self.index.read().memory_bytes();

        let total = to_read.len();
        let static_embedder = self.static_embedder.as_deref();
        let max_size = self.config.max_file_size;
        let threads = self.config.index_threads;
        let prepare = |f: &walk::FoundFile| -> Prepared {
            match walk::read_text(&f.abs_path, max_size) {
                Err(reason) => Err((f.rel_path.clone(), reason)),
                Ok(text) => {
                    let hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
                    if known.get(&f.rel_path).is_some_and(|k| k.2 == hash) && !rebuild {
                        Ok(None) // touched but identical
                    } else {
                        Ok(Some(prepare_file(
                            &f.rel_path,
                            &text,
                            f.size,
                            f.mtime_ns,
                            static_embedder,
                            false,
                            &kinds,
                        )))
                    }
                }
            }
        };
        // The pool prepares the next batch while this thread applies the last one: applying
        // is a fifth of the work and would otherwise leave the pool idle. One prepared batch
        // waits at most, so memory holds no more than three.
        let batches: Vec<&[&walk::FoundFile]> = to_read.chunks(BATCH).collect();
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Prepared>>(1);
        std::thread::scope(|scope| {
            // Owned here, so that returning early drops it and a waiting producer stops.
            let receiver = receiver;
            scope.spawn(|| {
                for batch in &batches {
                    if cancel.is_cancelled() {
                        break;
                    }
                    let prepared = crate::pool::run(threads, || {
                        use rayon::prelude::*;
                        batch.par_iter().map(|f| prepare(f)).collect()
                    });
                    if sender.send(prepared).is_err() {
                        break; // the applying side stopped
                    }
                }
                drop(sender);
            });
            for (done, batch) in batches.iter().enumerate() {
                if cancel.is_cancelled() {
                    return Err(EngineError::Cancelled);
                }
                progress(Progress {
                    phase: Phase::Indexing,
                    done: done * BATCH,
                    total,
                });
                let Ok(prepared) = receiver.recv() else {
                    // Only a cancelled producer stops early.
                    return Err(EngineError::Cancelled);
                };
                let mut index = self.index.write();
                for (result, found_file) in prepared.into_iter().zip(batch.iter()) {
                    match result {
                        Ok(Some(file)) => {
                            index.apply(file);
                            report.updated += 1;
                        }
                        Ok(None) => {
                            index.touch(&found_file.rel_path, found_file.size, found_file.mtime_ns);
                            report.unchanged += 1;
                        }
                        Err((path, reason)) => index.skip(&path, reason),
                    }
                }
                let overlay_bytes = index.memory_bytes();
                drop(index);
                if overlay_cap.is_some_and(|cap| overlay_bytes > overlay_floor + cap) {
                    self.flush_overlay();
                    overlay_floor = self.index.read().memory_bytes();
                }
            }
            Ok(())
        })?;

        // Reading and chunking thousands of files on worker threads leaves their freed
        // buffers scattered over the allocator's arenas; hand them back before the index
        // grows by its vectors.
        if report.updated > BATCH {
            self.index.write().mem.bm25.shrink_to_fit();
        }
        crate::pool::release_free_memory();
        if !self.index.read().mem.unembedded.is_empty() {
            progress(Progress {
                phase: Phase::Embedding,
                done: 0,
                total: 1,
            });
            self.index.write().mem.fit_and_embed();
            self.embedder_epoch.fetch_add(1, Ordering::AcqRel);
        }
        // Learning needs the whole corpus in memory: not after a pass that streamed.
        let in_memory = self.index.read().segment_count() == 0;
        if rebuild && report.updated > 0 && self.config.learned_related && in_memory {
            // Learned under the shared lock (queries go on), installed under a short write.
            let learned = {
                let index = self.index.read();
                // A full pass builds in memory from chunk id 0.
                let mem = &index.mem;
                crate::related::RelatedWords::learn(&mem.bm25, |doc| mem.is_live(doc))
            };
            self.index.write().mem.related = learned;
        }
        {
            let mut index = self.index.write();
            // Without a segment (persistence off), tombstones are squeezed out in memory;
            // with one, the merge into a new segment drops them.
            if !index.has_segment()
                && index.tombstones() as f64 > COMPACT_RATIO * index.id_count().max(1) as f64
            {
                index.mem = index.mem.compacted();
            }
            report.files = index.file_count();
            report.chunks = index.live_chunks();
            for reason in index.skipped().values() {
                report.skipped.add(*reason);
            }
        }
        self.ready.store(true, Ordering::Release);
        self.complete_history(cancel);
        self.maybe_build_graph();
        let changed = report.updated > 0 || report.removed > 0 || rebuild;
        if changed || self.index_file_bytes().is_none() {
            progress(Progress {
                phase: Phase::Saving,
                done: 0,
                total: 1,
            });
            report.saved_bytes = self.save();
        }
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Persist the index now (when persistence is on): write the segment and the overlay
    /// merged into a new segment, then serve from it. Returns the bytes written.
    pub fn save(&self) -> Option<u64> {
        let path = self.index_path.as_ref()?;
        let commit = self.git.as_ref().ok().and_then(|g| g.repo.head_sha().ok());
        // Readers go on while the segment is written; changes wait, so none is lost
        // between the write and the swap.
        let index = self.index.upgradable_read();
        let meta = index.segment_meta(&self.root_str, commit);
        let bytes = match crate::segment::write::write_segment(&index.source(), meta, path) {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::warn!("could not persist the index to {}: {e}", path.display());
                return None;
            }
        };
        match Segment::open_written(path) {
            Ok(segment) => {
                let mut index = parking_lot::RwLockUpgradableReadGuard::upgrade(index);
                let generation = index.generation();
                let embedder = index.embedder().clone();
                let mut store = Store::from_segment(Arc::new(segment), embedder);
                store.mem.generation = generation + 1;
                *index = store;
            }
            Err(e) => tracing::warn!("the segment just written does not open: {e}"),
        }
        crate::pool::release_free_memory();
        Some(bytes)
    }

    /// How far the overlay may grow during a pass before it is written to a segment:
    /// nearly a third of the memory budget (the rest is the walk, the prepared batches in
    /// flight, the caches and the writer's bookkeeping). `None` without persistence.
    fn overlay_cap(&self) -> Option<usize> {
        self.index_path
            .as_ref()
            .map(|_| self.config.memory_budget / 10 * 3)
    }

    /// Write the overlay to a new segment and serve it from there, so that a pass holds
    /// a bounded overlay however large the workspace. The segment's file is unlinked
    /// once mapped: it lives until the next save merges it, and a crash leaves nothing.
    fn flush_overlay(&self) {
        let Some(dir) = self.index_path.as_ref().and_then(|p| p.parent()) else {
            return;
        };
        if !self.index.read().mem.unembedded.is_empty() {
            // The first flush fits the term weights on what the pass has read so far.
            self.index.write().mem.fit_and_embed();
            self.embedder_epoch.fetch_add(1, Ordering::AcqRel);
        }
        static FLUSHES: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            ".segment-part-{}-{}{}",
            std::process::id(),
            FLUSHES.fetch_add(1, Ordering::Relaxed),
            crate::index_file::TEMPORARY_SUFFIX
        );
        let path = dir.join(name);
        let index = self.index.upgradable_read();
        let meta = index.segment_meta(&self.root_str, None);
        let written = crate::segment::write::write_segment(&index.overlay_source(), meta, &path)
            .map_err(|e| e.to_string())
            .and_then(|_| Segment::open_written(&path).map_err(|e| e.to_string()));
        let _ = std::fs::remove_file(&path);
        match written {
            Ok(segment) => {
                let mut index = parking_lot::RwLockUpgradableReadGuard::upgrade(index);
                index.flush_into(Arc::new(segment));
            }
            Err(e) => tracing::warn!("could not write part of the index to disk: {e}"),
        }
        crate::pool::release_free_memory();
    }

    fn index_file_bytes(&self) -> Option<u64> {
        self.index_path
            .as_ref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
    }

    /// Re-index one file, from `text` (an editor's buffer) or from disk when `None`. A file
    /// that is gone or unreadable is removed. Returns whether the index changed.
    pub fn update_file(&self, rel_path: &str, text: Option<&str>) -> bool {
        if !crate::safe_path::is_plain_relative(rel_path) {
            tracing::warn!("refusing to index {rel_path:?}: not a plain workspace-relative path");
            return false;
        }
        let in_memory = text.is_some();
        let (text, size, mtime) = match text {
            Some(t) => (Ok(t.to_string()), t.len() as u64, 0),
            None => match crate::safe_path::open_regular(&self.root, rel_path) {
                Ok((_, meta)) if meta.len() > self.config.max_file_size => {
                    (Err(SkipReason::TooLarge), meta.len(), 0)
                }
                Ok((file, meta)) => (
                    crate::safe_path::read_capped(file, self.config.max_file_size)
                        .and_then(|bytes| walk::classify(bytes, self.config.max_file_size)),
                    meta.len(),
                    walk::mtime_ns(&meta),
                ),
                Err(SkipReason::Unreadable) => return self.remove_file(rel_path),
                Err(reason) => (Err(reason), 0, 0),
            },
        };
        match text {
            Ok(text) => {
                if text.len() as u64 > self.config.max_file_size {
                    self.index.write().skip(rel_path, SkipReason::TooLarge);
                    return true;
                }
                let hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
                if self
                    .index
                    .read()
                    .file(rel_path)
                    .is_some_and(|f| f.hash == hash)
                {
                    return false;
                }
                let kinds = self.kind_rules.read().clone();
                let prepared = prepare_file(
                    rel_path,
                    &text,
                    size,
                    mtime,
                    self.static_embedder.as_deref(),
                    in_memory,
                    &kinds,
                );
                self.index.write().apply(prepared);
                true
            }
            Err(SkipReason::Unreadable) => self.remove_file(rel_path),
            Err(reason) => {
                self.index.write().skip(rel_path, reason);
                true
            }
        }
    }

    /// Forget a file. Returns whether it was indexed.
    pub fn remove_file(&self, rel_path: &str) -> bool {
        let mut index = self.index.write();
        index.forget_skipped(rel_path);
        index.remove(rel_path)
    }

    pub fn status(&self) -> EngineStatus {
        let index = self.index.read();
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

    fn answer(&self, query: &Query, cancel: &CancelToken) -> Result<Answer, QueryError> {
        let started = Instant::now();
        let question = query.question.trim();
        if question.is_empty() {
            return Err(QueryError::EmptyQuestion);
        }
        if question.len() > MAX_QUESTION_BYTES {
            return Err(QueryError::QuestionTooLong(question.len()));
        }
        let cancelled = || cancel.is_cancelled();
        // Over the latency or memory budget, the optional stages are off (see `rollback`).
        let degraded = self.rollback.is_degraded();
        if query.limit == 0 || query.limit > MAX_LIMIT {
            return Err(QueryError::BadLimit(query.limit));
        }
        let mut timings = Timings::default();
        let index = self.index.read();
        let mut tokens = question_tokens(question);
        // Confidence counts the words and pairs only; longer runs are bonus evidence.
        let counted_tokens = tokens.len();
        crate::question::add_run_compounds(question, |t| index.knows_term(t), &mut tokens);
        if cancelled() {
            return Err(QueryError::Cancelled);
        }
        let key = retrieval_key(question, &tokens, self.static_embedder.is_some());
        let scope = Scope {
            file: query.file.clone(),
            line: query.line,
            limit: query.limit,
        };
        let head = self.head_hash();
        let current_hash = |path: &str| {
            if path == HEAD_DEPENDENCY {
                head
            } else {
                index.file(path).map(|f| f.hash)
            }
        };
        let cacheable = query.retrieval == Retrieval::Hybrid
            && self.is_ready()
            && index.mem.unembedded.is_empty();
        if cacheable {
            if let Some(hit) = self.cache.get_exact(&key, &scope, &current_hash) {
                return Ok(self.served_from_cache(
                    hit,
                    CacheTier::Exact,
                    question,
                    &index,
                    started,
                ));
            }
        }
        // The tokens the index knows: the semantic tier needs two, the boosts read them.
        let known_tokens: Vec<&str> = tokens
            .iter()
            .map(String::as_str)
            .filter(|t| index.knows_term(t))
            .collect();
        let learned = self.config.learned_related.then_some(&index.mem.related);
        let related = crate::related::question_expansions(learned, &tokens);
        // Only the answer cache reads the signature; a one-shot caller with the cache off
        // does not pay for it.
        let signature = if cacheable && self.cache.config().enabled {
            lexical_signature(&index, &tokens, &related) ^ u64::from(rank::about_tests(question))
        } else {
            0
        };

        let t = Instant::now();
        let epoch = self.embedder_epoch.load(Ordering::Acquire);
        let qvec = self.cache.embedding(&format!("{epoch}\u{0}{key}"), || {
            index.embedder().embed_question(question)
        });
        timings.embed = ms(t);
        if cacheable {
            let known_terms = known_tokens.len();
            // Degraded, the semantic tier is off: only the exact tier serves.
            if let Some(hit) = self.cache.get_semantic(
                &key,
                &qvec,
                signature,
                known_terms >= 2 && !degraded,
                &scope,
                &current_hash,
            ) {
                return Ok(self.served_from_cache(
                    hit,
                    CacheTier::Semantic,
                    question,
                    &index,
                    started,
                ));
            }
            self.cache.record_miss();
        }
        if cancelled() {
            return Err(QueryError::Cancelled);
        }

        let pending_blame = if degraded {
            None
        } else {
            self.start_blame(query)
        };
        let search_started = Instant::now();
        let searched: &Store = &index;
        let lexical_search = || {
            let t = Instant::now();
            if query.retrieval == Retrieval::Vector {
                return (Vec::new(), ms(t));
            }
            let weighted: Vec<(&str, f32)> = tokens
                .iter()
                .map(|t| (t.as_str(), 1.0))
                .chain(related.iter().map(|(t, w)| (t.as_str(), *w)))
                .collect();
            let live = |id: u32| searched.is_live(id);
            let found = searched.lexical_search(&weighted, CANDIDATES, &live);
            (found, ms(t))
        };
        let vector_search = || {
            let t = Instant::now();
            if query.retrieval == Retrieval::Lexical || qvec.iter().all(|&x| x == 0.0) {
                return (Vec::new(), ms(t));
            }
            let live = |id: u32| searched.is_live(id);
            (self.vector_search(searched, &qvec, &live), ms(t))
        };
        let ((lexical, lexical_ms), (vector, vector_ms)) =
            if self.config.parallel_stages && !degraded {
                rayon::join(lexical_search, vector_search)
            } else {
                (lexical_search(), vector_search())
            };
        timings.lexical = lexical_ms;
        timings.vector = vector_ms;
        timings.search = ms(search_started);
        if cancelled() {
            return Err(QueryError::Cancelled);
        }

        let t = Instant::now();
        let mut candidates = rank::fuse(&lexical, &vector);
        let priors = rank::Priors {
            vendored: self.config.vendored_weight,
            ..rank::Priors::default()
        };
        let about_tests = rank::about_tests(question);
        for (n, c) in candidates.iter_mut().enumerate() {
            if n % 32 == 31 && cancelled() {
                return Err(QueryError::Cancelled);
            }
            if let Some(chunk) = index.chunk(c.id) {
                let symbol = chunk.symbol;
                let named =
                    symbol.map_or(0.0, |s| rank::symbol_strength(s, &tokens, &known_tokens));
                c.score *=
                    rank::boost(
                        index.path_of(&chunk),
                        symbol,
                        query.file.as_deref(),
                        &tokens,
                        &known_tokens,
                    ) * priors.factor(index.file_kind(chunk.file), symbol, named, about_tests);
            }
        }
        rank::sort(&mut candidates);
        let folded = crate::copies::fold_copies(candidates, |id| {
            index.chunk(id).map(|c| crate::copies::ChunkFacts {
                hash: c.hash,
                kind: index.file_kind(c.file),
                lines: c.end_line.saturating_sub(c.start_line),
            })
        });
        let places: Vec<Place> = folded
            .into_iter()
            .filter_map(|f| {
                let chunk = index.chunk(f.candidate.id)?;
                Some(Place {
                    path_id: chunk.file,
                    start_line: chunk.start_line,
                    end_line: chunk.end_line,
                    function: matches!(chunk.kind, ChunkKind::Function | ChunkKind::Method),
                    copies: f.copies,
                    candidate: f.candidate,
                })
            })
            .collect();
        let places = rank::merge_overlapping(places, query.limit);
        let confidence = self.confidence(
            &index,
            &tokens[..counted_tokens],
            &places,
            &lexical,
            &vector,
        );
        timings.rank = ms(t);

        let t = Instant::now();
        let best = rank::best_possible_score();
        let mut results = Vec::with_capacity(places.len());
        let mut citations = Vec::with_capacity(places.len());
        let mut file_texts = FileTexts::default();
        for (i, p) in places.iter().enumerate() {
            // Snippets may read files from disk.
            if cancelled() {
                return Err(QueryError::Cancelled);
            }
            let Some(chunk) = index.chunk(p.candidate.id) else {
                continue;
            };
            let path = index.path_of(&chunk).to_string();
            let snippet = match &chunk.snippet {
                Some(s) => s.to_string(),
                None => file_texts.snippet(&self.root, &path, &chunk, self.config.max_file_size),
            };
            let citation = Citation {
                id: i + 1,
                path: path.clone(),
                start_line: p.start_line,
                end_line: p.end_line,
                label: format!(
                    "{}:{}-{}",
                    path,
                    p.start_line + 1,
                    p.end_line.max(p.start_line + 1)
                ),
                url: self
                    .permalink(&path, p.start_line, p.end_line)
                    .unwrap_or_else(|| file_url(&self.root.join(&path), p.start_line, p.end_line)),
            };
            results.push(Hit {
                path,
                start_line: p.start_line,
                end_line: p.end_line,
                score: (p.candidate.score / best).min(1.0),
                symbol: chunk.symbol.map(str::to_string),
                kind: chunk.kind,
                language: chunk.language,
                snippet,
                citation: i + 1,
                file_kind: index.file_kind(chunk.file),
                copies: p
                    .copies
                    .iter()
                    .filter_map(|&id| {
                        let copy = index.chunk(id)?;
                        Some(CopyPlace {
                            path: index.path_of(&copy).to_string(),
                            start_line: copy.start_line,
                            end_line: copy.end_line,
                        })
                    })
                    .collect(),
            });
            citations.push(citation);
        }
        let mut warnings = Vec::new();
        warnings.extend(self.rollback.warning());
        if !self.is_ready() {
            warnings.push(format!(
                "index incomplete: {} files indexed so far",
                index.file_count()
            ));
        }
        if !index.mem.unembedded.is_empty() {
            warnings.push(format!(
                "vector search pending: {} chunks not embedded yet",
                index.mem.unembedded.len()
            ));
        }
        let info = IndexInfo {
            state: self.state(),
            files: index.file_count(),
            chunks: index.live_chunks(),
            generation: index.generation(),
        };
        timings.format = ms(t);
        drop(index);
        if cancelled() {
            return Err(QueryError::Cancelled);
        }
        let t = Instant::now();
        let (history, blame) = self.git_context(query, pending_blame, &mut warnings);
        timings.history = ms(t);
        let summary = summarize(question, &results, confidence);
        timings.total = ms(started);
        let answer = Answer {
            question: question.to_string(),
            summary,
            results,
            citations,
            confidence,
            timings,
            index: info,
            warnings,
            cache: CacheTier::Miss,
            history,
            blame,
        };
        // An empty answer depends on every file (any edit may make it match), so it is not kept.
        if cacheable && !answer.results.is_empty() {
            let index = self.index.read();
            let current_hash = |path: &str| index.file(path).map(|f| f.hash);
            // Valid while the cited files and the asked-about file keep their content.
            let mut deps: Vec<String> = answer
                .results
                .iter()
                .flat_map(|h| std::iter::once(&h.path).chain(h.copies.iter().map(|c| &c.path)))
                .cloned()
                .collect();
            deps.extend(query.file.clone());
            deps.sort();
            deps.dedup();
            let mut deps: Vec<(String, Option<u64>)> = deps
                .into_iter()
                .map(|p| {
                    let h = current_hash(&p);
                    (p, h)
                })
                .collect();
            // History, blame and permalinks change with HEAD.
            deps.push((HEAD_DEPENDENCY.to_string(), self.head_hash()));
            self.cache.put(&key, scope, qvec, signature, &answer, deps);
        }
        Ok(answer)
    }

    /// A hash of the current HEAD commit, for cache validity (`None` without git).
    fn head_hash(&self) -> Option<u64> {
        let git = self.git.as_ref().ok()?;
        let head = git.repo.head_sha().ok()?;
        Some(xxhash_rust::xxh3::xxh3_64(head.as_bytes()))
    }

    /// A permalink on the code host when the file is committed and unchanged since HEAD.
    fn permalink(&self, path: &str, start_line: u32, end_line: u32) -> Option<String> {
        self.git
            .as_ref()
            .ok()?
            .permalinker
            .as_ref()?
            .permalink(path, start_line, end_line)
    }

    /// History of the asked-about file and blame of the asked-about lines.
    fn git_context(
        &self,
        query: &Query,
        blame: Option<PendingBlame>,
        warnings: &mut Vec<String>,
    ) -> (Option<FileHistory>, Option<Vec<BlameHunk>>) {
        let Some(file) = &query.file else {
            return (None, None);
        };
        let git = match &self.git {
            Ok(g) => g,
            Err(reason) => {
                warnings.push(format!("history unavailable: {reason}"));
                return (None, None);
            }
        };
        let t = Instant::now();
        let history = git
            .history
            .read()
            .as_ref()
            .and_then(|h| h.history(file, HISTORY_COMMITS));
        if let Some(h) = history.as_ref().filter(|h| !h.unread.is_empty()) {
            warnings.push(h.unread.describe());
        }
        self.metrics.history.record(ms(t));
        let blame = blame.and_then(|pending| {
            let t = Instant::now();
            let blame = self.finish_blame(pending, file, warnings);
            self.metrics.blame.record(ms(t));
            blame
        });
        (history, blame)
    }

    /// Start blaming the asked-about lines on their own thread, so the blame (seconds for a
    /// file's first one, microseconds once cached) runs while the searches do.
    fn start_blame(&self, query: &Query) -> Option<PendingBlame> {
        let (file, line) = (query.file.as_ref()?, query.line?);
        let git = self.git.as_ref().ok()?;
        let start = line.saturating_sub(BLAME_CONTEXT);
        let end = line + BLAME_CONTEXT + 1;
        let (tx, rx) = std::sync::mpsc::channel();
        let repo = git.repo.clone();
        let path = file.clone();
        std::thread::Builder::new()
            .name("ail-blame".into())
            .spawn(move || {
                let result = repo.blame_range(&path, start, end, None);
                let _ = tx.send(result.map_err(|e| e.to_string()));
            })
            .ok()?;
        Some(PendingBlame {
            rx,
            started: Instant::now(),
        })
    }

    /// The blame started by `start_blame`, waiting until `blame_wait` after its start: a
    /// first blame of a file with a long history takes seconds, so it finishes in the
    /// background and its cached result serves the next answer.
    fn finish_blame(
        &self,
        pending: PendingBlame,
        path: &str,
        warnings: &mut Vec<String>,
    ) -> Option<Vec<BlameHunk>> {
        let left = self
            .config
            .blame_wait
            .saturating_sub(pending.started.elapsed());
        match pending.rx.recv_timeout(left) {
            Ok(Ok(hunks)) => Some(hunks),
            Ok(Err(e)) => {
                tracing::debug!("no blame for {path}: {e}");
                None
            }
            Err(_) => {
                warnings.push("blame pending: computing in the background".to_string());
                None
            }
        }
    }

    /// Read the whole history in the background of a refresh, and persist it.
    fn complete_history(&self, cancel: &CancelToken) {
        let Ok(git) = &self.git else { return };
        let mut working = match git.history.read().clone() {
            Some(mut h) if h.is_complete() => {
                // Complete for the HEAD it was built at; follow HEAD when it has moved.
                let Ok(head) = git.repo.head_sha() else {
                    return;
                };
                if h.head_sha() == head || h.extend_to(&git.repo, &head).is_err() {
                    return;
                }
                h
            }
            Some(h) => h,
            None => match HistoryIndex::read_recent(&git.repo, crate::git::RECENT_COMMITS) {
                Ok(h) => h,
                Err(e) => {
                    tracing::info!("no git history: {e}");
                    return;
                }
            },
        };
        if let Err(e) = working.read_all(&git.repo, cancel) {
            tracing::warn!("git history walk stopped: {e}");
        }
        if let Some(path) = &git.history_path {
            if let Err(e) = crate::index_file::write_atomically(path, &working.to_bytes()) {
                tracing::warn!("could not persist git history to {}: {e}", path.display());
            }
        }
        *git.history.write() = Some(working);
    }

    /// What git offers this workspace, for status output.
    pub fn git_status(&self) -> GitStatus {
        match &self.git {
            Err(reason) => GitStatus {
                state: "unavailable",
                commits: 0,
                reason: Some(reason.clone()),
            },
            Ok(g) => match g.history.read().as_ref() {
                None => GitStatus {
                    state: "reading",
                    commits: 0,
                    reason: None,
                },
                Some(h) => {
                    let s = h.status();
                    GitStatus {
                        state: if s.complete { "ready" } else { "reading" },
                        commits: s.commits,
                        reason: s.reason,
                    }
                }
            },
        }
    }

    /// Search the vectors through the graph when there is one and its sampled recall holds,
    /// else exactly.
    fn vector_search(
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
            let index = self.index.read();
            if index.mem.graph.is_some() || index.has_segment() {
                return;
            }
            (index.mem.vectors.clone(), index.mem.vectors.len())
        };
        if n < crate::vector::DEFAULT_HNSW_CROSSOVER {
            return;
        }
        if n * GRAPH_BYTES_PER_VECTOR > self.config.max_graph_bytes {
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

    fn served_from_cache(
        &self,
        mut hit: Answer,
        tier: CacheTier,
        question: &str,
        index: &Store,
        started: Instant,
    ) -> Answer {
        hit.cache = tier;
        // The summary quotes the question: quote this one, not the one first asked.
        hit.summary = summarize(question, &hit.results, hit.confidence);
        hit.question = question.to_string();
        hit.timings = Timings {
            total: ms(started),
            ..Timings::default()
        };
        hit.index = IndexInfo {
            state: self.state(),
            files: index.file_count(),
            chunks: index.live_chunks(),
            generation: index.generation(),
        };
        hit
    }

    fn confidence(
        &self,
        index: &Store,
        tokens: &[String],
        places: &[Place],
        lexical: &[(u32, f32)],
        vector: &[(u32, f32)],
    ) -> f32 {
        let Some(top) = places.first() else {
            return 0.0;
        };
        // Plain terms only: pair compounds ("parseargs") are bonus evidence, not coverage.
        let mut plain = Vec::new();
        crate::text::for_each_token(&tokens.join(" "), |t| plain.push(t.to_string()));
        plain.sort();
        plain.dedup();
        let known: Vec<&str> = plain
            .iter()
            .map(String::as_str)
            .filter(|t| index.knows_term(t))
            .collect();
        if known.is_empty() {
            return 0.0;
        }
        let known_share = known.len() as f32 / plain.len() as f32;
        let top_chunks: Vec<u32> = chunk_ids_in(index, top).collect();
        let covered = known
            .iter()
            .filter(|&&t| top_chunks.iter().any(|&c| index.chunk_has_term(c, t)))
            .count();
        let in_top =
            |list: &[(u32, f32)]| list.iter().take(10).any(|(id, _)| top_chunks.contains(id));
        rank::confidence(&Evidence {
            coverage: covered as f32 / known.len() as f32,
            known_terms: known_share,
            top_in_lexical: in_top(lexical),
            top_in_vector: in_top(vector),
            top_similarity: top.candidate.vector_similarity,
            first: top.candidate.score,
            second: places.get(1).map_or(0.0, |p| p.candidate.score),
        })
    }
}

/// Files read while formatting one answer, so several places in one file read it once.
#[derive(Default)]
struct FileTexts {
    read: HashMap<String, Option<String>>,
}

impl FileTexts {
    /// The snippet of `chunk` (in `path`) from the file on disk; empty when it cannot be read.
    fn snippet(
        &mut self,
        root: &Path,
        path: &str,
        chunk: &crate::store::ChunkRef,
        max_size: u64,
    ) -> String {
        // Through the workspace gate: the file may have become a link or a pipe since it
        // was indexed.
        let text = self.read.entry(path.to_string()).or_insert_with(|| {
            crate::safe_path::read_regular(root, path, max_size)
                .and_then(|bytes| walk::classify(bytes, max_size))
                .ok()
        });
        let Some(text) = text else {
            return String::new();
        };
        let mut start = 0usize;
        let mut end = text.len();
        let mut line = 0u32;
        for (at, _) in text.match_indices('\n') {
            line += 1;
            if line == chunk.start_line {
                start = at + 1;
            }
            if line == chunk.end_line {
                end = at + 1;
                break;
            }
        }
        if chunk.start_line > line {
            return String::new();
        }
        crate::index::snippet(text.get(start..end.max(start)).unwrap_or("")).into()
    }
}

/// The exact tier's key: everything an answer is computed from. The question's tokens as a
/// set (the lexical search, boosts and confidence read nothing else) and its plain tokens
/// with their counts (what the built-in embedder reads); with a static model, which reads
/// the text itself, the text with its spacing normalised. Questions with one key get the
/// same answer, so case, punctuation and stop words that leave the tokens alone share an
/// entry, while `parseArgs` and `parseargs`, which tokenise differently, do not.
fn retrieval_key(question: &str, tokens: &[String], reads_text: bool) -> String {
    let mut set: Vec<&str> = tokens.iter().map(String::as_str).collect();
    set.sort_unstable();
    let mut plain: Vec<String> = Vec::new();
    crate::text::for_each_token(question, |t| plain.push(t.to_string()));
    plain.sort_unstable();
    let mut key = set.join(" ");
    key.push('\u{1}');
    key.push_str(&plain.join(" "));
    if reads_text {
        key.push('\u{1}');
        key.push_str(&question.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    // Whether the question is about tests turns on word order ("test whether" is not).
    if rank::about_tests(question) {
        key.push_str("\u{1}tests");
    }
    key
}

/// A hash of everything in the question that the ranking reads besides its embedding: the
/// tokens the lexical index knows, their related words, the unknown tokens that still
/// change a boost (a qualified symbol's compound such as `configload`, any `test…` word).
/// Questions with one signature and one embedding get the same places; word order that
/// only moves unknown pairs, and unknown words, do not change it (an unknown word lowers
/// the confidence a fresh answer would report, so a semantic hit keeps the cached one's).
fn lexical_signature(index: &Store, tokens: &[String], related: &[(String, f32)]) -> u64 {
    let steers =
        |t: &str| index.knows_term(t) || index.names_qualified_symbol(t) || t.starts_with("test");
    let mut asked: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .filter(|t| steers(t))
        .collect();
    let mut relatives: Vec<&str> = related
        .iter()
        .map(|(t, _)| t.as_str())
        .filter(|t| index.knows_term(t))
        .collect();
    asked.sort_unstable();
    relatives.sort_unstable();
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for t in &asked {
        hasher.update(t.as_bytes());
        hasher.update(&[0]);
    }
    hasher.update(&[1]);
    for t in &relatives {
        hasher.update(t.as_bytes());
        hasher.update(&[0]);
    }
    hasher.digest()
}

/// The chunks of `place`'s file that fall inside its (possibly widened) line range.
fn chunk_ids_in<'a>(index: &'a Store, place: &'a Place) -> impl Iterator<Item = u32> + 'a {
    index
        .file_chunks(place.path_id)
        .into_iter()
        .filter(move |&c| {
            index.chunk(c).is_some_and(|ch| {
                ch.start_line >= place.start_line && ch.end_line <= place.end_line
            }) || c == place.candidate.id
        })
}

/// The folders above walked files, where `.gitattributes` files may be.
fn walked_folders(found: &walk::WalkResult) -> std::collections::BTreeSet<String> {
    let mut folders = std::collections::BTreeSet::new();
    for f in &found.files {
        let mut path = f.rel_path.as_str();
        while let Some((dir, _)) = path.rsplit_once('/') {
            if !folders.insert(dir.to_string()) {
                break; // its ancestors are in already
            }
            path = dir;
        }
    }
    folders
}

/// What git offers a workspace.
#[derive(Clone, Debug, PartialEq)]
pub struct GitStatus {
    /// "ready", "reading" or "unavailable".
    pub state: &'static str,
    pub commits: usize,
    pub reason: Option<String>,
}

fn open_git(
    root: &Path,
    config: &EngineConfig,
    index_path: Option<&Path>,
) -> Result<GitContext, String> {
    let repo = GitRepo::open(root).map_err(|e| e.reason)?;
    let permalinker = Permalinker::from_repo(&repo, &config.permalinks);
    let history_path = index_path
        .and_then(|p| p.parent())
        .map(|d| d.join("history.bin"));
    let persisted = history_path
        .as_ref()
        .and_then(|p| crate::index_file::read_index_file(p).ok())
        .and_then(|bytes| HistoryIndex::from_bytes(&bytes).ok())
        .and_then(|mut h| {
            let head = repo.head_sha().ok()?;
            h.extend_to(&repo, &head).ok()?;
            Some(h)
        });
    let history =
        persisted.or_else(|| HistoryIndex::read_recent(&repo, crate::git::RECENT_COMMITS).ok());
    Ok(GitContext {
        repo,
        history: RwLock::new(history),
        permalinker,
        history_path,
    })
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// A `file://` URL for `path` with a `#L31-L58` fragment (1-based, inclusive).
pub fn file_url(path: &Path, start_line: u32, end_line: u32) -> String {
    let start = start_line + 1;
    let end = end_line.max(start_line + 1);
    let fragment = if end == start {
        format!("#L{start}")
    } else {
        format!("#L{start}-L{end}")
    };
    format!("{}{fragment}", file_uri(path))
}

/// A `file://` URI for an absolute path, percent-encoding what URIs do not allow.
pub fn file_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    let text = path.to_string_lossy();
    if !text.starts_with('/') {
        out.push('/');
    }
    for b in text.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A few lines of markdown: what was found and where, and a warning when unsure.
fn summarize(question: &str, results: &[Hit], confidence: f32) -> String {
    let Some(top) = results.first() else {
        return format!("Nothing in the workspace matches \u{201c}{question}\u{201d}. Try other words, or a name that appears in the code.");
    };
    let name = |h: &Hit| match &h.symbol {
        Some(s) => format!("`{s}` ({}) in `{}`", h.kind.as_str(), h.path),
        None => format!("`{}`", h.path),
    };
    let mut s = format!(
        "**{} place{}** for \u{201c}{question}\u{201d}. Best match: {}, lines {}\u{2013}{} [{}].",
        results.len(),
        if results.len() == 1 { "" } else { "s" },
        name(top),
        top.start_line + 1,
        top.end_line.max(top.start_line + 1),
        top.citation
    );
    let others: Vec<String> = results
        .iter()
        .skip(1)
        .take(2)
        .map(|h| format!("{} [{}]", name(h), h.citation))
        .collect();
    if !others.is_empty() {
        s.push_str(&format!("\nAlso: {}.", others.join("; ")));
    }
    if confidence < 0.3 {
        s.push_str("\n_Low confidence: few of the question's words meet in one place; these results may be unrelated._");
    }
    s
}
