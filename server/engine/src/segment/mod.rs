//! Immutable index segments, memory-mapped and read in place.
//!
//! A segment holds a set of files and their chunks in a layout searched as it lies on disk:
//! the vocabulary behind an open-addressing table, postings as compressed sparse rows, the
//! chunk and file tables as fixed-width rows with their strings in one section, and the
//! vectors (sparse by dimension for the hashed embedder, dense rows for a static model).
//! Opening maps the file and checks the header, every section's checksum and the structure
//! without copying anything to the heap but the small metadata, so memory that grows with
//! the workspace is file-backed: the kernel's to page in and drop.
//!
//! See `format` for the layout and `write` for how a segment is made.

pub mod format;
pub mod write;
mod write_parts;

use crate::chunk::{ChunkKind, Language};
use crate::embed::hashed::HashedTfIdf;
use crate::index_file::IndexFileError;
use crate::scratch::WINDOW;
use crate::walk::SkipReason;
use format::*;
use memmap2::Mmap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::xxh3_64;

/// What a segment says about itself (the one section decoded at open).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SegmentMeta {
    /// The workspace root the segment was built for (paths inside are relative to it).
    pub root: String,
    pub embedder: String,
    pub generation: u64,
    pub dim: usize,
    pub layout: VectorLayout,
    /// The fitted hashed embedder, so vectors added later stay comparable.
    pub hashed: Option<HashedTfIdf>,
    pub skipped: BTreeMap<String, SkipReason>,
    /// The related words learned from the workspace (`RelatedWords::to_bytes`).
    pub related: Vec<u8>,
    /// The HEAD commit the workspace was at, when known (prebuilt segments are keyed by it).
    pub commit: Option<String>,
    pub files: u32,
    pub chunks: u32,
    pub terms: u32,
    pub postings: u64,
    /// Sum of the chunks' token lengths, and how many chunks have any token.
    pub total_len: u64,
    pub live_docs: u64,
}

/// Why a segment file was not used.
#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    #[error("no segment")]
    Missing,
    #[error("segment unreadable: {0}")]
    Io(#[from] std::io::Error),
    #[error("segment is not a regular file")]
    NotRegular,
    #[error("segment is corrupt: {0}")]
    Corrupt(String),
    #[error("segment has format version {0}, this build reads {VERSION}")]
    OldFormat(u32),
    #[error("segment was built for {found}, not {expected}")]
    Mismatch { found: String, expected: String },
}

fn corrupt(what: impl Into<String>) -> SegmentError {
    SegmentError::Corrupt(what.into())
}

/// Integer sums for the sparse vector scan, one slot per chunk of a window.
static VECTOR_SUMS: crate::scratch::Pool<i32> = crate::scratch::Pool::new();

/// The sparse scan lists the slots it touches when the query's entries number less than
/// one in this many chunks; otherwise it reads every slot.
const SPARSE_SCAN_SHARE: usize = 8;

/// Where a touched slot of the listing scan starts (see `search_vectors`). A product of two
/// codes is at most 128 * 128 in size, so fewer than `MAX_BIASED_TERMS` of them never
/// bring a biased slot to zero or overflow it.
const SUM_BIAS: i32 = 1 << 30;
const MAX_BIASED_TERMS: usize = (SUM_BIAS as usize) / (128 * 128);

/// One chunk as stored, with its strings borrowed from the mapping.
#[derive(Clone, Copy, Debug)]
pub struct SegmentChunk<'a> {
    pub file: u32,
    pub start_line: u32,
    pub end_line: u32,
    pub symbol: Option<&'a str>,
    pub snippet: Option<&'a str>,
    pub kind: ChunkKind,
    pub language: Language,
    pub hash: u64,
}

/// An open, checked segment.
pub struct Segment {
    map: Mmap,
    sections: [Range<usize>; SECTIONS],
    pub meta: SegmentMeta,
    path: PathBuf,
}

impl std::fmt::Debug for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segment")
            .field("path", &self.path)
            .field("files", &self.meta.files)
            .field("chunks", &self.meta.chunks)
            .finish()
    }
}

impl Segment {
    /// Map and check the segment at `path`. Only a regular file is opened, without
    /// blocking (a named pipe in its place is refused at once).
    pub fn open(path: &Path) -> Result<Segment, SegmentError> {
        Segment::open_checked(path, true)
    }

