//! The store as the segment writer reads it: the live files, chunks, terms and vectors of
//! some of its segments and the overlay, merged, with each term numbered once.

use super::part::Part;
use super::Store;
use crate::chunk::Language;
use crate::segment::write::{SegmentSource, SourceChunk, SourceFile};

impl Store {
    /// A view for the segment writer: this store's live content, merged.
    pub fn source(&self) -> StoreSource<'_> {
        self.source_from(0)
    }

    /// A view for the segment writer of the overlay alone (see `flush_into`).
    pub fn overlay_source(&self) -> StoreSource<'_> {
        self.source_from(self.parts.len())
    }

    /// The writer's view of segments `first..` and the overlay.
    fn source_from(&self, first: usize) -> StoreSource<'_> {
        let parts = &self.parts[first..];
        // Each term is numbered once, by the first segment (or the overlay) that has it.
        let mut groups = Vec::with_capacity(parts.len() + 1);
        for (i, part) in parts.iter().enumerate() {
            let earlier = &parts[..i];
            let segment = &part.segment;
            let terms: Vec<u32> = (0..segment.term_count() as u32)
                .filter(|&t| {
                    let (text, hash) = (segment.term(t), segment.term_hash(t));
                    earlier
                        .iter()
                        .all(|p| p.segment.term_id_hashed(text, hash).is_none())
                })
                .collect();
            groups.push(TermGroup {
                holder: Some(first + i),
                terms,
            });
        }
        let bm25 = &self.mem.bm25;
        let terms: Vec<u32> = (0..bm25.term_count() as u32)
            .filter(|&t| {
                let (text, hash) = (bm25.term(t), bm25.term_hash(t));
                parts
                    .iter()
                    .all(|p| p.segment.term_id_hashed(text, hash).is_none())
            })
            .collect();
        groups.push(TermGroup {
            holder: None,
            terms,
        });
        let mut starts = Vec::with_capacity(groups.len() + 1);
        let mut at = 0;
        for g in &groups {
            starts.push(at);
            at += g.terms.len();
        }
        starts.push(at);
        StoreSource {
            store: self,
            first,
            groups,
            starts,
            overlay_dimensions: Default::default(),
        }
    }
}

/// Terms first numbered by one segment (`holder`), or by the overlay (`None`).
struct TermGroup {
    holder: Option<usize>,
    terms: Vec<u32>,
}

/// `Store` as a `SegmentSource`: the live files and terms of segments `first..` in order,
/// then the overlay's.
pub struct StoreSource<'a> {
    store: &'a Store,
    first: usize,
    groups: Vec<TermGroup>,
    /// `starts[g]`: the source number of group `g`'s first term.
    starts: Vec<usize>,
    /// The overlay's vector codes by dimension (see `sparse_dimension`), made on first use.
    overlay_dimensions: std::sync::OnceLock<Vec<Vec<(u32, i8)>>>,
}

impl StoreSource<'_> {
    fn parts(&self) -> &[Part] {
        &self.store.parts[self.first..]
    }

    fn group_of(&self, i: usize) -> (usize, u32) {
        let g = self.starts.partition_point(|&s| s <= i) - 1;
        (g, self.groups[g].terms[i - self.starts[g]])
    }
}

