//! Keeping the index on disk so the next start is instant.
//!
//! One file per workspace: an 8-byte magic, the format version and a table of sections
//! (length and xxh3 checksum of each), then the sections. Three are postcard (the
//! workspace's metadata and files, the chunks, the lexical index); the fourth holds the
//! vectors as raw little-endian arrays, read straight into their final buffer. A section is
//! read, checked and decoded one at a time, so loading never holds the whole file and the
//! decoded index at once. The file is written to a temporary file in the same directory and
//! renamed over the old one, so a reader sees either the old index or the new one, never
//! half of each. Anything that does not check out (wrong magic, version, lengths or
//! checksums, or data that fails validation) is reported and rebuilt, never trusted.

use crate::bm25::Bm25;
use crate::embed::hashed::HashedTfIdf;
use crate::index::{ChunkRecord, EmbedderChoice, FileRecord, Index};
use crate::vector::exact::{ExactIndex, ExactParts, BLOCK_ROWS};
use crate::walk::SkipReason;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

const MAGIC: &[u8; 8] = b"AILINDEX";
/// Bump whenever the payload layout or what is stored in it changes (how files are
/// chunked or tokenised); older files are rebuilt. 4: nested functions have chunks.
/// 5: files have a kind; learned related words.
pub const FORMAT_VERSION: u32 = 5;
/// Metadata, chunks, lexical index, vectors, learned related words.
const SECTIONS: usize = 5;
const HEADER_LEN: usize = 8 + 4 + 4 + SECTIONS * 16;

/// Why a persisted index was not used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no persisted index")]
    Missing,
    #[error("persisted index unreadable: {0}")]
    Io(#[from] std::io::Error),
    #[error("persisted index is corrupt: {0}")]
    Corrupt(String),
    #[error("persisted index has format version {found}, this build reads {FORMAT_VERSION}")]
    OldFormat { found: u32 },
    #[error("persisted index was built for {found}, not {expected}")]
    Mismatch { found: String, expected: String },
}

#[derive(Serialize)]
struct MetaRef<'a> {
    root: &'a str,
    embedder: String,
    generation: u64,
    files: &'a [Option<FileRecord>],
    hashed: Option<&'a HashedTfIdf>,
    skipped: &'a BTreeMap<String, SkipReason>,
}

#[derive(Deserialize)]
struct Meta {
    root: String,
    embedder: String,
    generation: u64,
    files: Vec<Option<FileRecord>>,
    hashed: Option<HashedTfIdf>,
    skipped: BTreeMap<String, SkipReason>,
}

/// Where the index of the workspace at `root` lives under `cache_dir`.
pub fn index_path(cache_dir: &Path, root: &Path) -> PathBuf {
    let name: String = root
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                .take(32)
                .collect()
        })
        .unwrap_or_default();
    let key = xxh3_64(root.to_string_lossy().as_bytes());
    cache_dir
        .join(format!("{name}-{key:016x}"))
        .join("index.bin")
}

/// Write `index` to `path` atomically. Returns the number of bytes written.
pub fn save(index: &Index, root: &str, path: &Path) -> std::io::Result<u64> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let meta = MetaRef {
        root,
        embedder: index.embedder.name(),
        generation: index.generation,
        files: &index.files,
        hashed: match &index.embedder {
            EmbedderChoice::Hashed(h) => Some(h),
            EmbedderChoice::Static(_) => None,
        },
        skipped: &index.skipped,
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    let mut table = [(0u64, 0u64); SECTIONS];
    {
        let mut out = BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        out.write_all(&[0u8; HEADER_LEN])?; // filled in once the sections are known
        let encode = |e: postcard::Error| std::io::Error::other(e.to_string());
        table[0] = section(&mut out, |w| {
            postcard::to_io(&meta, w).map(drop).map_err(encode)
        })?;
        table[1] = section(&mut out, |w| {
            postcard::to_io(&index.chunks, w).map(drop).map_err(encode)
        })?;
        table[2] = section(&mut out, |w| {
            postcard::to_io(&index.bm25, w).map(drop).map_err(encode)
        })?;
        table[3] = section(&mut out, |w| index.vectors.write_raw(w))?;
        table[4] = section(&mut out, |w| w.write_all(&index.related.to_bytes()))?;
        out.flush()?;
    }
    let file = tmp.as_file_mut();
    file.seek(std::io::SeekFrom::Start(0))?;
    file.write_all(&header(&table))?;
    file.sync_all()?;
    let total = file.metadata()?.len();
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(total)
}

