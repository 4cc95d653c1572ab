//! Writing a segment: streamed section by section into a temporary file beside the
//! destination, then renamed over it, so a reader sees the old segment or the new one and
//! never half of each.
//!
//! The writer reads from a `SegmentSource` (the in-memory index of a first pass, or an open
//! segment with its overlay during a merge) and holds only per-term and per-file
//! bookkeeping, never the postings or the vectors as a whole: those are written term by term
//! and, for the sparse vectors, one group of dimensions per pass within a fixed budget.

use super::format::*;
use super::SegmentMeta;
use crate::chunk::{ChunkKind, Language};
use std::io::{BufWriter, Seek, Write};
use std::path::Path;
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

/// One live file of the source, with its chunks (source ids, ascending).
pub struct SourceFile<'a> {
    pub path: &'a str,
    pub size: u64,
    pub mtime_ns: u64,
    pub hash: u64,
    pub language: Language,
    pub lines: u32,
    pub kind: u8,
    pub chunks: Vec<u32>,
}

/// One chunk of the source.
pub struct SourceChunk<'a> {
    pub start_line: u32,
    pub end_line: u32,
    pub symbol: Option<&'a str>,
    pub snippet: Option<&'a str>,
    pub kind: ChunkKind,
    pub language: Language,
    pub hash: u64,
    /// Length in tokens (BM25's document length).
    pub len: u32,
}

/// What a segment is written from.
pub trait SegmentSource {
    /// The live files, in an order in which their chunks' source ids ascend.
    fn files(&self) -> Vec<SourceFile<'_>>;
    /// Every source chunk id is below this.
    fn id_bound(&self) -> u32;
    fn chunk(&self, id: u32) -> Option<SourceChunk<'_>>;
    fn term_count(&self) -> usize;
    /// The text and xxh3 hash of term `i`.
    fn term(&self, i: usize) -> (&str, u64);
    /// `f(chunk, tf)` for every posting of term `i`, chunk ids ascending. Postings of chunks
    /// that are not in `files` are dropped by the writer.
    fn postings(&self, i: usize, f: &mut dyn FnMut(u32, u16));
    /// The quantised vector of a chunk: codes and scale.
    fn vector(&self, id: u32) -> Option<(Vec<i8>, f32)>;
    /// The scale of a chunk's quantised vector (a source that stores it apart says so
    /// without building the vector).
    fn vector_scale(&self, id: u32) -> Option<f32> {
        self.vector(id).map(|(_, scale)| scale)
    }
    /// Whether `sparse_dimension` lists dimensions (otherwise the writer reads whole
    /// vectors). Merging sparse segments this way reads each of their lists once.
    fn lists_dimensions(&self) -> bool {
        false
    }
    /// `f(chunk, code)` for every non-zero code of dimension `d`, chunk ids ascending (only
    /// called when `lists_dimensions`).
    fn sparse_dimension(&self, _d: usize, _f: &mut dyn FnMut(u32, i8)) {}
}

/// Bytes of sparse vector entries gathered in memory per pass over the vectors (each pass
/// reads every vector once; 4 MiB is a few passes for a large workspace).
const SPARSE_PASS_BUDGET: usize = 4 << 20;