    /// `open` for a segment this process has just written and synced: the header and the
    /// section sizes are checked, but the contents are not read through again (which would
    /// page the whole file in for nothing).
    pub fn open_written(path: &Path) -> Result<Segment, SegmentError> {
        Segment::open_checked(path, false)
    }

    fn open_checked(path: &Path, deep: bool) -> Result<Segment, SegmentError> {
        if cfg!(target_endian = "big") {
            return Err(corrupt("segments are little-endian"));
        }
        let file = match crate::index_file::open_index_file(path) {
            Ok((file, _)) => file,
            Err(IndexFileError::Missing) => return Err(SegmentError::Missing),
            Err(IndexFileError::NotRegular) => return Err(SegmentError::NotRegular),
            Err(IndexFileError::Io(e)) => return Err(SegmentError::Io(e)),
        };
        // Safety: the mapping is read-only and segment files are never written in place
        // (a new segment is written to a temporary file and renamed over the old path, which
        // leaves this mapping on the old inode).
        let map = unsafe { Mmap::map(&file)? };
        #[cfg(unix)]
        let _ = map.advise(memmap2::Advice::Random);
        let sections = check_header(&map)?;
        check_gaps(&map, &sections)?;
        for (i, range) in sections.iter().enumerate().filter(|_| deep) {
            let expected = u64::from_le_bytes(
                map[16 + i * 24 + 16..16 + i * 24 + 24]
                    .try_into()
                    .map_err(|_| corrupt("header"))?,
            );
            if xxh3_64(&map[range.clone()]) != expected {
                return Err(corrupt(format!("section {i} fails its checksum")));
            }
        }
        let meta: SegmentMeta =
            postcard::from_bytes(&map[sections[Section::Meta as usize].clone()])
                .map_err(|e| corrupt(format!("metadata: {e}")))?;
        let segment = Segment {
            map,
            sections,
            meta,
            path: path.to_path_buf(),
        };
        segment.validate(deep)?;
        if deep {
            // Checking read every page: a large index would otherwise start with all of
            // it resident.
            segment.release_pages();
        }
        Ok(segment)
    }

    /// Drop this process's hold on the pages read so far. They leave its resident set and
    /// stay in the page cache, so reading them again costs a page fault, not a disk read.
    pub fn release_pages(&self) {
        #[cfg(unix)]
        // SAFETY: the mapping is read-only and shared, over a file never written in place
        // (see `open_checked`): dropping its pages only makes the next read fault them in
        // again from the same file. No reference into the mapping is invalidated.
        let _ = unsafe {
            self.map
                .unchecked_advise(memmap2::UncheckedAdvice::DontNeed)
        };
    }

    /// `open`, then check that the segment was built for this workspace root with this
    /// embedder.
    pub fn open_for(path: &Path, root: &str, embedder: &str) -> Result<Segment, SegmentError> {
        let segment = Segment::open(path)?;
        if segment.meta.root != root {
            return Err(SegmentError::Mismatch {
                found: segment.meta.root.clone(),
                expected: root.to_string(),
            });
        }
        if segment.meta.embedder != embedder {
            return Err(SegmentError::Mismatch {
                found: segment.meta.embedder.clone(),
                expected: embedder.to_string(),
            });
        }
        Ok(segment)
    }

    fn bytes(&self, section: Section) -> &[u8] {
        &self.map[self.sections[section as usize].clone()]
    }

    fn slice<T: bytemuck::Pod>(&self, section: Section) -> &[T] {
        // Sections are 8-aligned in a page-aligned mapping and their lengths were checked
        // to be whole rows in `validate`.
        bytemuck::cast_slice(self.bytes(section))
    }

