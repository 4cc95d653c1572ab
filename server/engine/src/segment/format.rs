//! The byte layout of a segment file: the header, the section table and the fixed-width
//! rows that are read in place as typed slices.
//!
//! ```text
//! header   magic "AILSEGMT" | version u32 | section count u32
//!          | per section: offset u64, length u64, xxh3 u64 | xxh3 of everything before
//! sections each starts on an 8-byte boundary, in `Section` order
//! ```
//!
//! Everything is little-endian (the file is only ever mapped on the machine kind that wrote
//! it or one of the same endianness; `open` refuses a big-endian host).

use bytemuck::{Pod, Zeroable};

pub const MAGIC: &[u8; 8] = b"AILSEGMT";
/// Bump whenever a row, a section or what is stored in it changes; older files are rebuilt.
pub const VERSION: u32 = 2;

/// The sections, in file order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Section {
    /// postcard: `SegmentMeta`.
    Meta,
    /// `FileRow` per file.
    Files,
    /// Open-addressing table over file paths: `u32` slots holding file index + 1, 0 empty.
    FileTable,
    /// `ChunkRow` per chunk, a file's chunks contiguous and in order.
    Chunks,
    /// Paths, symbols and snippets, referred to by offset and length.
    Strings,
    /// `u64` xxh3 per term.
    TermHashes,
    /// `u32` per term + 1: where each term's text starts in `TermText`.
    TermStarts,
    TermText,
    /// Open-addressing table over terms: `u32` slots holding term id + 1, 0 empty.
    TermTable,
    /// `u64` per term + 1: where each term's postings start (compressed sparse rows).
    PostingStarts,
    /// `u32` chunk id per posting, ascending within a term.
    PostingDocs,
    /// `u16` term frequency per posting.
    PostingFreqs,
    /// `u32` length in tokens per chunk.
    DocLens,
    /// `f32` quantisation scale per chunk.
    VectorScales,
    /// Sparse layout: `u32` per dimension + 1, where each dimension's entries start.
    /// Dense layout: empty.
    VectorStarts,
    /// Sparse layout: `u32` chunk id per entry. Dense layout: empty.
    VectorDocs,
    /// Sparse layout: `i8` code per entry. Dense layout: `dim` codes per chunk, row-major.
    VectorCodes,
}

pub const SECTIONS: usize = Section::VectorCodes as usize + 1;
pub const HEADER_LEN: usize = 8 + 4 + 4 + SECTIONS * 24 + 8;

/// One file of the segment. `path` and the chunk range point into other sections.
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
#[repr(C)]
pub struct FileRow {
    pub size: u64,
    pub mtime_ns: u64,
    pub hash: u64,
    pub path_start: u32,
    pub path_len: u32,
    pub first_chunk: u32,
    pub chunk_count: u32,
    pub lines: u32,
    pub language: u8,
    /// The file's kind (`FileKind::as_u8`: first-party, vendored, generated, ...).
    pub kind: u8,
    pub _pad: [u8; 2],
}

/// One chunk of the segment.
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
#[repr(C)]
pub struct ChunkRow {
    pub hash: u64,
    pub file: u32,
    pub start_line: u32,
    pub end_line: u32,
    /// `symbol_len == u32::MAX` means no symbol.
    pub symbol_start: u32,
    pub symbol_len: u32,
    /// `snippet_len == u32::MAX` means no snippet (the text is on disk).
    pub snippet_start: u32,
    pub snippet_len: u32,
    pub kind: u8,
    pub language: u8,
    pub _pad: [u8; 2],
}

pub const NONE_LEN: u32 = u32::MAX;

/// How the vectors are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum VectorLayout {
    /// Inverted by dimension: the built-in hashed embedder fills about 36 of 512
    /// dimensions, and a question's few dimensions then read only the chunks that use them.
    Sparse,
    /// `dim` i8 codes per chunk (a static model's dense vectors).
    Dense,
}

/// The open-addressing slot of `hash` in a table of `len` slots (a power of two).
pub fn first_slot(hash: u64, len: usize) -> usize {
    (hash as usize) & (len - 1)
}

/// Slots for `n` entries: a power of two at least twice `n` (at most half full).
pub fn table_len(n: usize) -> usize {
    (n * 2).next_power_of_two().max(8)
}

pub fn language_code(language: crate::chunk::Language) -> u8 {
    crate::chunk::Language::ALL
        .iter()
        .position(|&l| l == language)
        .unwrap_or(0) as u8
}

pub fn kind_code(kind: crate::chunk::ChunkKind) -> u8 {
    crate::chunk::ChunkKind::ALL
        .iter()
        .position(|&k| k == kind)
        .unwrap_or(0) as u8
}