/// Write `source` as a segment at `path` (atomically). `meta` gives everything but the
/// counts, which the writer fills in. Returns the bytes written.
pub fn write_segment(
    source: &dyn SegmentSource,
    mut meta: SegmentMeta,
    path: &Path,
) -> std::io::Result<u64> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".segment-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    let mut table = [(0u64, 0u64, 0u64); SECTIONS];
    let files = source.files();
    // Source id -> new id, in file order.
    let mut new_id = vec![u32::MAX; source.id_bound() as usize];
    let mut next = 0u32;
    for f in &files {
        for &c in &f.chunks {
            if let Some(slot) = new_id.get_mut(c as usize) {
                *slot = next;
                next += 1;
            }
        }
    }
    let chunk_count = next;
    let order: Vec<u32> = files
        .iter()
        .flat_map(|f| f.chunks.iter().copied())
        .collect();
    let dim = meta.dim;
    {
        let mut out = Out::new(BufWriter::with_capacity(1 << 20, tmp.as_file_mut()));
        out.write_all(&[0u8; HEADER_LEN])?;

        // Files, chunks and the strings they point to (gathered in a spill file, since the
        // rows and the strings are two sections written side by side).
        let mut strings = Spill::new(dir)?;
        let mut path_hashes = Vec::with_capacity(files.len());
        table[Section::Files as usize] = out.section(|w| {
            let mut first = 0u32;
            for f in &files {
                let path_start = strings.push(f.path.as_bytes())?;
                path_hashes.push(xxh3_64(f.path.as_bytes()));
                let row = FileRow {
                    size: f.size,
                    mtime_ns: f.mtime_ns,
                    hash: f.hash,
                    path_start,
                    path_len: f.path.len() as u32,
                    first_chunk: first,
                    chunk_count: f.chunks.len() as u32,
                    lines: f.lines,
                    language: language_code(f.language),
                    kind: f.kind,
                    _pad: [0; 2],
                };
                first += f.chunks.len() as u32;
                w.write_all(bytemuck::bytes_of(&row))?;
            }
            Ok(())
        })?;
        table[Section::FileTable as usize] =
            out.section(|w| write_table(w, &path_hashes, path_hashes.len()))?;
        drop(path_hashes);
        table[Section::Chunks as usize] = out.section(|w| {
            for (file_index, f) in files.iter().enumerate() {
                for &c in &f.chunks {
                    let chunk = source.chunk(c).ok_or_else(|| {
                        std::io::Error::other(format!("chunk {c} of {} is missing", f.path))
                    })?;
                    let (symbol_start, symbol_len) = match chunk.symbol {
                        Some(s) => (strings.push(s.as_bytes())?, s.len() as u32),
                        None => (0, NONE_LEN),
                    };
                    let (snippet_start, snippet_len) = match chunk.snippet {
                        Some(s) => (strings.push(s.as_bytes())?, s.len() as u32),
                        None => (0, NONE_LEN),
                    };
                    let row = ChunkRow {
                        hash: chunk.hash,
                        file: file_index as u32,
                        start_line: chunk.start_line,
                        end_line: chunk.end_line,
                        symbol_start,
                        symbol_len,
                        snippet_start,
                        snippet_len,
                        kind: kind_code(chunk.kind),
                        language: language_code(chunk.language),
                        _pad: [0; 2],
                    };
                    w.write_all(bytemuck::bytes_of(&row))?;
                }
            }
            Ok(())
        })?;
        table[Section::Strings as usize] = out.section(|w| strings.copy_into(w))?;

        // Terms with at least one live posting, and where each one's postings start.
        let mut kept: Vec<u32> = Vec::new();
        let mut posting_starts: Vec<u64> = vec![0];
        for i in 0..source.term_count() {
            let mut live = 0u64;
            source.postings(i, &mut |doc, _| {
                if new_id.get(doc as usize).is_some_and(|&n| n != u32::MAX) {
                    live += 1;
                }
            });
            if live > 0 {
                kept.push(i as u32);
                posting_starts.push(posting_starts[posting_starts.len() - 1] + live);
            }
        }
        let term_hashes: Vec<u64> = kept.iter().map(|&i| source.term(i as usize).1).collect();
        table[Section::TermHashes as usize] =
            out.section(|w| w.write_all(bytemuck::cast_slice(&term_hashes)))?;
        table[Section::TermStarts as usize] = out.section(|w| {
            let mut at = 0u32;
            w.write_all(&at.to_le_bytes())?;
            for &i in &kept {
                at += source.term(i as usize).0.len() as u32;
                w.write_all(&at.to_le_bytes())?;
            }
            Ok(())
        })?;
        table[Section::TermText as usize] = out.section(|w| {
            for &i in &kept {
                w.write_all(source.term(i as usize).0.as_bytes())?;
            }
            Ok(())
        })?;
        table[Section::TermTable as usize] =
            out.section(|w| write_table(w, &term_hashes, term_hashes.len()))?;
        drop(term_hashes);
        table[Section::PostingStarts as usize] =
            out.section(|w| w.write_all(bytemuck::cast_slice(&posting_starts)))?;
        let postings = posting_starts[posting_starts.len() - 1];
        drop(posting_starts);
        table[Section::PostingDocs as usize] = out.section(|w| {
            let mut result = Ok(());
            for &i in &kept {
                source.postings(i as usize, &mut |doc, _| {
                    if let Some(&n) = new_id.get(doc as usize).filter(|&&n| n != u32::MAX) {
                        if result.is_ok() {
                            result = w.write_all(&n.to_le_bytes());
                        }
                    }
                });
            }
            result
        })?;
        table[Section::PostingFreqs as usize] = out.section(|w| {
            let mut result = Ok(());
            for &i in &kept {
                source.postings(i as usize, &mut |doc, tf| {
                    if new_id.get(doc as usize).is_some_and(|&n| n != u32::MAX) && result.is_ok() {
                        result = w.write_all(&tf.to_le_bytes());
                    }
                });
            }
            result
        })?;
        let mut total_len = 0u64;
        let mut live_docs = 0u64;
        table[Section::DocLens as usize] = out.section(|w| {
            for &c in &order {
                let len = source.chunk(c).map_or(0, |ch| ch.len);
                total_len += len as u64;
                live_docs += u64::from(len > 0);
                w.write_all(&len.to_le_bytes())?;
            }
            Ok(())
        })?;

        // Vectors: a scale per chunk, then the codes in the layout the embedder suits.
        table[Section::VectorScales as usize] = out.section(|w| {
            for &c in &order {
                let scale = source.vector_scale(c).unwrap_or(0.0);
                w.write_all(&scale.to_le_bytes())?;
            }
            Ok(())
        })?;
        match meta.layout {
            VectorLayout::Dense => {
                table[Section::VectorStarts as usize] = out.section(|_| Ok(()))?;
                table[Section::VectorDocs as usize] = out.section(|_| Ok(()))?;
                table[Section::VectorCodes as usize] = out.section(|w| {
                    let zero = vec![0i8; dim];
                    for &c in &order {
                        let codes = source
                            .vector(c)
                            .filter(|(codes, _)| codes.len() == dim)
                            .map(|(codes, _)| codes);
                        let codes = codes.as_deref().unwrap_or(&zero);
                        w.write_all(bytemuck::cast_slice(codes))?;
                    }
                    Ok(())
                })?;
            }
            VectorLayout::Sparse => {
                // Entries per dimension first, then the entries one group of dimensions
                // per pass, so no more than the budget is gathered at once.
                let live = |c: u32| new_id.get(c as usize).is_some_and(|&n| n != u32::MAX);
                let mut per_dim = vec![0u32; dim];
                let by_dimension = source.lists_dimensions();
                if by_dimension {
                    for (d, count) in per_dim.iter_mut().enumerate() {
                        source.sparse_dimension(d, &mut |c, code| {
                            *count += u32::from(code != 0 && live(c));
                        });
                    }
                } else {
                    for &c in &order {
                        if let Some((codes, _)) = source.vector(c) {
                            for (d, &code) in codes.iter().enumerate().take(dim) {
                                per_dim[d] += u32::from(code != 0);
                            }
                        }
                    }
                }
                table[Section::VectorStarts as usize] = out.section(|w| {
                    let mut at = 0u32;
                    w.write_all(&at.to_le_bytes())?;
                    for &n in &per_dim {
                        at += n;
                        w.write_all(&at.to_le_bytes())?;
                    }
                    Ok(())
                })?;
                let entry = std::mem::size_of::<(u32, i8)>();
                let groups = dimension_groups(&per_dim, SPARSE_PASS_BUDGET / entry);
                let mut gathered: Vec<Vec<(u32, i8)>> = Vec::new();
                let mut codes_spill = Spill::new(dir)?;
                table[Section::VectorDocs as usize] = out.section(|w| {
                    for group in &groups {
                        gathered.clear();
                        gathered.resize_with(group.len(), Vec::new);
                        if by_dimension {
                            for (slot, d) in group.clone().enumerate() {
                                let entries = &mut gathered[slot];
                                source.sparse_dimension(d, &mut |c, code| {
                                    if code != 0 && live(c) {
                                        entries.push((new_id[c as usize], code));
                                    }
                                });
                                entries.sort_unstable_by_key(|&(n, _)| n);
                            }
                        }
                        for &c in order.iter().filter(|_| !by_dimension) {
                            let Some((codes, _)) = source.vector(c) else {
                                continue;
                            };
                            let n = new_id[c as usize];
                            for (slot, d) in group.clone().enumerate() {
                                if let Some(&code) = codes.get(d).filter(|&&x| x != 0) {
                                    gathered[slot].push((n, code));
                                }
                            }
                        }
                        for entries in &gathered {
                            for &(n, code) in entries {
                                w.write_all(&n.to_le_bytes())?;
                                codes_spill.push(&[code as u8])?;
                            }
                        }
                    }
                    Ok(())
                })?;
                table[Section::VectorCodes as usize] = out.section(|w| codes_spill.copy_into(w))?;
            }
        }

        meta.files = files.len() as u32;
        meta.chunks = chunk_count;
        meta.terms = kept.len() as u32;
        meta.postings = postings;
        meta.total_len = total_len;
        meta.live_docs = live_docs;
        let encoded = postcard::to_stdvec(&meta).map_err(std::io::Error::other)?;
        table[Section::Meta as usize] = out.section(|w| w.write_all(&encoded))?;
        out.inner.flush()?;
    }
    let file = tmp.as_file_mut();
    file.seek(std::io::SeekFrom::Start(0))?;
    file.write_all(&header_bytes(&table))?;
    file.sync_all()?;
    let bytes = file.metadata()?.len();
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(bytes)
}

