//! One segment as the store serves it: the memory-mapped file, where its ids sit among the
//! store's, and what has died in it since it was written.

use crate::segment::Segment;
use std::sync::Arc;

/// One segment with what has died in it since it was written.
#[derive(Clone)]
pub(super) struct Part {
    pub(super) segment: Arc<Segment>,
    /// Store ids of the segment's chunk 0 and file 0.
    pub(super) chunk_base: u32,
    pub(super) file_base: u32,
    /// Per segment chunk and file: replaced or deleted since the segment was written.
    pub(super) dead_chunks: Vec<u64>,
    pub(super) dead_files: Vec<u64>,
    pub(super) dead_chunk_count: usize,
    pub(super) dead_file_count: usize,
    /// Live chunks with any token, and their total length.
    pub(super) live_docs: u64,
    pub(super) total_len: u64,
    /// New size and mtime of files whose content did not change.
    pub(super) touched: foldhash::HashMap<u32, (u64, u64)>,
    /// Compounds of the segment's qualified symbols (see `Index::names_qualified_symbol`),
    /// shared by every copy of the store: they follow from the segment alone.
    pub(super) qualified: Arc<std::sync::OnceLock<super::qualified::QualifiedFilter>>,
}

impl Part {
    pub(super) fn new(segment: Arc<Segment>, chunk_base: u32, file_base: u32) -> Part {
        let (chunks, files) = (segment.chunk_count(), segment.file_count());
        Part {
            chunk_base,
            file_base,
            dead_chunks: vec![0; chunks.div_ceil(64)],
            dead_files: vec![0; files.div_ceil(64)],
            dead_chunk_count: 0,
            dead_file_count: 0,
            live_docs: segment.meta.live_docs,
            total_len: segment.meta.total_len,
            touched: Default::default(),
            qualified: Default::default(),
            segment,
        }
    }

    pub(super) fn chunk_end(&self) -> u32 {
        self.chunk_base + self.segment.chunk_count() as u32
    }

    pub(super) fn file_end(&self) -> u32 {
        self.file_base + self.segment.file_count() as u32
    }

    pub(super) fn chunk_dead(&self, local: u32) -> bool {
        bit(&self.dead_chunks, local as usize)
    }

    pub(super) fn file_dead(&self, local: u32) -> bool {
        bit(&self.dead_files, local as usize)
    }

    /// The local id of the live file at `path`.
    pub(super) fn live_file(&self, path: &str) -> Option<u32> {
        let id = self.segment.file_id(path)?;
        (!self.file_dead(id)).then_some(id)
    }

    pub(super) fn size_and_mtime(&self, local: u32) -> (u64, u64) {
        let row = self.segment.file_rows()[local as usize];
        self.touched
            .get(&local)
            .copied()
            .unwrap_or((row.size, row.mtime_ns))
    }

    /// Store ids of a segment file's chunks.
    pub(super) fn file_chunk_ids(&self, local: u32) -> Vec<u32> {
        let row = self.segment.file_rows()[local as usize];
        let first = self.chunk_base + row.first_chunk;
        (first..first + row.chunk_count).collect()
    }

    /// The live document frequency of the segment's term `t`.
    pub(super) fn live_df(&self, t: u32) -> u64 {
        let docs = self.segment.postings(t).0;
        if self.dead_chunk_count == 0 {
            docs.len() as u64
        } else {
            docs.iter().filter(|&&d| !self.chunk_dead(d)).count() as u64
        }
    }
}

pub(super) fn bit(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
}

pub(super) fn set_bit(bits: &mut [u64], i: usize) -> bool {
    match bits.get_mut(i / 64) {
        Some(w) if *w & (1 << (i % 64)) == 0 => {
            *w |= 1 << (i % 64);
            true
        }
        _ => false,
    }
}