    /// Check that every section has the size the metadata implies and that every offset
    /// points inside its target, so that later reads can index without checking.
    fn validate(&self, deep: bool) -> Result<(), SegmentError> {
        let m = &self.meta;
        let (files, chunks, terms) = (m.files as usize, m.chunks as usize, m.terms as usize);
        let sized = |section: Section, row: usize, count: usize| -> Result<(), SegmentError> {
            let len = self.sections[section as usize].len();
            if len != row * count {
                return Err(corrupt(format!(
                    "section {section:?} holds {len} bytes, expected {}",
                    row * count
                )));
            }
            Ok(())
        };
        // A table has its home slots and at most one overflow slot per entry.
        let table_sized = |section: Section, entries: usize| -> Result<(), SegmentError> {
            let len = self.sections[section as usize].len();
            let home = table_len(entries) * 4;
            if len % 4 != 0 || len < home || len > home + entries * 4 {
                return Err(corrupt(format!("section {section:?} holds {len} bytes")));
            }
            Ok(())
        };
        sized(Section::Files, std::mem::size_of::<FileRow>(), files)?;
        table_sized(Section::FileTable, files)?;
        sized(Section::Chunks, std::mem::size_of::<ChunkRow>(), chunks)?;
        sized(Section::TermHashes, 8, terms)?;
        sized(Section::TermStarts, 4, terms + 1)?;
        table_sized(Section::TermTable, terms)?;
        sized(Section::PostingStarts, 8, terms + 1)?;
        sized(Section::PostingDocs, 4, m.postings as usize)?;
        sized(Section::PostingFreqs, 2, m.postings as usize)?;
        sized(Section::DocLens, 4, chunks)?;
        sized(Section::VectorScales, 4, chunks)?;
        match m.layout {
            VectorLayout::Dense => sized(Section::VectorCodes, m.dim, chunks)?,
            VectorLayout::Sparse => {
                sized(Section::VectorStarts, 4, m.dim + 1)?;
                let entries = self.slice::<u32>(Section::VectorStarts)[m.dim] as usize;
                sized(Section::VectorDocs, 4, entries)?;
                sized(Section::VectorCodes, 1, entries)?;
            }
        }
        if !deep {
            return Ok(());
        }
        let strings = self.bytes(Section::Strings).len();
        let in_strings = |start: u32, len: u32| {
            len == NONE_LEN || (start as usize).saturating_add(len as usize) <= strings
        };
        let mut expected_first = 0u32;
        for row in self.slice::<FileRow>(Section::Files) {
            if row.first_chunk != expected_first
                || !in_strings(row.path_start, row.path_len)
                || row.path_len == NONE_LEN
                || std::str::from_utf8(self.string(row.path_start, row.path_len)).is_err()
                || row.language as usize >= Language::ALL.len()
            {
                return Err(corrupt("file table"));
            }
            expected_first = row
                .first_chunk
                .checked_add(row.chunk_count)
                .ok_or_else(|| corrupt("file table"))?;
        }
        if expected_first as usize != chunks {
            return Err(corrupt("file table does not cover the chunks"));
        }
        for row in self.slice::<ChunkRow>(Section::Chunks) {
            if row.file as usize >= files
                || !in_strings(row.symbol_start, row.symbol_len)
                || !in_strings(row.snippet_start, row.snippet_len)
                || row.kind as usize >= ChunkKind::ALL.len()
                || row.language as usize >= Language::ALL.len()
            {
                return Err(corrupt("chunk table"));
            }
        }
        let valid_table = |section: Section, entries: usize| {
            self.slice::<u32>(section)
                .iter()
                .all(|&slot| slot as usize <= entries)
        };
        if !valid_table(Section::FileTable, files) || !valid_table(Section::TermTable, terms) {
            return Err(corrupt("lookup table"));
        }
        let text = self.bytes(Section::TermText).len();
        let starts = self.slice::<u32>(Section::TermStarts);
        if starts[0] != 0
            || starts.windows(2).any(|w| w[0] > w[1])
            || starts[terms] as usize != text
        {
            return Err(corrupt("term offsets"));
        }
        // Merging walks vocabularies in this order.
        let hashes = self.slice::<u64>(Section::TermHashes);
        let key = |t: usize| (hashes[t], self.term(t as u32));
        if (1..terms).any(|t| key(t - 1) >= key(t)) {
            return Err(corrupt("terms out of order"));
        }
        let posting_starts = self.slice::<u64>(Section::PostingStarts);
        if posting_starts[0] != 0
            || posting_starts.windows(2).any(|w| w[0] >= w[1])
            || posting_starts[terms] != m.postings
        {
            return Err(corrupt("posting offsets"));
        }
        let docs = self.slice::<u32>(Section::PostingDocs);
        for t in 0..terms {
            let list = &docs[posting_starts[t] as usize..posting_starts[t + 1] as usize];
            if list.windows(2).any(|w| w[0] >= w[1])
                || list.last().is_some_and(|&d| d as usize >= chunks)
            {
                return Err(corrupt("postings"));
            }
        }
        if m.layout == VectorLayout::Sparse {
            let starts = self.slice::<u32>(Section::VectorStarts);
            if starts[0] != 0 || starts.windows(2).any(|w| w[0] > w[1]) {
                return Err(corrupt("vector offsets"));
            }
            if self
                .slice::<u32>(Section::VectorDocs)
                .iter()
                .any(|&d| d as usize >= chunks)
            {
                return Err(corrupt("vector entries"));
            }
        }
        Ok(())
    }

