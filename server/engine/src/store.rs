//! The index the engine serves: an immutable, memory-mapped segment (when one has been
//! written) plus a small in-memory overlay for what changed since, with the segment's
//! replaced or deleted files and chunks marked dead. Every read goes through here, so the
//! rest of the engine does not care where a chunk lives.
//!
//! Chunk ids: `0..segment chunks` are the segment's, the overlay's continue after them
//! (`Index::first_id`). Scores are computed over both with shared statistics (live
//! documents, their total length, document frequencies), so a chunk scores the same
//! whether it sits in the segment or the overlay.

use crate::bm25::{idf_of, term_score, top_k, K1};
use crate::chunk::{ChunkKind, Language};
use crate::file_kind::FileKind;
use crate::index::{EmbedderChoice, Index};
use crate::segment::format::VectorLayout;
use crate::segment::write::{SegmentSource, SourceChunk, SourceFile};
use crate::segment::{Segment, SegmentMeta};
use crate::vector::VectorIndex;
use crate::walk::SkipReason;
use std::collections::BTreeMap;
use std::sync::Arc;
use xxhash_rust::xxh3::xxh3_64;

/// A chunk, wherever it is stored.
#[derive(Clone, Copy, Debug)]
pub struct ChunkRef<'a> {
    pub file: u32,
    pub start_line: u32,
    pub end_line: u32,
    pub symbol: Option<&'a str>,
    pub kind: ChunkKind,
    pub language: Language,
    pub hash: u64,
    pub snippet: Option<&'a str>,
}

/// A file, wherever it is stored.
#[derive(Clone, Debug)]
pub struct FileInfo {
    pub size: u64,
    pub mtime_ns: u64,
    pub hash: u64,
    pub language: Language,
    pub lines: u32,
    pub chunks: Vec<u32>,
}

/// File ids: the segment's first, the overlay's after them.
const OVERLAY_FILE: u32 = 1 << 31;

pub struct Store {
    base: Option<Arc<Segment>>,
    /// Per segment chunk: replaced or deleted since the segment was written.
    dead_chunks: Vec<u64>,
    dead_files: Vec<u64>,
    dead_chunk_count: usize,
    dead_file_count: usize,
    /// Live segment chunks with any token, and their total length.
    base_live_docs: u64,
    base_total_len: u64,
    /// New size and mtime of segment files whose content did not change.
    touched: foldhash::HashMap<u32, (u64, u64)>,
    /// Everything added since the segment: edits, new files, editor buffers.
    pub mem: Index,
    /// Compounds of the segment's qualified symbols (see `Index::names_qualified_symbol`).
    base_qualified: std::sync::OnceLock<foldhash::HashSet<u64>>,
}

fn bit(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
}

fn set_bit(bits: &mut [u64], i: usize) -> bool {
    match bits.get_mut(i / 64) {
        Some(w) if *w & (1 << (i % 64)) == 0 => {
            *w |= 1 << (i % 64);
            true
        }
        _ => false,
    }
}

/// BM25 accumulators over segment + overlay ids.
static SCORES: crate::scratch::Pool<f32> = crate::scratch::Pool::new();

impl Store {
    /// An empty store: everything will live in memory until a segment is written.
    pub fn new(embedder: EmbedderChoice) -> Store {
        Store::with_base(None, Index::new(embedder))
    }

    /// Serve `segment`, with an empty overlay. `embedder` is the engine's choice; the
    /// segment's fitted hashed embedder replaces an unfitted one.
    pub fn from_segment(segment: Arc<Segment>, embedder: EmbedderChoice) -> Store {
        let embedder = match (&embedder, &segment.meta.hashed) {
            (EmbedderChoice::Hashed(_), Some(h)) => EmbedderChoice::Hashed(h.clone()),
            _ => embedder,
        };
        let mut mem = Index::new(embedder);
        mem.first_id = segment.chunk_count() as u32;
        mem.generation = segment.meta.generation;
        mem.skipped = segment.meta.skipped.clone();
        mem.related =
            crate::related::RelatedWords::from_bytes(&segment.meta.related).unwrap_or_default();
        Store::with_base(Some(segment), mem)
    }

