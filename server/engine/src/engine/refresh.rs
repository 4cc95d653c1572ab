//! Keeping the index current: the first pass (streamed to segments under the memory
//! budget), later passes over what changed, single-file updates from editors, saving and
//! merging segments, and prebuilt indexes.

use super::*;

impl Engine {
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
        // The walk's list goes beside the index, whose folder a first pass may not have yet.
        let spill_dir = self.index_path.as_ref().and_then(|p| p.parent());
        if let Some(dir) = spill_dir {
            let _ = std::fs::create_dir_all(dir);
        }
        let options = WalkOptions {
            max_file_size: self.config.max_file_size,
            exclude: self.config.exclude.clone(),
            threads: self.config.index_threads,
            spill_dir: spill_dir.map(Path::to_path_buf),
        };
        let found = walk::walk(&self.root, &options);
        let kinds = Arc::new(KindRules::load(&self.root, walked_folders(&found)));
        *self.kind_rules.write() = kinds.clone();
        let mut report = RefreshReport::default();

        // What the index holds now, looked up file by file in a snapshot taken before this
        // pass changes anything, rather than copied into a table of every file.
        let before = self.index.snapshot();
        let first_pass = before.file_count() == 0;
        // A prebuilt index came from another machine: its mtimes say nothing here. Files
        // git says are as they were at its commit are taken as they are; the others are
        // read and compared by content.
        let prebuilt = self.prebuilt_commit.lock().take();
        let same_as_prebuilt = prebuilt
            .as_ref()
            .and_then(|commit| commit.as_deref())
            .and_then(|commit| self.git.as_ref().ok()?.repo.changed_since(commit));
        // Files by their place in `found.files`: four bytes each.
        let mut to_read: Vec<u32> = Vec::new();
        let mut trusted: Vec<u32> = Vec::new();
        for (i, f) in found.files.iter().enumerate() {
            match before.file_state(f.rel_path) {
                Some(s)
                    if s.size == f.size
                        && s.mtime_ns == f.mtime_ns
                        && kind_holds(s.kind, &kinds, f.rel_path) =>
                {
                    report.unchanged += 1
                }
                Some(_)
                    if same_as_prebuilt
                        .as_ref()
                        .is_some_and(|changed| !changed.contains(f.rel_path)) =>
                {
                    report.unchanged += 1;
                    trusted.push(i as u32);
                }
                _ => to_read.push(i as u32),
            }
        }
        // Files the index knows that are gone: none on a first pass.
        let gone: Vec<String> = match first_pass {
            true => Vec::new(),
            false => before.live_paths_where(|p| !found.files.contains(p)),
        };

