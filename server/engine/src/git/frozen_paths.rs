//! The history index's paths as a file read in place: every path with its commits and
//! renames, sorted by path and found by binary search through a memory map. A workspace of
//! hundreds of thousands of files then keeps its history's paths in file-backed pages (the
//! kernel's to drop) instead of on the heap.
//!
//! Layout, little-endian: a header (magic, version, path count, commit and rename entry
//! counts, text length, and an xxh3 checksum of everything after the header), then
//! `path_starts`, `commit_starts` and `rename_starts` (`count + 1` `u64` each), the renames
//! (`commit`, `text start`, `text length` as `u64`), the commits (`u32`, newest first per
//! path), and the text: the paths, then the renames' older paths. Opening checks the
//! checksum and every offset, so a damaged file is refused and the history read again.

use super::paths::PathRecord;
use memmap2::Mmap;
use std::io::{BufWriter, Write};
use std::path::Path;

const MAGIC: &[u8; 8] = b"AILHPATH";
const VERSION: u64 = 1;
/// magic, version, count, commits, renames, text length, checksum.
const HEADER: usize = 8 + 6 * 8;

/// Why a frozen path table was not used.
#[derive(Debug, thiserror::Error)]
pub enum FrozenError {
    #[error("history paths unreadable: {0}")]
    Io(#[from] std::io::Error),
    #[error("history paths are damaged: {0}")]
    Corrupt(&'static str),
}

/// An open, checked path table.
pub(super) struct FrozenPaths {
    map: Mmap,
    count: usize,
    /// Where the sections start.
    commit_starts: usize,
    rename_starts: usize,
    renames: usize,
    commits: usize,
    text: usize,
    /// The checksum in the header: what the history index records to find this file again.
    checksum: u64,
}

impl std::fmt::Debug for FrozenPaths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrozenPaths")
            .field("paths", &self.count)
            .finish()
    }
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

impl FrozenPaths {
    /// Map and check the table at `path`; `commit_count` bounds its commit indices.
    pub(super) fn open(path: &Path, commit_count: usize) -> Result<FrozenPaths, FrozenError> {
        let file = std::fs::File::open(path)?;
        // SAFETY: the file is replaced by renaming a new one over it, never written in place,
        // so the mapped bytes do not change under us.
        let map = unsafe { Mmap::map(&file)? };
        let table = FrozenPaths::check(map, commit_count)?;
        table.release_pages();
        Ok(table)
    }

    fn check(map: Mmap, commit_count: usize) -> Result<FrozenPaths, FrozenError> {
        let bad = FrozenError::Corrupt;
        let bytes: &[u8] = &map;
        if bytes.len() < HEADER || &bytes[..8] != MAGIC {
            return Err(bad("not a history path table"));
        }
        if u64_at(bytes, 8) != VERSION {
            return Err(bad("another format version"));
        }
        let checksum = u64_at(bytes, 48);
        if xxhash_rust::xxh3::xxh3_64(&bytes[HEADER..]) != checksum {
            return Err(bad("checksum mismatch"));
        }
        let field = |i: usize| usize::try_from(u64_at(bytes, 16 + 8 * i)).ok();
        let (Some(count), Some(commits), Some(renames), Some(text_len)) =
            (field(0), field(1), field(2), field(3))
        else {
            return Err(bad("sizes out of range"));
        };
        let starts = count
            .checked_add(1)
            .and_then(|n| n.checked_mul(8))
            .ok_or(bad("sizes out of range"))?;
        let commit_starts = HEADER + starts;
        let rename_starts = commit_starts + starts;
        let rename_rows = rename_starts + starts;
        let commit_rows = renames
            .checked_mul(24)
            .and_then(|r| r.checked_add(rename_rows))
            .ok_or(bad("sizes out of range"))?;
        let text = commits
            .checked_mul(4)
            .and_then(|c| c.checked_add(commit_rows))
            .ok_or(bad("sizes out of range"))?;
        if text.checked_add(text_len) != Some(bytes.len()) {
            return Err(bad("length does not match the header"));
        }
        let table = FrozenPaths {
            count,
            commit_starts,
            rename_starts,
            renames: rename_rows,
            commits: commit_rows,
            text,
            checksum,
            map,
        };
        table.check_rows(commits, renames, text_len, commit_count)?;
        Ok(table)
    }