    fn with_base(base: Option<Arc<Segment>>, mem: Index) -> Store {
        let (chunks, files, live_docs, total_len) = base.as_ref().map_or((0, 0, 0, 0), |s| {
            (
                s.chunk_count(),
                s.file_count(),
                s.meta.live_docs,
                s.meta.total_len,
            )
        });
        Store {
            base,
            dead_chunks: vec![0; chunks.div_ceil(64)],
            dead_files: vec![0; files.div_ceil(64)],
            dead_chunk_count: 0,
            dead_file_count: 0,
            base_live_docs: live_docs,
            base_total_len: total_len,
            touched: Default::default(),
            mem,
            base_qualified: Default::default(),
        }
    }

    pub fn segment(&self) -> Option<&Arc<Segment>> {
        self.base.as_ref()
    }

    fn base_chunks(&self) -> u32 {
        self.base.as_ref().map_or(0, |s| s.chunk_count() as u32)
    }

    pub fn generation(&self) -> u64 {
        self.mem.generation
    }

    pub fn embedder(&self) -> &EmbedderChoice {
        &self.mem.embedder
    }

    pub fn skipped(&self) -> &BTreeMap<String, SkipReason> {
        &self.mem.skipped
    }

    pub fn file_count(&self) -> usize {
        self.base.as_ref().map_or(0, |s| s.file_count()) - self.dead_file_count
            + self.mem.file_count()
    }

    pub fn live_chunks(&self) -> usize {
        self.base_chunks() as usize - self.dead_chunk_count + self.mem.live_chunks
    }

    /// Chunk ids given out, live or not.
    pub fn id_count(&self) -> usize {
        self.mem.id_bound() as usize
    }

    /// Dead chunks still taking space: the overlay's tombstones and the segment's dead rows.
    pub fn tombstones(&self) -> usize {
        self.mem.tombstones() + self.dead_chunk_count
    }

    /// The segment's file id of `path`, if it is there and not replaced.
    fn base_file(&self, path: &str) -> Option<(&Segment, u32)> {
        let base = self.base.as_deref()?;
        let id = base.file_id(path)?;
        (!bit(&self.dead_files, id as usize)).then_some((base, id))
    }

    pub fn contains_file(&self, path: &str) -> bool {
        self.mem.file(path).is_some() || self.base_file(path).is_some()
    }

    pub fn file(&self, path: &str) -> Option<FileInfo> {
        if let Some(f) = self.mem.file(path) {
            return Some(FileInfo {
                size: f.size,
                mtime_ns: f.mtime_ns,
                hash: f.hash,
                language: f.language,
                lines: f.lines,
                chunks: f.chunks.clone(),
            });
        }
        let (base, id) = self.base_file(path)?;
        let row = base.file_rows()[id as usize];
        let (size, mtime_ns) = self
            .touched
            .get(&id)
            .copied()
            .unwrap_or((row.size, row.mtime_ns));
        Some(FileInfo {
            size,
            mtime_ns,
            hash: row.hash,
            language: Language::ALL[row.language as usize],
            lines: row.lines,
            chunks: (row.first_chunk..row.first_chunk + row.chunk_count).collect(),
        })
    }

    /// Every live file: path, size, mtime and content hash.
    pub fn file_states(&self) -> Vec<(String, u64, u64, u64)> {
        let mut out: Vec<(String, u64, u64, u64)> = self
            .mem
            .files
            .iter()
            .flatten()
            .map(|f| (f.path.to_string(), f.size, f.mtime_ns, f.hash))
            .collect();
        if let Some(base) = &self.base {
            for (id, row) in base.file_rows().iter().enumerate() {
                if bit(&self.dead_files, id) {
                    continue;
                }
                let (size, mtime) = self
                    .touched
                    .get(&(id as u32))
                    .copied()
                    .unwrap_or((row.size, row.mtime_ns));
                out.push((base.file_path(id as u32).to_string(), size, mtime, row.hash));
            }
        }
        out
    }

