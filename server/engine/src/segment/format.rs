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
pub const VERSION: u32 = 3;

/// The sections, in file order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Section {
    /// postcard: `SegmentMeta`.
    Meta,
    /// `FileRow` per file.
    Files,
    /// Open-addressing table over file paths: `u32` slots holding file index + 1, 0 empty
    /// (see `first_slot`).
    FileTable,
    /// `ChunkRow` per chunk, a file's chunks contiguous and in order.
    Chunks,
    /// Paths, symbols and snippets, referred to by offset and length.
    Strings,
    /// `u64` xxh3 per term. Terms are in ascending order of (hash, text), so that segments
    /// merge by walking their vocabularies side by side.
    TermHashes,
    /// `u32` per term + 1: where each term's text starts in `TermText`.
    TermStarts,
    TermText,
    /// Open-addressing table over terms: `u32` slots holding term id + 1, 0 empty (see
    /// `first_slot`).
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

/// The home slot of `hash` in an open-addressing table of `len` home slots (a power of two):
/// the hash's high bits, so that entries in ascending order of hash fill the table in slot
/// order and a table can be written as a stream from sorted hashes. An entry sits at its home
/// slot or after it; probing runs forward to the first empty slot and never wraps: a table
/// has as many slots past the `len` home slots as its last entries overflowed.
pub fn first_slot(hash: u64, len: usize) -> usize {
    debug_assert!(len.is_power_of_two());
    match len.trailing_zeros() {
        0 => 0,
        bits => (hash >> (64 - bits)) as usize,
    }
}

/// Home slots for `n` entries: a power of two at least twice `n` (at most half full).
pub fn table_len(n: usize) -> usize {
    (n * 2).next_power_of_two().max(8)
}

/// The entry index found probing a table over `entries` entries from the home slot of
/// `hash`: the first whose index `is` accepts, before the first empty slot.
pub fn probe(table: &[u32], entries: usize, hash: u64, is: impl Fn(u32) -> bool) -> Option<u32> {
    let home = first_slot(hash, table_len(entries));
    table
        .get(home..)?
        .iter()
        .take_while(|&&slot| slot != 0)
        .map(|&slot| slot - 1)
        .find(|&i| is(i))
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