    fn string(&self, start: u32, len: u32) -> &[u8] {
        let strings = self.bytes(Section::Strings);
        strings
            .get(start as usize..(start as usize).saturating_add(len as usize))
            .unwrap_or(&[])
    }

    fn opt_str(&self, start: u32, len: u32) -> Option<&str> {
        (len != NONE_LEN).then(|| std::str::from_utf8(self.string(start, len)).unwrap_or(""))
    }

    pub fn file_count(&self) -> usize {
        self.meta.files as usize
    }

    pub fn chunk_count(&self) -> usize {
        self.meta.chunks as usize
    }

    pub fn file_rows(&self) -> &[FileRow] {
        self.slice(Section::Files)
    }

    pub fn file_path(&self, file: u32) -> &str {
        self.file_rows().get(file as usize).map_or("", |row| {
            std::str::from_utf8(self.string(row.path_start, row.path_len)).unwrap_or("")
        })
    }

    /// The id of the file at `path`.
    pub fn file_id(&self, path: &str) -> Option<u32> {
        let table = self.slice::<u32>(Section::FileTable);
        probe(table, self.file_count(), xxh3_64(path.as_bytes()), |id| {
            self.file_path(id) == path
        })
    }

    pub fn chunk(&self, id: u32) -> Option<SegmentChunk<'_>> {
        let row = self.slice::<ChunkRow>(Section::Chunks).get(id as usize)?;
        Some(SegmentChunk {
            file: row.file,
            start_line: row.start_line,
            end_line: row.end_line,
            symbol: self.opt_str(row.symbol_start, row.symbol_len),
            snippet: self.opt_str(row.snippet_start, row.snippet_len),
            kind: ChunkKind::ALL[row.kind as usize],
            language: Language::ALL[row.language as usize],
            hash: row.hash,
        })
    }

    pub fn term_count(&self) -> usize {
        self.meta.terms as usize
    }

    pub fn term(&self, id: u32) -> &str {
        let starts = self.slice::<u32>(Section::TermStarts);
        let text = self.bytes(Section::TermText);
        let (a, b) = (
            starts[id as usize] as usize,
            starts[id as usize + 1] as usize,
        );
        std::str::from_utf8(&text[a..b]).unwrap_or("")
    }

    pub fn term_hash(&self, id: u32) -> u64 {
        self.slice::<u64>(Section::TermHashes)[id as usize]
    }

    pub fn term_id(&self, term: &str) -> Option<u32> {
        self.term_id_hashed(term, xxh3_64(term.as_bytes()))
    }

    pub fn term_id_hashed(&self, term: &str, hash: u64) -> Option<u32> {
        let table = self.slice::<u32>(Section::TermTable);
        let hashes = self.slice::<u64>(Section::TermHashes);
        probe(table, self.term_count(), hash, |id| {
            hashes[id as usize] == hash && self.term(id) == term
        })
    }

    /// The chunks holding term `id` (ascending) and their term frequencies.
    pub fn postings(&self, id: u32) -> (&[u32], &[u16]) {
        let starts = self.slice::<u64>(Section::PostingStarts);
        let range = starts[id as usize] as usize..starts[id as usize + 1] as usize;
        (
            &self.slice::<u32>(Section::PostingDocs)[range.clone()],
            &self.slice::<u16>(Section::PostingFreqs)[range],
        )
    }

    pub fn doc_len(&self, chunk: u32) -> u32 {
        self.slice::<u32>(Section::DocLens)
            .get(chunk as usize)
            .copied()
            .unwrap_or(0)
    }

    pub fn doc_lens(&self) -> &[u32] {
        self.slice(Section::DocLens)
    }

    /// The scale of a chunk's quantised vector.
    pub fn vector_scale(&self, chunk: u32) -> Option<f32> {
        self.slice::<f32>(Section::VectorScales)
            .get(chunk as usize)
            .copied()
    }

    /// The sparse layout's entries of dimension `d`: chunk ids ascending and their codes
    /// (empty for the dense layout).
    pub fn sparse_dimension(&self, d: usize) -> (&[u32], &[i8]) {
        if self.meta.layout != VectorLayout::Sparse || d >= self.meta.dim {
            return (&[], &[]);
        }
        let starts = self.slice::<u32>(Section::VectorStarts);
        let range = starts[d] as usize..starts[d + 1] as usize;
        let codes: &[i8] = self.slice(Section::VectorCodes);
        (
            &self.slice::<u32>(Section::VectorDocs)[range.clone()],
            &codes[range],
        )
    }

    /// The quantised vector of a chunk (gathered from the sparse layout when sparse).
    pub fn vector(&self, chunk: u32) -> Option<(Vec<i8>, f32)> {
        let scale = *self
            .slice::<f32>(Section::VectorScales)
            .get(chunk as usize)?;
        let dim = self.meta.dim;
        let codes: &[i8] = self.slice(Section::VectorCodes);
        match self.meta.layout {
            VectorLayout::Dense => {
                let at = chunk as usize * dim;
                Some((codes[at..at + dim].to_vec(), scale))
            }
            VectorLayout::Sparse => {
                let starts = self.slice::<u32>(Section::VectorStarts);
                let docs = self.slice::<u32>(Section::VectorDocs);
                let mut out = vec![0i8; dim];
                for (d, slot) in out.iter_mut().enumerate() {
                    let range = starts[d] as usize..starts[d + 1] as usize;
                    if let Ok(at) = docs[range.clone()].binary_search(&chunk) {
                        *slot = codes[range.start + at];
                    }
                }
                Some((out, scale))
            }
        }
    }

    /// The `k` chunks most similar to a quantised query that pass `keep`, best first, with
    /// the integer dot product times the chunk's scale (the caller applies the query's
    /// scale). The sparse layout reads only the query's non-zero dimensions.
    pub fn search_vectors(
        &self,
        query: &[i8],
        k: usize,
        keep: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        let dim = self.meta.dim;
        if query.len() != dim || k == 0 {
            return Vec::new();
        }
        let scales = self.slice::<f32>(Section::VectorScales);
        let codes: &[i8] = self.slice(Section::VectorCodes);
        // Only candidates that would enter the top k are shown to `keep`.
        let mut top = crate::topk::TopK::new(k);
        match self.meta.layout {
            VectorLayout::Dense => {
                for (chunk, row) in codes.chunks_exact(dim.max(1)).enumerate() {
                    let dot = crate::vector::quant::dot_i8(row, query);
                    if dot > 0 {
                        top.offer(chunk as u32, dot as f32 * scales[chunk], keep);
                    }
                }
            }
            VectorLayout::Sparse => {
                let starts = self.slice::<u32>(Section::VectorStarts);
                let docs = self.slice::<u32>(Section::VectorDocs);
                let chunks = scales.len();
                let dimension = |d: usize| starts[d] as usize..starts[d + 1] as usize;
                let asked: Vec<(usize, i32)> = query
                    .iter()
                    .enumerate()
                    .filter(|&(_, &q)| q != 0)
                    .map(|(d, &q)| (d, i32::from(q)))
                    .collect();
                // Each asked dimension's entries, read in order across the windows.
                let mut lists: Vec<(&[u32], &[i8], i32)> = asked
                    .iter()
                    .map(|&(d, q)| (&docs[dimension(d)], &codes[dimension(d)], q))
                    .collect();
                let window_len = WINDOW.min(chunks);
                VECTOR_SUMS.with(window_len, |acc| {
                    let crate::scratch::Accumulator {
                        values: sums,
                        touched,
                    } = acc;
                    let mut low = 0;
                    while low < chunks {
                        let high = (low + WINDOW).min(chunks);
                        let sums = &mut sums[..high - low];
                        let ends: Vec<usize> = lists
                            .iter()
                            .map(|(d, _, _)| d.partition_point(|&doc| (doc as usize) < high))
                            .collect();
                        let entries: usize = ends.iter().sum();
                        // Exact integer sums, whatever the order of the dimensions.
                        if entries * SPARSE_SCAN_SHARE < sums.len()
                            && asked.len() < MAX_BIASED_TERMS
                        {
                            // Few entries: list the slots touched. A touched slot starts at
                            // `SUM_BIAS`, which no sum of this many terms can cancel, so it is
                            // listed once even when its sum passes through zero.
                            for (&(docs, codes, q), &end) in lists.iter().zip(&ends) {
                                for (&doc, &code) in docs[..end].iter().zip(&codes[..end]) {
                                    let slot = &mut sums[doc as usize - low];
                                    if *slot == 0 {
                                        touched.push(doc - low as u32);
                                        *slot = SUM_BIAS;
                                    }
                                    *slot += q * i32::from(code);
                                }
                            }
                            for &slot in touched.iter() {
                                let sum = std::mem::take(&mut sums[slot as usize]) - SUM_BIAS;
                                let doc = low + slot as usize;
                                if sum > 0 {
                                    top.offer(doc as u32, sum as f32 * scales[doc], keep);
                                }
                            }
                            touched.clear();
                        } else {
                            // Many entries: add without bookkeeping, then read every slot once
                            // in order (and leave it at zero), which costs less than listing
                            // and sorting the touched ones.
                            for (&(docs, codes, q), &end) in lists.iter().zip(&ends) {
                                for (&doc, &code) in docs[..end].iter().zip(&codes[..end]) {
                                    sums[doc as usize - low] += q * i32::from(code);
                                }
                            }
                            for (slot, sum) in sums.iter_mut().enumerate() {
                                let sum = std::mem::take(sum);
                                let doc = low + slot;
                                if sum > 0 {
                                    top.offer(doc as u32, sum as f32 * scales[doc], keep);
                                }
                            }
                        }
                        for ((docs, codes, _), end) in lists.iter_mut().zip(ends) {
                            *docs = &docs[end..];
                            *codes = &codes[end..];
                        }
                        low = high;
                    }
                });
            }
        }
        top.into_ranked()
    }
}

