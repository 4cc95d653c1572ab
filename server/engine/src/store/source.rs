//! The store as the segment writer reads it: the live files, chunks, terms and vectors of
//! some of its segments and the overlay, merged. Terms are merged by walking the segments'
//! vocabularies side by side in hash order (each segment keeps its terms in that order), so a
//! merge holds no table of the workspace's terms.

use super::part::Part;
use super::Store;
use crate::chunk::Language;
use crate::segment::write::{ChunkIds, Postings, SegmentSource, SourceChunk, SourceFile};

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
        StoreSource {
            store: self,
            first,
            overlay_dimensions: Default::default(),
        }
    }
}

/// `Store` as a `SegmentSource`: the live files and terms of segments `first..` in order,
/// then the overlay's.
pub struct StoreSource<'a> {
    store: &'a Store,
    first: usize,
    /// The overlay's vector codes by dimension (see `sparse_dimension`), made on first use.
    overlay_dimensions: std::sync::OnceLock<Vec<Vec<(u32, i8)>>>,
}

impl StoreSource<'_> {
    fn parts(&self) -> &[Part] {
        &self.store.parts[self.first..]
    }
}

impl SegmentSource for StoreSource<'_> {
    fn for_each_file(
        &self,
        f: &mut dyn FnMut(SourceFile<'_>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        for part in self.parts() {
            for (id, row) in part.segment.file_rows().iter().enumerate() {
                let id = id as u32;
                if part.file_dead(id) {
                    continue;
                }
                let (size, mtime_ns) = part.size_and_mtime(id);
                let first = part.chunk_base + row.first_chunk;
                f(SourceFile {
                    path: part.segment.file_path(id),
                    size,
                    mtime_ns,
                    hash: row.hash,
                    language: Language::ALL[row.language as usize],
                    lines: row.lines,
                    kind: row.kind,
                    chunks: ChunkIds::Range(first..first + row.chunk_count),
                })?;
            }
        }
        for file in self.store.mem.files.iter().flatten() {
            f(SourceFile {
                path: &file.path,
                size: file.size,
                mtime_ns: file.mtime_ns,
                hash: file.hash,
                language: file.language,
                lines: file.lines,
                kind: file.kind.as_u8(),
                chunks: ChunkIds::List(&file.chunks),
            })?;
        }
        Ok(())
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

    fn for_each_term(
        &self,
        f: &mut dyn FnMut(&str, u64, Postings<'_>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let s = self.store;
        let parts = self.parts();
        let bm25 = &s.mem.bm25;
        // The overlay's vocabulary is a hash table: put it in the segments' order (it is
        // the one vocabulary held in memory, bounded by the overlay's cap).
        let mut overlay_terms: Vec<u32> = (0..bm25.term_count() as u32).collect();
        overlay_terms.sort_unstable_by(|&a, &b| {
            (bm25.term_hash(a), bm25.term(a)).cmp(&(bm25.term_hash(b), bm25.term(b)))
        });
        let overlay = parts.len();
        // Vocabulary `v` (a segment, or the overlay last): its `i`th term in merge order.
        let term = |v: usize, i: usize| -> (u64, &str) {
            match parts.get(v) {
                Some(p) => (p.segment.term_hash(i as u32), p.segment.term(i as u32)),
                None => {
                    let t = overlay_terms[i];
                    (bm25.term_hash(t), bm25.term(t))
                }
            }
        };
        // Where each vocabulary stands, and its length.
        let mut at = vec![0usize; parts.len() + 1];
        let ends: Vec<usize> = parts
            .iter()
            .map(|p| p.segment.term_count())
            .chain([overlay_terms.len()])
            .collect();
        let key = |v: usize, at: usize| (at < ends[v]).then(|| term(v, at));
        let mut keys: Vec<Option<(u64, &str)>> = (0..ends.len()).map(|v| key(v, 0)).collect();
        let first_mem = s.segment_chunks();
        // The vocabularies that stand at the smallest term.
        let mut holders: Vec<usize> = Vec::with_capacity(ends.len());
        loop {
            let Some(smallest) = keys.iter().flatten().min().copied() else {
                return Ok(());
            };
            holders.clear();
            holders.extend((0..ends.len()).filter(|&v| keys[v] == Some(smallest)));
            let (hash, text) = smallest;
            // Segments in id order, then the overlay: chunk ids ascend.
            let mut postings = |emit: &mut dyn FnMut(u32, u16)| {
                for &v in &holders {
                    if v == overlay {
                        let (docs, freqs) = bm25.postings(overlay_terms[at[v]]);
                        for (&local, &tf) in docs.iter().zip(freqs) {
                            if bm25.doc_len(local) > 0 {
                                emit(first_mem + local, tf);
                            }
                        }
                    } else {
                        let part = &parts[v];
                        let (docs, freqs) = part.segment.postings(at[v] as u32);
                        for (&doc, &tf) in docs.iter().zip(freqs) {
                            if !part.chunk_dead(doc) {
                                emit(part.chunk_base + doc, tf);
                            }
                        }
                    }
                }
            };
            f(text, hash, &mut postings)?;
            for &v in &holders {
                at[v] += 1;
                keys[v] = key(v, at[v]);
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

    fn release_pages(&self) {
        for part in self.parts() {
            part.segment.release_pages();
        }
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