/// The header for a section table.
pub(super) fn header_bytes(table: &[(u64, u64, u64); SECTIONS]) -> Vec<u8> {
    let mut header = Vec::with_capacity(HEADER_LEN);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&VERSION.to_le_bytes());
    header.extend_from_slice(&(SECTIONS as u32).to_le_bytes());
    for &(offset, len, hash) in table {
        header.extend_from_slice(&offset.to_le_bytes());
        header.extend_from_slice(&len.to_le_bytes());
        header.extend_from_slice(&hash.to_le_bytes());
    }
    let check = xxh3_64(&header);
    header.extend_from_slice(&check.to_le_bytes());
    header
}

/// Split dimensions into consecutive groups of at most `budget` entries each (a dimension
/// with more entries than that is a group of its own).
fn dimension_groups(per_dim: &[u32], budget: usize) -> Vec<std::ops::Range<usize>> {
    let mut groups = Vec::new();
    let (mut start, mut size) = (0usize, 0usize);
    for (d, &n) in per_dim.iter().enumerate() {
        if size > 0 && size + n as usize > budget {
            groups.push(start..d);
            start = d;
            size = 0;
        }
        size += n as usize;
    }
    if start < per_dim.len() {
        groups.push(start..per_dim.len());
    }
    groups
}

/// An open-addressing table of `u32` slots (entry index + 1) over `hashes`.
fn write_table(w: &mut dyn Write, hashes: &[u64], n: usize) -> std::io::Result<()> {
    let len = table_len(n);
    let mut slots = vec![0u32; len];
    for (i, &h) in hashes.iter().enumerate() {
        let mut at = first_slot(h, len);
        while slots[at] != 0 {
            at = (at + 1) & (len - 1);
        }
        slots[at] = i as u32 + 1;
    }
    w.write_all(bytemuck::cast_slice(&slots))
}