/// Write one section through `write`; returns its (length, checksum).
fn section<W: Write>(
    out: &mut W,
    write: impl FnOnce(&mut HashingWriter<'_, W>) -> std::io::Result<()>,
) -> std::io::Result<(u64, u64)> {
    let mut hashing = HashingWriter {
        inner: out,
        hasher: Xxh3::new(),
        written: 0,
    };
    write(&mut hashing)?;
    Ok((hashing.written, hashing.hasher.digest()))
}

fn header(table: &[(u64, u64); SECTIONS]) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    h[12..16].copy_from_slice(&(SECTIONS as u32).to_le_bytes());
    for (i, (len, checksum)) in table.iter().enumerate() {
        let at = 16 + i * 16;
        h[at..at + 8].copy_from_slice(&len.to_le_bytes());
        h[at + 8..at + 16].copy_from_slice(&checksum.to_le_bytes());
    }
    h
}

fn le_u64(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}

/// Read the index at `path`, checking that it belongs to `root` and was built with
/// `embedder` (so a changed setting rebuilds instead of mixing vectors).
pub fn load(path: &Path, root: &str, embedder: &EmbedderChoice) -> Result<Index, LoadError> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(LoadError::Missing),
        Err(e) => return Err(e.into()),
    };
    let file_len = file.metadata()?.len();
    let mut file = BufReader::with_capacity(1 << 16, file);
    let corrupt = |why: &str| LoadError::Corrupt(why.to_string());
    let mut magic = [0u8; 12];
    file.read_exact(&mut magic)
        .map_err(|_| corrupt("shorter than its header"))?;
    if &magic[..8] != MAGIC {
        return Err(corrupt("not an AIL index (bad magic)"));
    }
    let version = u32::from_le_bytes([magic[8], magic[9], magic[10], magic[11]]);
    if version != FORMAT_VERSION {
        return Err(LoadError::OldFormat { found: version });
    }
    let mut rest = [0u8; HEADER_LEN - 12];
    file.read_exact(&mut rest)
        .map_err(|_| corrupt("shorter than its header"))?;
    if u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize != SECTIONS {
        return Err(corrupt("unexpected section count"));
    }
    let table: Vec<(u64, u64)> = (0..SECTIONS)
        .map(|i| (le_u64(&rest, 4 + i * 16), le_u64(&rest, 12 + i * 16)))
        .collect();
    let payload: u64 = table
        .iter()
        .map(|(len, _)| *len)
        .fold(0, u64::saturating_add);
    if payload.saturating_add(HEADER_LEN as u64) != file_len {
        return Err(LoadError::Corrupt(format!(
            "file is {file_len} bytes, its sections say {}",
            payload.saturating_add(HEADER_LEN as u64)
        )));
    }

    let meta: Meta = decode_section(&mut file, table[0], "metadata")?;
    if meta.root != root {
        return Err(LoadError::Mismatch {
            found: meta.root,
            expected: root.to_string(),
        });
    }
    if meta.embedder != embedder.name() {
        return Err(LoadError::Mismatch {
            found: meta.embedder,
            expected: embedder.name(),
        });
    }
    let chunks: Vec<Option<ChunkRecord>> = decode_section(&mut file, table[1], "chunks")?;
    let bm25: Bm25 = decode_section(&mut file, table[2], "lexical index")?;
    let vectors = read_vectors(&mut file, table[3])?;
    let related = read_related(&mut file, table[4])?;
    let mut index = into_index(meta, chunks, bm25, vectors, embedder)?;
    index.related = related;
    Ok(index)
}

/// Read one postcard section, check its checksum, decode it.
fn decode_section<T: serde::de::DeserializeOwned>(
    file: &mut impl Read,
    (len, checksum): (u64, u64),
    what: &str,
) -> Result<T, LoadError> {
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(len).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != len || xxh3_64(&bytes) != checksum {
        return Err(LoadError::Corrupt(format!(
            "checksum mismatch in the {what}"
        )));
    }
    postcard::from_bytes(&bytes).map_err(|e| LoadError::Corrupt(format!("undecodable {what}: {e}")))
}

