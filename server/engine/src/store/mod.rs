//! The index the engine serves: immutable, memory-mapped segments (when any have been
//! written) plus a small in-memory overlay for what changed since, with the segments'
//! replaced or deleted files and chunks marked dead. Every read goes through here, so the
//! rest of the engine does not care where a chunk lives.
//!
//! Chunk ids: each segment takes the next range of ids (`Part::chunk_base`), the overlay's
//! continue after the last one (`Index::first_id`). File ids likewise, with the overlay's
//! marked by `OVERLAY_FILE`. Scores are computed over all of them with shared statistics
//! (live documents, their total length, document frequencies), so a chunk scores the same
//! whichever segment or overlay holds it.
//!
//! Several segments exist while a first pass streams to disk (`flush`); saving merges them
//! into one.

use crate::bm25::{idf_of, top_k};
use crate::chunk::{ChunkKind, Language};
use crate::file_kind::FileKind;
use crate::index::{EmbedderChoice, Index};
use crate::segment::format::VectorLayout;
use crate::segment::{Segment, SegmentMeta};
use crate::vector::VectorIndex;
use crate::walk::SkipReason;
use std::collections::BTreeMap;
use std::sync::Arc;
use xxhash_rust::xxh3::xxh3_64;

mod lexical;
mod part;
mod qualified;
mod snapshot;
mod source;

use part::{set_bit, Part};
pub use snapshot::{SharedStore, StoreUpgradable, StoreWriter};
pub use source::StoreSource;

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

/// File ids: the segments' first, the overlay's after them.
const OVERLAY_FILE: u32 = 1 << 31;

#[derive(Clone)]
pub struct Store {
    /// Segments, oldest first; their id ranges follow each other.
    parts: Vec<Part>,
    /// Everything added since the last segment: edits, new files, editor buffers.
    pub mem: Index,
}

/// BM25 accumulators over store ids.
static SCORES: crate::scratch::Pool<f32> = crate::scratch::Pool::new();

/// What a refresh compares of a file the index holds.
#[derive(Clone, Copy, Debug)]
pub struct FileState {
    pub size: u64,
    pub mtime_ns: u64,
    pub hash: u64,
    pub kind: FileKind,
}

impl Store {
    /// An empty store: everything will live in memory until a segment is written.
    pub fn new(embedder: EmbedderChoice) -> Store {
        Store {
            parts: Vec::new(),
            mem: Index::new(embedder),
        }
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
        Store {
            parts: vec![Part::new(segment, 0, 0)],
            mem,
        }
    }

    /// Move the overlay into `segment`, which was just written from it alone
    /// (`overlay_source`): the segment takes the overlay's place and a new, empty overlay
    /// follows it. Chunk ids of the overlay are renumbered, so the generation moves on.
    pub fn flush_into(&mut self, segment: Arc<Segment>) {
        let chunk_base = self.mem.first_id;
        let file_base = self.parts.last().map_or(0, Part::file_end);
        let mut mem = Index::new(self.mem.embedder.clone());
        mem.first_id = chunk_base + segment.chunk_count() as u32;
        mem.generation = self.mem.generation + 1;
        mem.skipped = std::mem::take(&mut self.mem.skipped);
        mem.related = std::mem::take(&mut self.mem.related);
        self.mem = mem;
        self.parts.push(Part::new(segment, chunk_base, file_base));
    }

    /// How many segments are served.
    pub fn segment_count(&self) -> usize {
        self.parts.len()
    }

    /// Let go of the segments' pages read so far (see `Segment::release_pages`).
    pub fn release_pages(&self) {
        for part in &self.parts {
            part.segment.release_pages();
        }
    }

    pub fn has_segment(&self) -> bool {
        !self.parts.is_empty()
    }

    /// Chunk ids below this belong to segments.
    fn segment_chunks(&self) -> u32 {
        self.parts.last().map_or(0, Part::chunk_end)
    }

