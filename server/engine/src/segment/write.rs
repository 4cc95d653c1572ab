//! Writing a segment: streamed section by section into a temporary file beside the
//! destination, then renamed over it, so a reader sees the old segment or the new one and
//! never half of each.
//!
//! The writer reads from a `SegmentSource` (the in-memory index of a first pass, or open
//! segments with their overlay during a merge) and holds nothing that grows with the number
//! of terms or postings: files are visited again for each section, terms arrive in hash
//! order and their sections are spilled to temporary files side by side, and the sparse
//! vectors are written dimension by dimension as segments list them (or, from an overlay
//! alone, gathered one group of dimensions per pass within a fixed budget). What does
//! grow with the workspace is small: under two bits per chunk to number the live ones (the
//! file table's hashes and slots are laid out in temporary files).

use super::format::*;
use super::write_parts::{stream_table, write_table, LiveIds, Out, Spill};
use super::SegmentMeta;
use crate::chunk::{ChunkKind, Language};
use std::io::{BufWriter, Seek, Write};
use std::path::Path;
use xxhash_rust::xxh3::xxh3_64;

/// The source ids of a file's chunks, ascending.
#[derive(Clone, Debug)]
pub enum ChunkIds<'a> {
    /// Consecutive ids (a segment's file).
    Range(std::ops::Range<u32>),
    List(&'a [u32]),
}

impl ChunkIds<'_> {
    pub fn len(&self) -> usize {
        match self {
            ChunkIds::Range(r) => r.len(),
            ChunkIds::List(l) => l.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let (range, list) = match self {
            ChunkIds::Range(r) => (r.clone(), &[][..]),
            ChunkIds::List(l) => (0..0, *l),
        };
        range.chain(list.iter().copied())
    }
}

/// One live file of the source, with its chunks.
pub struct SourceFile<'a> {
    pub path: &'a str,
    pub size: u64,
    pub mtime_ns: u64,
    pub hash: u64,
    pub language: Language,
    pub lines: u32,
    pub kind: u8,
    pub chunks: ChunkIds<'a>,
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

/// Calls its argument with every posting of one term: `(chunk, tf)`, chunk ids ascending.
pub type Postings<'p> = &'p mut dyn FnMut(&mut dyn FnMut(u32, u16));