    /// Every offset within its section and ascending, every path valid UTF-8 in strictly
    /// ascending order, every commit index below `commit_count`.
    fn check_rows(
        &self,
        commits: usize,
        renames: usize,
        text_len: usize,
        commit_count: usize,
    ) -> Result<(), FrozenError> {
        let bad = FrozenError::Corrupt;
        let bytes: &[u8] = &self.map;
        for (section, bound) in [
            (HEADER, text_len),
            (self.commit_starts, commits),
            (self.rename_starts, renames),
        ] {
            let mut last = 0u64;
            for i in 0..=self.count {
                let at = u64_at(bytes, section + 8 * i);
                if at < last || at > bound as u64 || (i == 0 && at != 0) {
                    return Err(bad("offsets out of order"));
                }
                last = at;
            }
        }
        let mut previous: Option<&str> = None;
        for i in 0..self.count {
            let path =
                std::str::from_utf8(self.path_bytes(i)).map_err(|_| bad("path not UTF-8"))?;
            if previous.is_some_and(|p| p >= path) {
                return Err(bad("paths out of order"));
            }
            previous = Some(path);
        }
        for c in 0..commits {
            if u32_at(bytes, self.commits + 4 * c) as usize >= commit_count {
                return Err(bad("commit index out of range"));
            }
        }
        for r in 0..renames {
            let row = self.renames + 24 * r;
            let (commit, start, len) = (
                u64_at(bytes, row),
                u64_at(bytes, row + 8),
                u64_at(bytes, row + 16),
            );
            let end = start.checked_add(len);
            if commit >= commit_count as u64 || end.is_none_or(|e| e > text_len as u64) {
                return Err(bad("rename out of range"));
            }
            let text = &bytes[self.text + start as usize..self.text + (start + len) as usize];
            std::str::from_utf8(text).map_err(|_| bad("rename not UTF-8"))?;
        }
        Ok(())
    }

    /// The checksum the history index keeps to know the file is the one it wrote.
    pub(super) fn checksum(&self) -> u64 {
        self.checksum
    }

    pub(super) fn len(&self) -> usize {
        self.count
    }

    /// Let go of the pages read so far: they are file-backed and read again on demand.
    pub(super) fn release_pages(&self) {
        #[cfg(unix)]
        // SAFETY: the mapping is read-only over a file replaced by renaming, never written
        // in place: dropped pages are read again from the same bytes.
        let _ = unsafe {
            self.map
                .unchecked_advise(memmap2::UncheckedAdvice::DontNeed)
        };
    }

    fn range(&self, section: usize, i: usize) -> std::ops::Range<usize> {
        let bytes: &[u8] = &self.map;
        u64_at(bytes, section + 8 * i) as usize..u64_at(bytes, section + 8 * (i + 1)) as usize
    }

    fn path_bytes(&self, i: usize) -> &[u8] {
        let r = self.range(HEADER, i);
        &self.map[self.text + r.start..self.text + r.end]
    }

    /// The `i`th path in order (checked UTF-8 at open).
    pub(super) fn path(&self, i: usize) -> &str {
        std::str::from_utf8(self.path_bytes(i)).unwrap_or("")
    }