    /// The segment holding store chunk `id` (which must be below `segment_chunks`).
    fn part_of_chunk(&self, id: u32) -> Option<&Part> {
        let at = self.parts.partition_point(|p| p.chunk_base <= id);
        self.parts[..at].last().filter(|p| id < p.chunk_end())
    }

    fn part_of_file(&self, file: u32) -> Option<&Part> {
        let at = self.parts.partition_point(|p| p.file_base <= file);
        self.parts[..at].last().filter(|p| file < p.file_end())
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
        self.parts
            .iter()
            .map(|p| p.segment.file_count() - p.dead_file_count)
            .sum::<usize>()
            + self.mem.file_count()
    }

    pub fn live_chunks(&self) -> usize {
        self.parts
            .iter()
            .map(|p| p.segment.chunk_count() - p.dead_chunk_count)
            .sum::<usize>()
            + self.mem.live_chunks
    }

    /// Chunk ids given out, live or not.
    pub fn id_count(&self) -> usize {
        self.mem.id_bound() as usize
    }

    /// Dead chunks still taking space: the overlay's tombstones and the segments' dead rows.
    pub fn tombstones(&self) -> usize {
        self.mem.tombstones() + self.parts.iter().map(|p| p.dead_chunk_count).sum::<usize>()
    }

    /// The segment and local file id of `path`, if a segment holds it live.
    fn segment_file(&self, path: &str) -> Option<(&Part, u32)> {
        self.parts
            .iter()
            .rev()
            .find_map(|p| p.live_file(path).map(|id| (p, id)))
    }

    pub fn contains_file(&self, path: &str) -> bool {
        self.mem.file(path).is_some() || self.segment_file(path).is_some()
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
        let (part, id) = self.segment_file(path)?;
        let row = part.segment.file_rows()[id as usize];
        let (size, mtime_ns) = part.size_and_mtime(id);
        Some(FileInfo {
            size,
            mtime_ns,
            hash: row.hash,
            language: Language::ALL[row.language as usize],
            lines: row.lines,
            chunks: part.file_chunk_ids(id),
        })
    }

    /// A live file's size, mtime, content hash and recorded kind, without copying its
    /// chunk list.
    pub fn file_state(&self, path: &str) -> Option<FileState> {
        if let Some(f) = self.mem.file(path) {
            return Some(FileState {
                size: f.size,
                mtime_ns: f.mtime_ns,
                hash: f.hash,
                kind: f.kind,
            });
        }
        let (part, id) = self.segment_file(path)?;
        let (size, mtime_ns) = part.size_and_mtime(id);
        let row = &part.segment.file_rows()[id as usize];
        Some(FileState {
            size,
            mtime_ns,
            hash: row.hash,
            kind: FileKind::from_u8(row.kind),
        })
    }