/// Read the learned related words (see `RelatedWords::to_bytes`).
fn read_related(
    file: &mut impl Read,
    (len, checksum): (u64, u64),
) -> Result<crate::related::RelatedWords, LoadError> {
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(len).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != len || xxh3_64(&bytes) != checksum {
        return Err(LoadError::Corrupt(
            "checksum mismatch in the related words".into(),
        ));
    }
    crate::related::RelatedWords::from_bytes(&bytes)
        .ok_or_else(|| LoadError::Corrupt("undecodable related words".into()))
}

/// Read the raw vector section (see `ExactIndex::write_raw`) into its final buffers.
fn read_vectors(
    file: &mut impl Read,
    (len, checksum): (u64, u64),
) -> Result<ExactIndex, LoadError> {
    let corrupt = |why: String| LoadError::Corrupt(format!("vectors: {why}"));
    let mut hasher = Xxh3::new();
    let mut head = [0u8; 12];
    file.read_exact(&mut head)
        .map_err(|_| corrupt("section too short".into()))?;
    hasher.update(&head);
    let dim = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let rows = le_u64(&head, 4) as usize;
    let blocks = rows.div_ceil(BLOCK_ROWS);
    let expected = BLOCK_ROWS
        .checked_mul(dim)
        .and_then(|b| b.checked_mul(blocks))
        .and_then(|codes| rows.checked_mul(8).and_then(|r| r.checked_add(codes)))
        .and_then(|body| body.checked_add(12));
    if expected != Some(len as usize) {
        return Err(corrupt(format!(
            "{rows} vectors of {dim} dimensions do not fit {len} bytes"
        )));
    }
    let mut read = |n: usize| -> Result<Vec<u8>, LoadError> {
        let mut bytes = vec![0u8; n];
        file.read_exact(&mut bytes)
            .map_err(|_| corrupt("section too short".into()))?;
        hasher.update(&bytes);
        Ok(bytes)
    };
    let ids: Vec<u32> = read(rows * 4)?
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let scales: Vec<f32> = read(rows * 4)?
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    // Same size and alignment: collected in place, without a second buffer.
    let codes: Vec<i8> = read(blocks * BLOCK_ROWS * dim)?
        .into_iter()
        .map(|b| b as i8)
        .collect();
    if hasher.digest() != checksum {
        return Err(corrupt("checksum mismatch".into()));
    }
    ExactIndex::from_parts(ExactParts {
        dim,
        ids,
        codes,
        scales,
    })
    .map_err(|e| corrupt(e.to_string()))
}

fn into_index(
    meta: Meta,
    chunks: Vec<Option<ChunkRecord>>,
    bm25: Bm25,
    vectors: ExactIndex,
    embedder: &EmbedderChoice,
) -> Result<Index, LoadError> {
    let corrupt = |why: &str| LoadError::Corrupt(why.to_string());
    if !bm25.validate() {
        return Err(corrupt("lexical index inconsistent"));
    }
    let mut file_ids = foldhash::HashMap::default();
    for (i, f) in meta.files.iter().enumerate() {
        if let Some(f) = f {
            if f.chunks
                .iter()
                .any(|&c| chunks.get(c as usize).is_none_or(|c| c.is_none()))
            {
                return Err(corrupt("file refers to a missing chunk"));
            }
            file_ids.insert(f.path.clone(), i as u32);
        }
    }
    if chunks
        .iter()
        .flatten()
        .any(|c| meta.files.get(c.file as usize).is_none_or(|f| f.is_none()))
    {
        return Err(corrupt("chunk refers to a missing file"));
    }
    let embedder = match (embedder, meta.hashed) {
        (EmbedderChoice::Hashed(_), Some(h)) => EmbedderChoice::Hashed(h),
        (other, _) => other.clone(),
    };
    let live_chunks = chunks.iter().flatten().count();
    Ok(Index {
        files: meta.files,
        file_ids,
        live_chunks,
        chunks,
        bm25,
        vectors: Arc::new(vectors),
        embedder,
        generation: meta.generation,
        skipped: meta.skipped,
        unembedded: Vec::new(),
        graph: None,
        qualified_symbols: Default::default(),
        related: Default::default(),
    })
}

struct HashingWriter<'a, W: Write> {
    inner: &'a mut W,
    hasher: Xxh3,
    written: u64,
}

impl<W: Write> Write for HashingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