    pub fn chunk(&self, id: u32) -> Option<ChunkRef<'_>> {
        if id >= self.base_chunks() {
            let c = self.mem.chunk(id)?;
            return Some(ChunkRef {
                file: OVERLAY_FILE | c.file,
                start_line: c.start_line,
                end_line: c.end_line,
                symbol: c.symbol.as_deref(),
                kind: c.kind,
                language: c.language,
                hash: c.hash,
                snippet: c.snippet.as_deref(),
            });
        }
        if bit(&self.dead_chunks, id as usize) {
            return None;
        }
        let c = self.base.as_ref()?.chunk(id)?;
        Some(ChunkRef {
            file: c.file,
            start_line: c.start_line,
            end_line: c.end_line,
            symbol: c.symbol,
            kind: c.kind,
            language: c.language,
            hash: c.hash,
            snippet: c.snippet,
        })
    }

    /// The kind of the file with id `file` (as `ChunkRef::file` gives it).
    pub fn file_kind(&self, file: u32) -> FileKind {
        if file & OVERLAY_FILE != 0 {
            self.mem.file_kind(file & !OVERLAY_FILE)
        } else {
            self.base
                .as_ref()
                .and_then(|b| b.file_rows().get(file as usize))
                .map_or(FileKind::FirstParty, |row| FileKind::from_u8(row.kind))
        }
    }

    /// How many live files there are of each kind, by `FileKind::as_u8`.
    pub fn files_by_kind(&self) -> [usize; FileKind::ALL.len()] {
        let mut counts = [0; FileKind::ALL.len()];
        for f in self.mem.files.iter().flatten() {
            counts[f.kind.as_u8() as usize] += 1;
        }
        if let Some(base) = &self.base {
            for (id, row) in base.file_rows().iter().enumerate() {
                if !bit(&self.dead_files, id) {
                    counts[FileKind::from_u8(row.kind).as_u8() as usize] += 1;
                }
            }
        }
        counts
    }

    /// The chunks of the file with id `file` (as `ChunkRef::file` gives it).
    pub fn file_chunks(&self, file: u32) -> Vec<u32> {
        if file & OVERLAY_FILE != 0 {
            self.mem
                .files
                .get((file & !OVERLAY_FILE) as usize)
                .and_then(|f| f.as_ref())
                .map_or_else(Vec::new, |f| f.chunks.clone())
        } else {
            match self
                .base
                .as_ref()
                .and_then(|b| b.file_rows().get(file as usize))
            {
                Some(row) if !bit(&self.dead_files, file as usize) => {
                    (row.first_chunk..row.first_chunk + row.chunk_count).collect()
                }
                _ => Vec::new(),
            }
        }
    }

    pub fn path_of(&self, chunk: &ChunkRef) -> &str {
        if chunk.file & OVERLAY_FILE != 0 {
            self.mem
                .files
                .get((chunk.file & !OVERLAY_FILE) as usize)
                .and_then(|f| f.as_ref())
                .map_or("", |f| &f.path)
        } else {
            self.base.as_ref().map_or("", |b| b.file_path(chunk.file))
        }
    }

    pub fn is_live(&self, id: u32) -> bool {
        if id >= self.base_chunks() {
            self.mem.is_live(id)
        } else {
            !bit(&self.dead_chunks, id as usize)
        }
    }

    /// Mark a segment file and its chunks dead. Returns whether it was live.
    fn kill_base_file(&mut self, path: &str) -> bool {
        let Some(base) = self.base.clone() else {
            return false;
        };
        let Some(id) = base.file_id(path) else {
            return false;
        };
        if !set_bit(&mut self.dead_files, id as usize) {
            return false;
        }
        self.dead_file_count += 1;
        self.touched.remove(&id);
        let row = base.file_rows()[id as usize];
        for c in row.first_chunk..row.first_chunk + row.chunk_count {
            if set_bit(&mut self.dead_chunks, c as usize) {
                self.dead_chunk_count += 1;
                let len = base.doc_len(c);
                self.base_total_len -= len as u64;
                self.base_live_docs -= u64::from(len > 0);
            }
        }
        true
    }

    /// Put a prepared file in the overlay, replacing what was there under its path.
    pub fn apply(&mut self, file: crate::index::PreparedFile) {
        self.kill_base_file(&file.path);
        self.mem.apply(file);
    }

    /// Take a file out. Returns whether it was there.
    pub fn remove(&mut self, path: &str) -> bool {
        let in_base = self.kill_base_file(path);
        let in_mem = self.mem.remove(path);
        if in_base && !in_mem {
            self.mem.generation += 1;
        }
        in_base || in_mem
    }

    /// Record a file's new size and mtime when its content is unchanged.
    pub fn touch(&mut self, path: &str, size: u64, mtime_ns: u64) {
        if self.mem.file(path).is_some() {
            self.mem.touch(path, size, mtime_ns);
        } else if let Some((_, id)) = self.base_file(path) {
            self.touched.insert(id, (size, mtime_ns));
        }
    }

    pub fn skip(&mut self, path: &str, reason: SkipReason) {
        self.remove(path);
        self.mem.skipped.insert(path.to_string(), reason);
    }

    pub fn forget_skipped(&mut self, path: &str) {
        self.mem.skipped.remove(path);
    }

    /// Whether the lexical index knows `term`.
    pub fn knows_term(&self, term: &str) -> bool {
        self.mem.bm25.term_id(term).is_some()
            || self
                .base
                .as_ref()
                .is_some_and(|b| b.term_id(term).is_some())
    }

    /// BM25's inverse document frequency of `term` over the segment and the overlay, or
    /// `None` when no chunk holds it. Replaced segment chunks still count here (the search
    /// skips them): close enough for weighing a question's words against each other.
    pub fn term_idf(&self, term: &str) -> Option<f32> {
        let base_df = self.base.as_ref().map_or(0, |b| {
            b.term_id(term).map_or(0, |t| b.postings(t).0.len() as u64)
        });
        let mem_df = self.mem.bm25.term_id(term).map_or(0, |t| self.mem.bm25.df(t));
        let df = base_df + mem_df;
        let live = self.base_live_docs + self.mem.bm25.len() as u64;
        (df > 0).then(|| idf_of(live.max(df), df))
    }

    /// Whether chunk `id` holds `term`.
    pub fn chunk_has_term(&self, id: u32, term: &str) -> bool {
        let base_n = self.base_chunks();
        if id >= base_n {
            return self
                .mem
                .bm25
                .term_id(term)
                .is_some_and(|t| self.mem.bm25.contains(id - base_n, t));
        }
        self.base.as_ref().is_some_and(|b| {
            b.term_id(term)
                .is_some_and(|t| b.postings(t).0.binary_search(&id).is_ok())
        })
    }

    /// Whether `token` spells the compound of a qualified symbol (see
    /// `Index::names_qualified_symbol`), in the segment or the overlay.
    pub fn names_qualified_symbol(&self, token: &str) -> bool {
        if self.mem.names_qualified_symbol(token) {
            return true;
        }
        let Some(base) = &self.base else {
            return false;
        };
        self.base_qualified
            .get_or_init(|| {
                (0..base.chunk_count() as u32)
                    .filter_map(|c| base.chunk(c).and_then(|c| c.symbol))
                    .filter_map(crate::index::qualified_symbol_keys)
                    .flatten()
                    .collect()
            })
            .contains(&xxh3_64(token.as_bytes()))
    }

    /// BM25 over the segment and the overlay with shared statistics: the `k` best chunks for
    /// the weighted terms that pass `keep`, best first.
    pub fn lexical_search(
        &self,
        terms: &[(&str, f32)],
        k: usize,
        keep: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        let bm25 = &self.mem.bm25;
        let base_n = self.base_chunks();
        let live = self.base_live_docs + bm25.len() as u64;
        let total = self.base_total_len + bm25.total_len();
        let avg_len = if live == 0 {
            1.0
        } else {
            (total as f32 / live as f32).max(1.0)
        };
        let inv_avg = 1.0 / avg_len;
        // Float sums: one fixed order of terms makes a score a function of the set of terms.
        let mut terms = terms.to_vec();
        terms.sort_by(|a, b| a.0.cmp(b.0).then(a.1.total_cmp(&b.1)));
        SCORES.with(self.id_count(), |acc| {
            let crate::scratch::Accumulator {
                values: scores,
                touched,
            } = acc;
            let mut add = |doc: u32, tf: u16, len: u32, idf: f32| {
                let slot = &mut scores[doc as usize];
                if *slot == 0.0 {
                    touched.push(doc);
                }
                *slot += term_score(idf, tf, len, inv_avg);
            };
            for &(term, weight) in &terms {
                let hash = xxh3_64(term.as_bytes());
                let base_term = self
                    .base
                    .as_ref()
                    .and_then(|b| b.term_id_hashed(term, hash).map(|t| (b, t)));
                let mem_term = bm25.term_id(term);
                // Live postings only, so a score does not depend on whether dead chunks
                // have been merged away yet.
                let base_df = base_term.map_or(0, |(b, t)| {
                    let docs = b.postings(t).0;
                    if self.dead_chunk_count == 0 {
                        docs.len() as u64
                    } else {
                        docs.iter()
                            .filter(|&&d| !bit(&self.dead_chunks, d as usize))
                            .count() as u64
                    }
                });
                let mem_df = mem_term.map_or(0, |t| {
                    if self.mem.tombstones() == 0 {
                        bm25.df(t)
                    } else {
                        let docs = bm25.postings(t).0;
                        docs.iter().filter(|&&d| bm25.doc_len(d) > 0).count() as u64
                    }
                });
                let df = base_df + mem_df;
                if df == 0 {
                    continue;
                }
                let idf = idf_of(live, df) * weight * (K1 + 1.0);
                if let Some((b, t)) = base_term {
                    let (docs, freqs) = b.postings(t);
                    let lens = b.doc_lens();
                    let any_dead = self.dead_chunk_count > 0;
                    for (&doc, &tf) in docs.iter().zip(freqs) {
                        let len = lens[doc as usize];
                        if len == 0 || (any_dead && bit(&self.dead_chunks, doc as usize)) {
                            continue;
                        }
                        add(doc, tf, len, idf);
                    }
                }
                if let Some(t) = mem_term {
                    let (docs, freqs) = bm25.postings(t);
                    for (&local, &tf) in docs.iter().zip(freqs) {
                        let len = bm25.doc_len(local);
                        if len == 0 {
                            continue; // removed
                        }
                        add(base_n + local, tf, len, idf);
                    }
                }
            }
            let mut ranked: Vec<(u32, f32)> = Vec::with_capacity(touched.len());
            for &doc in touched.iter() {
                let slot = &mut scores[doc as usize];
                if *slot > 0.0 && keep(doc) {
                    ranked.push((doc, *slot));
                }
                *slot = 0.0;
            }
            touched.clear();
            top_k(&mut ranked, k);
            ranked
        })
    }

    /// Exact vector search over the segment and the overlay: the `k` most similar chunks
    /// that pass `keep`, with cosine similarity, best first. Only chunks with a positive
    /// similarity are candidates.
    pub fn vector_search(
        &self,
        query: &[f32],
        k: usize,
        keep: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        let mut found: Vec<(u32, f32)> = self
            .mem
            .vectors
            .search(query, k, keep)
            .into_iter()
            .filter(|&(_, s)| s > 0.0)
            .collect();
        if let Some(base) = &self.base {
            let (codes, scale) = crate::vector::quant::quantise(query);
            let keep_base = |id: u32| !bit(&self.dead_chunks, id as usize) && keep(id);
            found.extend(
                base.search_vectors(&codes, k, &keep_base)
                    .into_iter()
                    .map(|(id, s)| (id, (s * scale).clamp(-1.0, 1.0))),
            );
            top_k(&mut found, k);
        }
        found
    }

    /// The quantised vector of a chunk, for tests comparing stores.
    #[cfg(test)]
    pub fn store_vector(&self, id: u32) -> Option<(Vec<i8>, f32)> {
        self.vector_codes(id)
    }

    /// The quantised vector of a chunk.
    fn vector_codes(&self, id: u32) -> Option<(Vec<i8>, f32)> {
        if id >= self.base_chunks() {
            self.mem.vectors.codes(id)
        } else {
            self.base.as_ref()?.vector(id)
        }
    }

    /// Approximate heap bytes held: the overlay and the bookkeeping over the segment (the
    /// segment itself is file-backed).
    pub fn memory_bytes(&self) -> usize {
        self.mem.memory_bytes()
            + (self.dead_chunks.len() + self.dead_files.len()) * 8
            + self.touched.len() * 24
    }

    /// What a segment written from this store says about itself (counts are the writer's).
    pub fn segment_meta(&self, root: &str, commit: Option<String>) -> SegmentMeta {
        let embedder = self.embedder();
        SegmentMeta {
            root: root.to_string(),
            embedder: embedder.name(),
            generation: self.generation(),
            dim: embedder.dim(),
            layout: match embedder {
                EmbedderChoice::Hashed(_) => VectorLayout::Sparse,
                EmbedderChoice::Static(_) => VectorLayout::Dense,
            },
            hashed: match embedder {
                EmbedderChoice::Hashed(h) => Some(h.clone()),
                EmbedderChoice::Static(_) => None,
            },
            skipped: self.mem.skipped.clone(),
            related: self.mem.related.to_bytes(),
            commit,
            files: 0,
            chunks: 0,
            terms: 0,
            postings: 0,
            total_len: 0,
            live_docs: 0,
        }
    }

    /// A view for the segment writer: this store's live content, merged.
    pub fn source(&self) -> StoreSource<'_> {
        let base_terms = self.base.as_ref().map_or(0, |b| b.term_count());
        // Overlay terms the segment does not know get term numbers after the segment's.
        let extra_terms = (0..self.mem.bm25.term_count() as u32)
            .filter(|&t| {
                let term = self.mem.bm25.term(t);
                self.base
                    .as_ref()
                    .is_none_or(|b| b.term_id_hashed(term, self.mem.bm25.term_hash(t)).is_none())
            })
            .collect();
        StoreSource {
            store: self,
            base_terms,
            extra_terms,
        }
    }
}