    /// The paths of the live files for which `keep` says yes.
    pub fn live_paths_where(&self, keep: impl Fn(&str) -> bool) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for f in self.mem.files.iter().flatten() {
            if keep(&f.path) {
                out.push(f.path.to_string());
            }
        }
        for part in &self.parts {
            for id in 0..part.segment.file_count() as u32 {
                let path = part.segment.file_path(id);
                if !part.file_dead(id) && keep(path) {
                    out.push(path.to_string());
                }
            }
        }
        out
    }

    pub fn chunk(&self, id: u32) -> Option<ChunkRef<'_>> {
        if id >= self.segment_chunks() {
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
        let part = self.part_of_chunk(id)?;
        let local = id - part.chunk_base;
        if part.chunk_dead(local) {
            return None;
        }
        let c = part.segment.chunk(local)?;
        Some(ChunkRef {
            file: part.file_base + c.file,
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
            return self.mem.file_kind(file & !OVERLAY_FILE);
        }
        self.part_of_file(file)
            .and_then(|p| p.segment.file_rows().get((file - p.file_base) as usize))
            .map_or(FileKind::FirstParty, |row| FileKind::from_u8(row.kind))
    }

    /// How many live files there are of each kind, by `FileKind::as_u8`.
    pub fn files_by_kind(&self) -> [usize; FileKind::ALL.len()] {
        let mut counts = [0; FileKind::ALL.len()];
        for f in self.mem.files.iter().flatten() {
            counts[f.kind.as_u8() as usize] += 1;
        }
        for part in &self.parts {
            for (id, row) in part.segment.file_rows().iter().enumerate() {
                if !part.file_dead(id as u32) {
                    counts[FileKind::from_u8(row.kind).as_u8() as usize] += 1;
                }
            }
        }
        counts
    }

    /// The chunks of the file with id `file` (as `ChunkRef::file` gives it).
    pub fn file_chunks(&self, file: u32) -> Vec<u32> {
        if file & OVERLAY_FILE != 0 {
            return self
                .mem
                .files
                .get((file & !OVERLAY_FILE) as usize)
                .and_then(|f| f.as_ref())
                .map_or_else(Vec::new, |f| f.chunks.clone());
        }
        match self.part_of_file(file) {
            Some(part) if !part.file_dead(file - part.file_base) => {
                part.file_chunk_ids(file - part.file_base)
            }
            _ => Vec::new(),
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
            self.part_of_file(chunk.file)
                .map_or("", |p| p.segment.file_path(chunk.file - p.file_base))
        }
    }

    pub fn is_live(&self, id: u32) -> bool {
        if id >= self.segment_chunks() {
            self.mem.is_live(id)
        } else {
            self.part_of_chunk(id)
                .is_some_and(|p| !p.chunk_dead(id - p.chunk_base))
        }
    }

    /// Mark the segment file at `path` and its chunks dead. Returns whether it was live.
    fn kill_segment_file(&mut self, path: &str) -> bool {
        let Some((part, id)) = self
            .parts
            .iter_mut()
            .rev()
            .find_map(|p| p.live_file(path).map(|id| (p, id)))
        else {
            return false;
        };
        set_bit(&mut part.dead_files, id as usize);
        part.dead_file_count += 1;
        part.touched.remove(&id);
        let row = part.segment.file_rows()[id as usize];
        for c in row.first_chunk..row.first_chunk + row.chunk_count {
            if set_bit(&mut part.dead_chunks, c as usize) {
                part.dead_chunk_count += 1;
                let len = part.segment.doc_len(c);
                part.total_len -= len as u64;
                part.live_docs -= u64::from(len > 0);
            }
        }
        true
    }

    /// Put a prepared file in the overlay, replacing what was there under its path.
    pub fn apply(&mut self, file: crate::index::PreparedFile) {
        self.kill_segment_file(&file.path);
        self.mem.apply(file);
    }

    /// Take a file out. Returns whether it was there.
    pub fn remove(&mut self, path: &str) -> bool {
        let in_segment = self.kill_segment_file(path);
        let in_mem = self.mem.remove(path);
        if in_segment && !in_mem {
            self.mem.generation += 1;
        }
        in_segment || in_mem
    }

    /// Record a file's new size and mtime when its content is unchanged.
    pub fn touch(&mut self, path: &str, size: u64, mtime_ns: u64) {
        if self.mem.file(path).is_some() {
            self.mem.touch(path, size, mtime_ns);
            return;
        }
        if let Some((part, id)) = self
            .parts
            .iter_mut()
            .rev()
            .find_map(|p| p.live_file(path).map(|id| (p, id)))
        {
            part.touched.insert(id, (size, mtime_ns));
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
            || self.parts.iter().any(|p| p.segment.term_id(term).is_some())
    }

    /// BM25's inverse document frequency of `term` over the segments and the overlay, or
    /// `None` when no live chunk holds it.
    pub fn term_idf(&self, term: &str) -> Option<f32> {
        let df = self
            .parts
            .iter()
            .map(|p| p.segment.term_id(term).map_or(0, |t| p.live_df(t)))
            .sum::<u64>()
            + self
                .mem
                .bm25
                .term_id(term)
                .map_or(0, |t| self.mem.bm25.df(t));
        let live = self.parts.iter().map(|p| p.live_docs).sum::<u64>() + self.mem.bm25.len() as u64;
        (df > 0).then(|| idf_of(live.max(df), df))
    }

    /// Whether chunk `id` holds `term`.
    pub fn chunk_has_term(&self, id: u32, term: &str) -> bool {
        let first_mem = self.segment_chunks();
        if id >= first_mem {
            return self
                .mem
                .bm25
                .term_id(term)
                .is_some_and(|t| self.mem.bm25.contains(id - first_mem, t));
        }
        self.part_of_chunk(id).is_some_and(|p| {
            p.segment.term_id(term).is_some_and(|t| {
                p.segment
                    .postings(t)
                    .0
                    .binary_search(&(id - p.chunk_base))
                    .is_ok()
            })
        })
    }

    /// Whether `token` spells the compound of a qualified symbol (see
    /// `Index::names_qualified_symbol`), in a segment or the overlay.
    pub fn names_qualified_symbol(&self, token: &str) -> bool {
        if self.mem.names_qualified_symbol(token) {
            return true;
        }
        let hash = xxh3_64(token.as_bytes());
        self.parts.iter().any(|p| {
            p.qualified
                .get_or_init(|| {
                    let segment = &p.segment;
                    let keys: Vec<u64> = (0..segment.chunk_count() as u32)
                        .filter_map(|c| segment.chunk(c).and_then(|c| c.symbol))
                        .filter_map(crate::index::qualified_symbol_keys)
                        .flatten()
                        .collect();
                    qualified::QualifiedFilter::new(&keys)
                })
                .may_contain(hash)
        })
    }

    /// Exact vector search over the segments and the overlay: the `k` most similar chunks
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
        if self.parts.is_empty() {
            return found;
        }
        let (codes, scale) = crate::vector::quant::quantise(query);
        for part in &self.parts {
            let base = part.chunk_base;
            let keep_local = |local: u32| !part.chunk_dead(local) && keep(base + local);
            found.extend(
                part.segment
                    .search_vectors(&codes, k, &keep_local)
                    .into_iter()
                    .map(|(local, s)| (base + local, (s * scale).clamp(-1.0, 1.0))),
            );
        }
        top_k(&mut found, k);
        found
    }

    /// The quantised vector of a chunk, for tests comparing stores.
    #[cfg(test)]
    pub fn store_vector(&self, id: u32) -> Option<(Vec<i8>, f32)> {
        self.vector_codes(id)
    }

    /// The quantised vector of a chunk.
    fn vector_codes(&self, id: u32) -> Option<(Vec<i8>, f32)> {
        if id >= self.segment_chunks() {
            self.mem.vectors.codes(id)
        } else {
            let part = self.part_of_chunk(id)?;
            part.segment.vector(id - part.chunk_base)
        }
    }

    /// Approximate heap bytes held: the overlay and the bookkeeping over the segments (the
    /// segments themselves are file-backed). Chunks waiting for the embedder's fit count
    /// with the vectors they are about to get: a pass's first flush fits and embeds them all
    /// at once, and its cap would otherwise be passed by their whole size.
    pub fn memory_bytes(&self) -> usize {
        let pending_vectors =
            self.mem.unembedded.len() * (self.embedder().dim() + 2 * std::mem::size_of::<f32>());
        self.mem.memory_bytes()
            + pending_vectors
            + self
                .parts
                .iter()
                .map(|p| (p.dead_chunks.len() + p.dead_files.len()) * 8 + p.touched.len() * 24)
                .sum::<usize>()
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
}