    pub(super) fn find(&self, path: &str) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.count);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.path_bytes(mid).cmp(path.as_bytes()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// The record of the `i`th path.
    pub(super) fn record(&self, i: usize) -> PathRecord {
        let bytes: &[u8] = &self.map;
        let commits = self
            .range(self.commit_starts, i)
            .map(|c| u32_at(bytes, self.commits + 4 * c))
            .collect();
        let renamed_from = self
            .range(self.rename_starts, i)
            .map(|r| {
                let row = self.renames + 24 * r;
                let (start, len) = (
                    u64_at(bytes, row + 8) as usize,
                    u64_at(bytes, row + 16) as usize,
                );
                let text = &bytes[self.text + start..self.text + start + len];
                (
                    u64_at(bytes, row) as u32,
                    std::str::from_utf8(text).unwrap_or("").into(),
                )
            })
            .collect();
        PathRecord {
            commits,
            renamed_from,
        }
    }
}

/// Write `records` (paths ascending, each once) as a table at `path`, atomically: a reader
/// maps the old file or the new one. Returns the new file's checksum.
pub(super) fn write<'a>(
    path: &Path,
    records: impl Iterator<Item = (&'a str, PathRecord)> + Clone,
) -> Result<u64, FrozenError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    // Named as the index folder's other temporaries, so that one a crash left is removed.
    let mut tmp = tempfile::Builder::new()
        .prefix(".history-paths-")
        .suffix(crate::index_file::TEMPORARY_SUFFIX)
        .tempfile_in(dir)?;
    // Counts first, so the sections' places are known before they are written.
    let (mut count, mut commits, mut renames, mut text_len) = (0u64, 0u64, 0u64, 0u64);
    for (p, r) in records.clone() {
        count += 1;
        commits += r.commits.len() as u64;
        renames += r.renamed_from.len() as u64;
        text_len += p.len() as u64;
        text_len += r
            .renamed_from
            .iter()
            .map(|(_, o)| o.len() as u64)
            .sum::<u64>();
    }
    let paths_len: u64 = records.clone().map(|(p, _)| p.len() as u64).sum();
    let checksum = {
        let mut body = Hashing::new(BufWriter::with_capacity(1 << 16, tmp.as_file_mut()));
        body.write_all(&[0u8; HEADER])?;
        body.hashed = true;
        let mut at = 0u64;
        body.write_all(&at.to_le_bytes())?;
        for (p, _) in records.clone() {
            at += p.len() as u64;
            body.write_all(&at.to_le_bytes())?;
        }
        for count_of in [
            &(|r: &PathRecord| r.commits.len() as u64) as &dyn Fn(&PathRecord) -> u64,
            &|r: &PathRecord| r.renamed_from.len() as u64,
        ] {
            let mut at = 0u64;
            body.write_all(&at.to_le_bytes())?;
            for (_, r) in records.clone() {
                at += count_of(&r);
                body.write_all(&at.to_le_bytes())?;
            }
        }
        let mut old_at = paths_len;
        for (_, r) in records.clone() {
            for (commit, older) in &r.renamed_from {
                body.write_all(&u64::from(*commit).to_le_bytes())?;
                body.write_all(&old_at.to_le_bytes())?;
                body.write_all(&(older.len() as u64).to_le_bytes())?;
                old_at += older.len() as u64;
            }
        }
        for (_, r) in records.clone() {
            for c in &r.commits {
                body.write_all(&c.to_le_bytes())?;
            }
        }
        for (p, _) in records.clone() {
            body.write_all(p.as_bytes())?;
        }
        for (_, r) in records {
            for (_, older) in &r.renamed_from {
                body.write_all(older.as_bytes())?;
            }
        }
        body.flush()?;
        body.hasher.digest()
    };
    let out = tmp.as_file_mut();
    let mut header = Vec::with_capacity(HEADER);
    header.extend_from_slice(MAGIC);
    for word in [VERSION, count, commits, renames, text_len, checksum] {
        header.extend_from_slice(&word.to_le_bytes());
    }
    use std::io::{Seek, SeekFrom};
    out.seek(SeekFrom::Start(0))?;
    out.write_all(&header)?;
    out.sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(checksum)
}

/// A writer that hashes what passes through it once `hashed` is set.
struct Hashing<W: Write> {
    inner: W,
    hasher: xxhash_rust::xxh3::Xxh3,
    hashed: bool,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Self {
        Hashing {
            inner,
            hasher: xxhash_rust::xxh3::Xxh3::new(),
            hashed: false,
        }
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        if self.hashed {
            self.hasher.update(&buf[..n]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