        // A mostly new corpus deserves freshly fitted term weights: start over.
        // A prebuilt index keeps its term weights: they came from the same project.
        let rebuild =
            prebuilt.is_none() && (first_pass || to_read.len() * 2 > found.files.len().max(1));
        // A rebuild reads every file again and never asks what was there before.
        let before = (!rebuild).then_some(before);
        {
            let mut index = self.index.write();
            for &i in &trusted {
                let f = found.files.get(i as usize);
                index.touch(f.rel_path, f.size, f.mtime_ns);
            }
            if rebuild && !first_pass {
                let embedder = match &self.static_embedder {
                    Some(e) => EmbedderChoice::Static(e.clone()),
                    None => {
                        EmbedderChoice::Hashed(HashedTfIdf::unfitted(self.config.embedding_dim))
                    }
                };
                index.replace(Store::new(embedder));
                self.embedder_epoch.fetch_add(1, Ordering::AcqRel);
                report.unchanged = 0;
                to_read = (0..found.files.len() as u32).collect();
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
        let text_bytes: u64 = to_read
            .iter()
            .map(|&i| found.files.get(i as usize).size)
            .sum();
        if rebuild && overlay_cap.is_some_and(|cap| text_bytes > cap as u64 / 2) {
            // Hashed again at each comparison rather than cached: a key per file would be
            // the largest thing the pass holds at its start.
            to_read.sort_by_key(|&i| {
                xxhash_rust::xxh3::xxh3_64(found.files.get(i as usize).rel_path.as_bytes())
            });
        }
        let mut overlay_floor = match overlay_cap {
            Some(_) => self.index.snapshot().memory_bytes(),
            None => 0,
        };

        let total = to_read.len();
        let static_embedder = self.static_embedder.as_deref();
        let max_size = self.config.max_file_size;
        let threads = self.config.index_threads;
        let prepare = |f: walk::FoundFile| -> Prepared {
            match walk::read_text(&f.abs_path(&self.root), max_size) {
                Err(reason) => Err((f.rel_path.to_string(), reason)),
                Ok(text) => {
                    let hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
                    let same = before
                        .as_ref()
                        .and_then(|b| b.file_state(f.rel_path))
                        .is_some_and(|k| {
                            k.hash == hash && k.kind == kinds.kind_of(f.rel_path, &text)
                        });
                    if same {
                        Ok(None) // touched but identical, and of the same kind
                    } else {
                        Ok(Some(prepare_file(
                            f.rel_path,
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
        let batches: Vec<&[u32]> = to_read.chunks(BATCH).collect();
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
                        batch
                            .par_iter()
                            .map(|&i| {
                                crate::pool::make_way_for_answers();
                                prepare(found.files.get(i as usize))
                            })
                            .collect()
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
                for (result, &i) in prepared.into_iter().zip(batch.iter()) {
                    let found_file = found.files.get(i as usize);
                    match result {
                        Ok(Some(file)) => {
                            index.apply(file);
                            report.updated += 1;
                        }
                        Ok(None) => {
                            index.touch(found_file.rel_path, found_file.size, found_file.mtime_ns);
                            report.unchanged += 1;
                        }
                        Err((path, reason)) => index.skip(&path, reason),
                    }
                }
                // Measured only when a flush is possible: it walks the overlay's chunks.
                let over_cap =
                    overlay_cap.is_some_and(|cap| index.memory_bytes() > overlay_floor + cap);
                drop(index);
                if over_cap {
                    self.flush_overlay();
                    overlay_floor = self.index.snapshot().memory_bytes();
                }
            }
            Ok(())
        })?;
        // What follows (embedding, history, the merge into one segment) needs none of the
        // walk's lists: let them go before it adds its own memory.
        drop(batches);
        drop(to_read);
        drop(trusted);
        drop(gone);
        drop(before);
        drop(found);

        // Reading and chunking thousands of files on worker threads leaves their freed
        // buffers scattered over the allocator's arenas; hand them back before the index
        // grows by its vectors.
        if report.updated > BATCH {
            self.index.write().mem.bm25.shrink_to_fit();
        }
        crate::pool::release_free_memory();
        if !self.index.snapshot().mem.unembedded.is_empty() {
            progress(Progress {
                phase: Phase::Embedding,
                done: 0,
                total: 1,
            });
            self.index.write().mem.fit_and_embed();
            self.embedder_epoch.fetch_add(1, Ordering::AcqRel);
        }
        // Learning needs the whole corpus in memory: not after a pass that streamed.
        let in_memory = self.index.snapshot().segment_count() == 0;
        if rebuild && report.updated > 0 && self.config.learned_related && in_memory {
            // Learned under the shared lock (queries go on), installed under a short write.
            let learned = {
                let index = self.index.snapshot();
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
        // Reading history and checking files leave many small buffers freed; hand back
        // what they held before the workspace is served.
        crate::pool::release_free_memory();
        self.maybe_build_graph();
        // After a prebuilt start the index is saved in any case: it then has this
        // workspace's root and the files' local mtimes, so the next start needs neither.
        let changed = report.updated > 0 || report.removed > 0 || rebuild || prebuilt.is_some();
        if changed && (rebuild || prebuilt.is_some() || self.needs_merge())
            || self.index_file_bytes().is_none()
        {
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
        let index = self.index.upgradable();
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
                let mut index = index.upgrade();
                let generation = index.generation();
                let embedder = index.embedder().clone();
                let mut store = Store::from_segment(Arc::new(segment), embedder);
                store.mem.generation = generation + 1;
                index.replace(store);
            }
            Err(e) => tracing::warn!("the segment just written does not open: {e}"),
        }
        crate::pool::release_free_memory();
        Some(bytes)
    }

    /// Write the index as a portable segment at `out`, keyed by the HEAD commit, for
    /// `prebuilt_index` on other machines. Returns the bytes written.
    pub fn write_prebuilt(&self, out: &Path) -> std::io::Result<u64> {
        let commit = self.git.as_ref().ok().and_then(|g| g.repo.head_sha().ok());
        let index = self.index.snapshot();
        crate::prebuilt::write(&index, commit, out)
    }

    /// Whether the overlay has grown enough to be merged into a new segment: past a tenth
    /// of the segments' chunks, or past the overlay's share of the memory budget, or when
    /// a streamed pass left several segments. Below that, changed files stay in memory: a
    /// restart re-reads the few files whose mtimes the segment does not know, which costs
    /// less than rewriting the whole segment for every saved file.
    pub(crate) fn needs_merge(&self) -> bool {
        let index = self.index.snapshot();
        let overlay_chunks = index.mem.live_chunks + index.mem.tombstones();
        index.segment_count() != 1
            || overlay_chunks * MERGE_SHARE > index.live_chunks()
            || self
                .overlay_cap()
                .is_some_and(|cap| index.mem.memory_bytes() > cap)
    }

    /// How far the overlay may grow during a pass before it is written to a segment: a
    /// fifth of the memory budget (the rest is the walk, the prepared batches in flight,
    /// the caches, the allocator's slack and the writer's bookkeeping; measured on the
    /// scale bench, a third let the pass peak 5% over the budget). `None` without
    /// persistence.
    pub(crate) fn overlay_cap(&self) -> Option<usize> {
        self.index_path
            .as_ref()
            .map(|_| self.config.memory_budget / 5)
    }

    /// Write the overlay to a new segment and serve it from there, so that a pass holds
    /// a bounded overlay however large the workspace. The segment's file is unlinked
    /// once mapped: it lives until the next save merges it, and a crash leaves nothing.
    pub(crate) fn flush_overlay(&self) {
        let Some(dir) = self.index_path.as_ref().and_then(|p| p.parent()) else {
            return;
        };
        if !self.index.snapshot().mem.unembedded.is_empty() {
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
        let index = self.index.upgradable();
        let mut meta = index.segment_meta(&self.root_str, None);
        // The store keeps the embedder, the skipped files and the related words itself and
        // only a saved segment is opened on its own: a copy in every part's metadata (the
        // fitted embedder's weights are megabytes) would grow with the number of parts.
        meta.hashed = None;
        meta.skipped.clear();
        meta.related.clear();
        let written = crate::segment::write::write_segment(&index.overlay_source(), meta, &path)
            .map_err(|e| e.to_string())
            .and_then(|_| Segment::open_written(&path).map_err(|e| e.to_string()));
        let _ = std::fs::remove_file(&path);
        match written {
            Ok(segment) => {
                let mut index = index.upgrade();
                index.flush_into(Arc::new(segment));
            }
            Err(e) => tracing::warn!("could not write part of the index to disk: {e}"),
        }
        crate::pool::release_free_memory();
    }

    pub(crate) fn index_file_bytes(&self) -> Option<u64> {
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
                    .snapshot()
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
}

/// Files prepared per batch between progress reports and lock acquisitions.
pub(crate) const BATCH: usize = 256;

/// What preparing one file gives: the file ready to apply, `None` when its content is
/// unchanged, or why it was skipped.
pub(crate) type Prepared = Result<Option<PreparedFile>, (String, SkipReason)>;

/// Compact once this share of chunk slots are tombstones.
pub(crate) const COMPACT_RATIO: f64 = 0.2;

/// The overlay is merged into a new segment once it holds a tenth as many chunks as the
/// whole index (see `Engine::needs_merge`).
pub(crate) const MERGE_SHARE: usize = 10;

/// The folders above walked files, where `.gitattributes` files may be.
pub(crate) fn walked_folders(found: &walk::WalkResult) -> std::collections::BTreeSet<String> {
    let mut folders = std::collections::BTreeSet::new();
    for f in found.files.iter() {
        let mut path = f.rel_path;
        while let Some((dir, _)) = path.rsplit_once('/') {
            if !folders.insert(dir.to_string()) {
                break; // its ancestors are in already
            }
            path = dir;
        }
    }
    folders
}

/// Whether a file's recorded kind still stands under the current rules (`.gitattributes`
/// edited, or a newer build's classification): the rules are asked by path alone, so a
/// kind only a file's text can give (a generated-code header, a minified file) stands
/// unless the path now says vendored, which comes first. (So a removed
/// `-linguist-generated` override takes effect when the file next changes.)
fn kind_holds(recorded: FileKind, rules: &KindRules, path: &str) -> bool {
    let by_path = rules.kind_of(path, "");
    recorded == by_path || (recorded == FileKind::Generated && by_path != FileKind::Vendored)
}