/// The output file: sections start on 8-byte boundaries, each hashed as it is written.
struct Out<W: Write> {
    inner: W,
    pos: u64,
}

impl<W: Write> Out<W> {
    fn new(inner: W) -> Self {
        Out { inner, pos: 0 }
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Write one section with `body`; returns its (offset, length, xxh3).
    fn section(
        &mut self,
        body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<(u64, u64, u64)> {
        let pad = (8 - (self.pos % 8) as usize) % 8;
        self.write_all(&[0u8; 8][..pad])?;
        let start = self.pos;
        let mut hashing = Hashing {
            inner: &mut self.inner,
            hasher: Xxh3::new(),
            len: 0,
        };
        body(&mut hashing)?;
        let (len, hash) = (hashing.len, hashing.hasher.digest());
        self.pos += len;
        Ok((start, len, hash))
    }
}

struct Hashing<'a, W: Write> {
    inner: &'a mut W,
    hasher: Xxh3,
    len: u64,
}

impl<W: Write> Write for Hashing<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Bytes set aside in a temporary file while another section is being written.
struct Spill {
    out: BufWriter<std::fs::File>,
    len: u64,
}

impl Spill {
    fn new(dir: &Path) -> std::io::Result<Spill> {
        Ok(Spill {
            out: BufWriter::with_capacity(1 << 16, tempfile::tempfile_in(dir)?),
            len: 0,
        })
    }

    /// Append `bytes`; returns where they start.
    fn push(&mut self, bytes: &[u8]) -> std::io::Result<u32> {
        let start = u32::try_from(self.len)
            .map_err(|_| std::io::Error::other("segment strings past 4 GiB"))?;
        self.out.write_all(bytes)?;
        self.len += bytes.len() as u64;
        Ok(start)
    }

    fn copy_into(&mut self, w: &mut dyn Write) -> std::io::Result<()> {
        self.out.flush()?;
        let file = self.out.get_mut();
        file.seek(std::io::SeekFrom::Start(0))?;
        let copied = std::io::copy(&mut std::io::Read::take(&mut *file, self.len), w)?;
        if copied != self.len {
            return Err(std::io::Error::other("spill file shorter than written"));
        }
        Ok(())
    }
}
