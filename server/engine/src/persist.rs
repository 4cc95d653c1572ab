//! Keeping the index on disk so the next start is instant.
//!
//! One file per workspace: an 8-byte magic, the format version, the payload length and an
//! xxh3 checksum of the payload, then the payload (postcard). It is written to a temporary
//! file in the same directory and renamed over the old one, so a reader sees either the old
//! index or the new one, never half of each. Anything that does not check out (wrong magic,
//! version, length or checksum, or data that fails validation) is reported and rebuilt,
//! never trusted.

use crate::bm25::Bm25;
use crate::embed::hashed::HashedTfIdf;
use crate::index::{ChunkRecord, EmbedderChoice, FileRecord, Index};
use crate::vector::exact::{ExactIndex, ExactParts};
use crate::walk::SkipReason;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

const MAGIC: &[u8; 8] = b"AILINDEX";
/// Bump whenever the payload layout changes; older files are rebuilt.
pub const FORMAT_VERSION: u32 = 2;
const HEADER_LEN: usize = 8 + 4 + 8 + 8;

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
struct SnapshotRef<'a> {
    root: &'a str,
    embedder: String,
    generation: u64,
    files: &'a [Option<FileRecord>],
    chunks: &'a [Option<ChunkRecord>],
    bm25: &'a Bm25,
    vectors: ExactParts,
    hashed: Option<&'a HashedTfIdf>,
    skipped: &'a BTreeMap<String, SkipReason>,
}

#[derive(Deserialize)]
struct Snapshot {
    root: String,
    embedder: String,
    generation: u64,
    files: Vec<Option<FileRecord>>,
    chunks: Vec<Option<ChunkRecord>>,
    bm25: Bm25,
    vectors: ExactParts,
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
    let snapshot = SnapshotRef {
        root,
        embedder: index.embedder.name(),
        generation: index.generation,
        files: &index.files,
        chunks: &index.chunks,
        bm25: &index.bm25,
        vectors: index.vectors.to_parts(),
        hashed: match &index.embedder {
            EmbedderChoice::Hashed(h) => Some(h),
            EmbedderChoice::Static(_) => None,
        },
        skipped: &index.skipped,
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    {
        let mut out = BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        out.write_all(&[0u8; HEADER_LEN])?; // filled in once the payload is known
        let mut hashing = HashingWriter {
            inner: &mut out,
            hasher: Xxh3::new(),
            written: 0,
        };
        postcard::to_io(&snapshot, &mut hashing)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let (checksum, len) = (hashing.hasher.digest(), hashing.written);
        out.flush()?;
        drop(out);
        let file = tmp.as_file_mut();
        use std::io::Seek;
        file.seek(std::io::SeekFrom::Start(0))?;
        file.write_all(&header(len, checksum))?;
        file.sync_all()?;
    }
    let total = (HEADER_LEN as u64)
        + tmp
            .as_file()
            .metadata()?
            .len()
            .saturating_sub(HEADER_LEN as u64);
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(total)
}

fn header(len: u64, checksum: u64) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    h[12..20].copy_from_slice(&len.to_le_bytes());
    h[20..28].copy_from_slice(&checksum.to_le_bytes());
    h
}

/// Read the index at `path`, checking that it belongs to `root` and was built with
/// `embedder` (so a changed setting rebuilds instead of mixing vectors).
pub fn load(path: &Path, root: &str, embedder: &EmbedderChoice) -> Result<Index, LoadError> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(LoadError::Missing),
        Err(e) => return Err(e.into()),
    };
    let mut head = [0u8; HEADER_LEN];
    file.read_exact(&mut head)
        .map_err(|_| LoadError::Corrupt("shorter than its header".into()))?;
    if &head[..8] != MAGIC {
        return Err(LoadError::Corrupt("not an AIL index (bad magic)".into()));
    }
    let version = u32::from_le_bytes(head[8..12].try_into().unwrap_or_default());
    if version != FORMAT_VERSION {
        return Err(LoadError::OldFormat { found: version });
    }
    let len = u64::from_le_bytes(head[12..20].try_into().unwrap_or_default());
    let checksum = u64::from_le_bytes(head[20..28].try_into().unwrap_or_default());
    let actual_len = file.metadata()?.len().saturating_sub(HEADER_LEN as u64);
    if len != actual_len {
        return Err(LoadError::Corrupt(format!(
            "payload is {actual_len} bytes, header says {len}"
        )));
    }
    let mut payload = Vec::with_capacity(len as usize);
    file.read_to_end(&mut payload)?;
    if xxh3_64(&payload) != checksum {
        return Err(LoadError::Corrupt("checksum mismatch".into()));
    }
    let snapshot: Snapshot = postcard::from_bytes(&payload)
        .map_err(|e| LoadError::Corrupt(format!("undecodable: {e}")))?;
    drop(payload);
    if snapshot.root != root {
        return Err(LoadError::Mismatch {
            found: snapshot.root,
            expected: root.to_string(),
        });
    }
    if snapshot.embedder != embedder.name() {
        return Err(LoadError::Mismatch {
            found: snapshot.embedder,
            expected: embedder.name(),
        });
    }
    into_index(snapshot, embedder)
}

fn into_index(s: Snapshot, embedder: &EmbedderChoice) -> Result<Index, LoadError> {
    let corrupt = |why: &str| LoadError::Corrupt(why.to_string());
    if !s.bm25.validate() {
        return Err(corrupt("lexical index inconsistent"));
    }
    let vectors = ExactIndex::from_parts(s.vectors)
        .map_err(|e| LoadError::Corrupt(format!("vectors: {e}")))?;
    let mut file_ids = HashMap::new();
    for (i, f) in s.files.iter().enumerate() {
        if let Some(f) = f {
            if f.chunks
                .iter()
                .any(|&c| s.chunks.get(c as usize).is_none_or(|c| c.is_none()))
            {
                return Err(corrupt("file refers to a missing chunk"));
            }
            file_ids.insert(f.path.clone(), i as u32);
        }
    }
    if s.chunks
        .iter()
        .flatten()
        .any(|c| s.files.get(c.file as usize).is_none_or(|f| f.is_none()))
    {
        return Err(corrupt("chunk refers to a missing file"));
    }
    let embedder = match (embedder, s.hashed) {
        (EmbedderChoice::Hashed(_), Some(h)) => EmbedderChoice::Hashed(h),
        (other, _) => other.clone(),
    };
    let live_chunks = s.chunks.iter().flatten().count();
    let mut index = Index {
        files: s.files,
        file_ids,
        live_chunks,
        chunks: s.chunks,
        bm25: s.bm25,
        vectors: Arc::new(vectors),
        embedder,
        generation: s.generation,
        skipped: s.skipped,
        unembedded: Vec::new(),
        graph: None,
        qualified_symbols: Default::default(),
    };
    let symbols: Vec<Box<str>> = index
        .chunks
        .iter()
        .flatten()
        .filter_map(|c| c.symbol.clone())
        .collect();
    for symbol in &symbols {
        index.note_symbol(symbol);
    }
    Ok(index)
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