impl SegmentSource for StoreSource<'_> {
    fn files(&self) -> Vec<SourceFile<'_>> {
        let s = self.store;
        let mut out = Vec::new();
        for part in self.parts() {
            for (id, row) in part.segment.file_rows().iter().enumerate() {
                let id = id as u32;
                if part.file_dead(id) {
                    continue;
                }
                let (size, mtime_ns) = part.size_and_mtime(id);
                out.push(SourceFile {
                    path: part.segment.file_path(id),
                    size,
                    mtime_ns,
                    hash: row.hash,
                    language: Language::ALL[row.language as usize],
                    lines: row.lines,
                    kind: row.kind,
                    chunks: part.file_chunk_ids(id),
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
        let first_mem = s.segment_chunks();
        let len = if id >= first_mem {
            s.mem.bm25.doc_len(id - first_mem)
        } else {
            s.part_of_chunk(id)
                .map_or(0, |p| p.segment.doc_len(id - p.chunk_base))
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
        *self.starts.last().unwrap_or(&0)
    }

    fn term(&self, i: usize) -> (&str, u64) {
        let (g, t) = self.group_of(i);
        match self.groups[g].holder {
            Some(p) => {
                let segment = &self.store.parts[p].segment;
                (segment.term(t), segment.term_hash(t))
            }
            None => (
                self.store.mem.bm25.term(t),
                self.store.mem.bm25.term_hash(t),
            ),
        }
    }

    fn postings(&self, i: usize, f: &mut dyn FnMut(u32, u16)) {
        let s = self.store;
        let (g, t) = self.group_of(i);
        let (term, hash) = self.term(i);
        // Segments before the holder do not have the term.
        if let Some(holder) = self.groups[g].holder {
            for (offset, part) in s.parts[holder..].iter().enumerate() {
                let local_term = if offset == 0 {
                    Some(t)
                } else {
                    part.segment.term_id_hashed(term, hash)
                };
                let Some(local_term) = local_term else {
                    continue;
                };
                let (docs, freqs) = part.segment.postings(local_term);
                for (&doc, &tf) in docs.iter().zip(freqs) {
                    if !part.chunk_dead(doc) {
                        f(part.chunk_base + doc, tf);
                    }
                }
            }
        }
        let mem_term = match self.groups[g].holder {
            None => Some(t),
            Some(_) => s
                .mem
                .bm25
                .term_id(term)
                .filter(|&m| s.mem.bm25.term_hash(m) == hash),
        };
        if let Some(m) = mem_term {
            let first_mem = s.segment_chunks();
            let (docs, freqs) = s.mem.bm25.postings(m);
            for (&local, &tf) in docs.iter().zip(freqs) {
                if s.mem.bm25.doc_len(local) > 0 {
                    f(first_mem + local, tf);
                }
            }
        }
    }

    fn vector(&self, id: u32) -> Option<(Vec<i8>, f32)> {
        self.store.vector_codes(id)
    }

    fn vector_scale(&self, id: u32) -> Option<f32> {
        let s = self.store;
        if id >= s.segment_chunks() {
            return s.mem.vectors.codes(id).map(|(_, scale)| scale);
        }
        let part = s.part_of_chunk(id)?;
        part.segment.vector_scale(id - part.chunk_base)
    }

    fn lists_dimensions(&self) -> bool {
        // Without segments the overlay is the whole index, and whole vectors read fastest.
        let parts = self.parts();
        !parts.is_empty()
            && parts
                .iter()
                .all(|p| p.segment.meta.layout == crate::segment::format::VectorLayout::Sparse)
    }

    fn sparse_dimension(&self, d: usize, f: &mut dyn FnMut(u32, i8)) {
        let s = self.store;
        for part in self.parts() {
            let (docs, codes) = part.segment.sparse_dimension(d);
            for (&local, &code) in docs.iter().zip(codes) {
                if !part.chunk_dead(local) {
                    f(part.chunk_base + local, code);
                }
            }
        }
        // The overlay's vectors are dense rows: turned into lists by dimension once.
        let overlay = self.overlay_dimensions.get_or_init(|| {
            let mut lists: Vec<Vec<(u32, i8)>> = vec![Vec::new(); s.embedder().dim()];
            for id in s.segment_chunks()..s.id_count() as u32 {
                if let Some((codes, _)) = s.mem.vectors.codes(id) {
                    for (list, &code) in lists.iter_mut().zip(&codes) {
                        if code != 0 {
                            list.push((id, code));
                        }
                    }
                }
            }
            lists
        });
        for &(id, code) in overlay.get(d).map_or(&[][..], Vec::as_slice) {
            f(id, code);
        }
    }
}