/// The bytes no section covers (alignment padding) must be zeros and fewer than 8, so
/// that every byte of the file is checked by something.
fn check_gaps(map: &[u8], sections: &[Range<usize>; SECTIONS]) -> Result<(), SegmentError> {
    let mut ranges: Vec<Range<usize>> = sections.to_vec();
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut at = HEADER_LEN;
    for r in ranges
        .iter()
        .chain(std::iter::once(&(map.len()..map.len())))
    {
        if r.start < at || r.start - at >= 8 || map[at..r.start].iter().any(|&b| b != 0) {
            return Err(corrupt("bytes outside the sections"));
        }
        at = r.end;
    }
    Ok(())
}

/// Read the header: magic, version, the section table (each range inside the file and
/// 8-aligned) and its checksum.
fn check_header(map: &[u8]) -> Result<[Range<usize>; SECTIONS], SegmentError> {
    if map.len() < HEADER_LEN || &map[..8] != MAGIC {
        return Err(corrupt("not a segment file"));
    }
    let u32_at = |at: usize| u32::from_le_bytes(map[at..at + 4].try_into().unwrap_or([0; 4]));
    let u64_at = |at: usize| u64::from_le_bytes(map[at..at + 8].try_into().unwrap_or([0; 8]));
    let version = u32_at(8);
    if version != VERSION {
        return Err(SegmentError::OldFormat(version));
    }
    if u32_at(12) as usize != SECTIONS {
        return Err(corrupt("section count"));
    }
    let check_at = HEADER_LEN - 8;
    if xxh3_64(&map[..check_at]) != u64_at(check_at) {
        return Err(corrupt("header checksum"));
    }
    let mut sections: [Range<usize>; SECTIONS] = std::array::from_fn(|_| 0..0);
    for (i, range) in sections.iter_mut().enumerate() {
        let at = 16 + i * 24;
        let (offset, len) = (u64_at(at) as usize, u64_at(at + 8) as usize);
        let end = offset
            .checked_add(len)
            .filter(|&end| end <= map.len() && offset >= HEADER_LEN && offset % 8 == 0)
            .ok_or_else(|| corrupt(format!("section {i} out of the file")))?;
        *range = offset..end;
    }
    Ok(sections)
}

#[cfg(test)]
pub(crate) mod tests;