/// `Store` as a `SegmentSource`: the segment's live files and terms first, then the
/// overlay's.
pub struct StoreSource<'a> {
    store: &'a Store,
    base_terms: usize,
    extra_terms: Vec<u32>,
}

impl SegmentSource for StoreSource<'_> {
    fn files(&self) -> Vec<SourceFile<'_>> {
        let s = self.store;
        let mut out = Vec::new();
        if let Some(base) = &s.base {
            for (id, row) in base.file_rows().iter().enumerate() {
                if bit(&s.dead_files, id) {
                    continue;
                }
                let (size, mtime_ns) = s
                    .touched
                    .get(&(id as u32))
                    .copied()
                    .unwrap_or((row.size, row.mtime_ns));
                out.push(SourceFile {
                    path: base.file_path(id as u32),
                    size,
                    mtime_ns,
                    hash: row.hash,
                    language: Language::ALL[row.language as usize],
                    lines: row.lines,
                    kind: row.kind,
                    chunks: (row.first_chunk..row.first_chunk + row.chunk_count).collect(),
                });
            }
        }
        for f in s.mem.files.iter().flatten() {
            out.push(SourceFile {
                path: &f.path,
                size: f.size,
                mtime_ns: f.mtime_ns,
                hash: f.hash,
                language: f.language,
                lines: f.lines,
                kind: f.kind.as_u8(),
                chunks: f.chunks.clone(),
            });
        }
        out
    }

    fn id_bound(&self) -> u32 {
        self.store.id_count() as u32
    }

    fn chunk(&self, id: u32) -> Option<SourceChunk<'_>> {
        let s = self.store;
        let c = s.chunk(id)?;
        let base_n = s.base_chunks();
        let len = if id >= base_n {
            s.mem.bm25.doc_len(id - base_n)
        } else {
            s.base.as_ref().map_or(0, |b| b.doc_len(id))
        };
        Some(SourceChunk {
            start_line: c.start_line,
            end_line: c.end_line,
            symbol: c.symbol,
            snippet: c.snippet,
            kind: c.kind,
            language: c.language,
            hash: c.hash,
            len,
        })
    }

    fn term_count(&self) -> usize {
        self.base_terms + self.extra_terms.len()
    }

    fn term(&self, i: usize) -> (&str, u64) {
        let s = self.store;
        match s.base.as_ref().filter(|_| i < self.base_terms) {
            Some(b) => (b.term(i as u32), b.term_hash(i as u32)),
            None => {
                let t = self.extra_terms[i - self.base_terms];
                (s.mem.bm25.term(t), s.mem.bm25.term_hash(t))
            }
        }
    }

    fn postings(&self, i: usize, f: &mut dyn FnMut(u32, u16)) {
        let s = self.store;
        let base_n = s.base_chunks();
        let (term, hash) = self.term(i);
        if i < self.base_terms {
            if let Some(b) = &s.base {
                let (docs, freqs) = b.postings(i as u32);
                for (&doc, &tf) in docs.iter().zip(freqs) {
                    if !bit(&s.dead_chunks, doc as usize) {
                        f(doc, tf);
                    }
                }
            }
        }
        let mem_term = if i < self.base_terms {
            s.mem
                .bm25
                .term_id(term)
                .filter(|&t| s.mem.bm25.term_hash(t) == hash)
        } else {
            Some(self.extra_terms[i - self.base_terms])
        };
        if let Some(t) = mem_term {
            let (docs, freqs) = s.mem.bm25.postings(t);
            for (&local, &tf) in docs.iter().zip(freqs) {
                if s.mem.bm25.doc_len(local) > 0 {
                    f(base_n + local, tf);
                }
            }
        }
    }

    fn vector(&self, id: u32) -> Option<(Vec<i8>, f32)> {
        self.store.vector_codes(id)
    }
}