/// What a segment is written from.
pub trait SegmentSource {
    /// `f` for every live file, in an order in which their chunks' source ids ascend, the
    /// same order at every call (the writer visits the files once per section).
    fn for_each_file(
        &self,
        f: &mut dyn FnMut(SourceFile<'_>) -> std::io::Result<()>,
    ) -> std::io::Result<()>;
    /// Every source chunk id is below this.
    fn id_bound(&self) -> u32;
    fn chunk(&self, id: u32) -> Option<SourceChunk<'_>>;
    /// `f(text, xxh3, postings)` for every term once, in ascending order of (hash, text).
    /// Postings of chunks that are not in the files are dropped by the writer, and a term
    /// left without any is left out.
    fn for_each_term(
        &self,
        f: &mut dyn FnMut(&str, u64, Postings<'_>) -> std::io::Result<()>,
    ) -> std::io::Result<()>;
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
    /// Let go of the pages of memory-mapped inputs read so far (the writer calls it
    /// between sections, so a merge's file-backed memory is about one section's).
    fn release_pages(&self) {}
}

/// Bytes of sparse vector entries gathered in memory per pass over the vectors (each pass
/// reads every vector once; 4 MiB is a few passes for a large workspace).
const SPARSE_PASS_BUDGET: usize = 4 << 20;

/// How many terms the writer spills between letting go of its inputs' pages: the terms
/// and their postings are most of a segment, read in one sweep.
const RELEASE_EVERY_TERMS: usize = 1 << 16;

/// The term sections, spilled side by side while the terms stream past, then copied into
/// the segment in section order.
struct TermSpills {
    hashes: Spill,
    starts: Spill,
    text: Spill,
    posting_starts: Spill,
    docs: Spill,
    freqs: Spill,
    terms: usize,
    postings: u64,
}

impl TermSpills {
    fn new(dir: &Path) -> std::io::Result<TermSpills> {
        let mut spills = TermSpills {
            hashes: Spill::new(dir)?,
            starts: Spill::new(dir)?,
            text: Spill::new(dir)?,
            posting_starts: Spill::new(dir)?,
            docs: Spill::new(dir)?,
            freqs: Spill::new(dir)?,
            terms: 0,
            postings: 0,
        };
        spills.starts.append(&0u32.to_le_bytes())?;
        spills.posting_starts.append(&0u64.to_le_bytes())?;
        Ok(spills)
    }

    /// Spill every term of `source` with live postings (live per `live`).
    fn fill(&mut self, source: &dyn SegmentSource, live: &LiveIds) -> std::io::Result<()> {
        let mut last: Option<(u64, String)> = None;
        source.for_each_term(&mut |text, hash, postings| {
            if last
                .as_ref()
                .is_some_and(|(h, t)| (*h, t.as_str()) >= (hash, text))
            {
                return Err(std::io::Error::other(format!(
                    "the source's terms are not in hash order at {text:?}"
                )));
            }
            let mut count = 0u64;
            let mut result = Ok(());
            postings(&mut |doc, tf| {
                if let Some(n) = live.get(doc) {
                    count += 1;
                    if result.is_ok() {
                        result = self
                            .docs
                            .append(&n.to_le_bytes())
                            .and_then(|()| self.freqs.append(&tf.to_le_bytes()));
                    }
                }
            });
            result?;
            match &mut last {
                Some((h, t)) => {
                    *h = hash;
                    t.clear();
                    t.push_str(text);
                }
                None => last = Some((hash, text.to_string())),
            }
            if count == 0 {
                return Ok(());
            }
            self.terms += 1;
            self.postings += count;
            if self.terms % RELEASE_EVERY_TERMS == 0 {
                source.release_pages();
            }
            self.hashes.append(&hash.to_le_bytes())?;
            self.text.append(text.as_bytes())?;
            let end = u32::try_from(self.text.len())
                .map_err(|_| std::io::Error::other("segment vocabulary past 4 GiB"))?;
            self.starts.append(&end.to_le_bytes())?;
            self.posting_starts.append(&self.postings.to_le_bytes())
        })
    }
}

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
    // Which source chunks are live, numbered in file order.
    let mut live = LiveIds::new(source.id_bound());
    let mut file_count = 0u32;
    let mut last_chunk: Option<u32> = None;
    source.for_each_file(&mut |f| {
        file_count += 1;
        for c in f.chunks.iter() {
            if last_chunk.is_some_and(|last| last >= c) {
                return Err(std::io::Error::other(format!(
                    "the source's chunks are not in ascending order at {}",
                    f.path
                )));
            }
            last_chunk = Some(c);
            live.insert(c);
        }
        Ok(())
    })?;
    let chunk_count = live.finish();
    // Every live chunk in file order (the order of the new ids).
    let each_chunk = |f: &mut dyn FnMut(u32) -> std::io::Result<()>| {
        source.for_each_file(&mut |file| {
            for c in file.chunks.iter().filter(|&c| live.get(c).is_some()) {
                f(c)?;
            }
            Ok(())
        })
    };
    let dim = meta.dim;
    {
        let mut out = Out::new(BufWriter::with_capacity(1 << 20, tmp.as_file_mut()));
        out.write_all(&[0u8; HEADER_LEN])?;

        // Files, chunks and the strings they point to (gathered in a spill file, since the
        // rows and the strings are two sections written side by side).
        let mut strings = Spill::new(dir)?;
        // Eight bytes a file, set aside on disk like the strings (see `write_table`).
        let mut path_hashes = Spill::new(dir)?;
        table[Section::Files as usize] = out.section(|w| {
            let mut first = 0u32;
            source.for_each_file(&mut |f| {
                let path_start = strings.push(f.path.as_bytes())?;
                path_hashes.append(&xxh3_64(f.path.as_bytes()).to_le_bytes())?;
                let chunks = f.chunks.iter().filter(|&c| live.get(c).is_some()).count() as u32;
                let row = FileRow {
                    size: f.size,
                    mtime_ns: f.mtime_ns,
                    hash: f.hash,
                    path_start,
                    path_len: f.path.len() as u32,
                    first_chunk: first,
                    chunk_count: chunks,
                    lines: f.lines,
                    language: language_code(f.language),
                    kind: f.kind,
                    _pad: [0; 2],
                };
                first += chunks;
                w.write_all(bytemuck::bytes_of(&row))
            })
        })?;
        table[Section::FileTable as usize] =
            out.section(|w| write_table(w, &mut path_hashes.reader()?, file_count as usize, dir))?;
        drop(path_hashes);
        table[Section::Chunks as usize] = out.section(|w| {
            let mut file_index = 0u32;
            source.for_each_file(&mut |f| {
                for c in f.chunks.iter().filter(|&c| live.get(c).is_some()) {
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
                        file: file_index,
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
                file_index += 1;
                Ok(())
            })
        })?;
        table[Section::Strings as usize] = out.section(|w| strings.copy_into(w))?;
        drop(strings);
        source.release_pages();

        // Terms with at least one live posting, in hash order, each section spilled.
        let mut terms = TermSpills::new(dir)?;
        terms.fill(source, &live)?;
        source.release_pages();
        table[Section::TermHashes as usize] = out.section(|w| terms.hashes.copy_into(w))?;
        table[Section::TermStarts as usize] = out.section(|w| terms.starts.copy_into(w))?;
        table[Section::TermText as usize] = out.section(|w| terms.text.copy_into(w))?;
        let term_count = terms.terms;
        table[Section::TermTable as usize] =
            out.section(|w| stream_table(w, &mut terms.hashes.reader()?, term_count))?;
        table[Section::PostingStarts as usize] =
            out.section(|w| terms.posting_starts.copy_into(w))?;
        table[Section::PostingDocs as usize] = out.section(|w| terms.docs.copy_into(w))?;
        table[Section::PostingFreqs as usize] = out.section(|w| terms.freqs.copy_into(w))?;
        let postings = terms.postings;
        drop(terms);

        let mut total_len = 0u64;
        let mut live_docs = 0u64;
        table[Section::DocLens as usize] = out.section(|w| {
            each_chunk(&mut |c| {
                let len = source.chunk(c).map_or(0, |ch| ch.len);
                total_len += len as u64;
                live_docs += u64::from(len > 0);
                w.write_all(&len.to_le_bytes())
            })
        })?;

        source.release_pages();
        // Vectors: a scale per chunk, then the codes in the layout the embedder suits.
        table[Section::VectorScales as usize] = out.section(|w| {
            each_chunk(&mut |c| {
                let scale = source.vector_scale(c).unwrap_or(0.0);
                w.write_all(&scale.to_le_bytes())
            })
        })?;
        match meta.layout {
            VectorLayout::Dense => {
                table[Section::VectorStarts as usize] = out.section(|_| Ok(()))?;
                table[Section::VectorDocs as usize] = out.section(|_| Ok(()))?;
                table[Section::VectorCodes as usize] = out.section(|w| {
                    let zero = vec![0i8; dim];
                    each_chunk(&mut |c| {
                        let codes = source
                            .vector(c)
                            .filter(|(codes, _)| codes.len() == dim)
                            .map(|(codes, _)| codes);
                        let codes = codes.as_deref().unwrap_or(&zero);
                        w.write_all(bytemuck::cast_slice(codes))
                    })
                })?;
            }
            VectorLayout::Sparse => {
                // Entries per dimension first, then the entries one group of dimensions
                // per pass, so no more than the budget is gathered at once.
                let mut per_dim = vec![0u32; dim];
                let by_dimension = source.lists_dimensions();
                if by_dimension {
                    for (d, count) in per_dim.iter_mut().enumerate() {
                        source.sparse_dimension(d, &mut |c, code| {
                            *count += u32::from(code != 0 && live.get(c).is_some());
                        });
                    }
                } else {
                    each_chunk(&mut |c| {
                        if let Some((codes, _)) = source.vector(c) {
                            for (d, &code) in codes.iter().enumerate().take(dim) {
                                per_dim[d] += u32::from(code != 0);
                            }
                        }
                        Ok(())
                    })?;
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
                    if by_dimension {
                        // Listed by dimension in ascending chunk order, which live ids keep:
                        // written as they come, nothing gathered (a common dimension of a
                        // large workspace has millions of entries).
                        for d in 0..dim {
                            let mut last = None;
                            let mut result = Ok(());
                            source.sparse_dimension(d, &mut |c, code| {
                                let Some(n) = live.get(c).filter(|_| code != 0) else {
                                    return;
                                };
                                if result.is_ok() && last.is_some_and(|last| last >= n) {
                                    result = Err(std::io::Error::other(format!(
                                        "the source's dimension {d} is not in chunk order"
                                    )));
                                }
                                last = Some(n);
                                if result.is_ok() {
                                    result = w
                                        .write_all(&n.to_le_bytes())
                                        .and_then(|()| codes_spill.append(&[code as u8]));
                                }
                            });
                            result?;
                        }
                        return Ok(());
                    }
                    for group in &groups {
                        gathered.clear();
                        gathered.resize_with(group.len(), Vec::new);
                        let mut n = 0u32;
                        each_chunk(&mut |c| {
                            if let Some((codes, _)) = source.vector(c) {
                                for (slot, d) in group.clone().enumerate() {
                                    if let Some(&code) = codes.get(d).filter(|&&x| x != 0) {
                                        gathered[slot].push((n, code));
                                    }
                                }
                            }
                            n += 1;
                            Ok(())
                        })?;
                        for entries in &gathered {
                            for &(n, code) in entries {
                                w.write_all(&n.to_le_bytes())?;
                                codes_spill.append(&[code as u8])?;
                            }
                        }
                    }
                    Ok(())
                })?;
                table[Section::VectorCodes as usize] = out.section(|w| codes_spill.copy_into(w))?;
            }
        }

        source.release_pages();
        meta.files = file_count;
        meta.chunks = chunk_count;
        meta.terms = term_count as u32;
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
