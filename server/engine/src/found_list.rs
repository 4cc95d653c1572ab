//! The walk's list of found files, kept in an unlinked temporary file and read through a
//! memory map, so that a pass over hundreds of thousands of files holds a few bytes per
//! file on the heap (one offset) instead of every path: the paths are file-backed pages the
//! kernel may drop. Without a usable temporary file the list stays in memory.
//!
//! A record is the file's size and mtime (`u64` little-endian each), the path's length
//! (`u32`) and the path's UTF-8 bytes.

use memmap2::Mmap;
use std::io::{BufWriter, Write};
use std::path::Path;

/// A file the walk found, before it is read: borrowed from the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FoundFile<'a> {
    /// Workspace-relative, `/`-separated.
    pub rel_path: &'a str,
    pub size: u64,
    /// Modification time in nanoseconds since the epoch (0 when unknown).
    pub mtime_ns: u64,
}

impl FoundFile<'_> {
    /// Where the file is, under the workspace root the walk started from.
    pub fn abs_path(&self, root: &Path) -> std::path::PathBuf {
        root.join(self.rel_path)
    }
}

const RECORD_HEAD: usize = 8 + 8 + 4;

enum Records {
    Mapped(Mmap),
    Memory(Vec<u8>),
}

impl Records {
    fn bytes(&self) -> &[u8] {
        match self {
            Records::Mapped(map) => map,
            Records::Memory(bytes) => bytes,
        }
    }
}

/// The found files, sorted by path.
pub struct FoundList {
    records: Records,
    /// Where each file's record starts, in path order.
    offsets: Vec<u64>,
}

impl std::fmt::Debug for FoundList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FoundList")
            .field("files", &self.offsets.len())
            .finish()
    }
}

impl Default for FoundList {
    fn default() -> Self {
        FoundList {
            records: Records::Memory(Vec::new()),
            offsets: Vec::new(),
        }
    }
}

impl FoundList {
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// The `i`th file in path order (`i < len()`).
    pub fn get(&self, i: usize) -> FoundFile<'_> {
        record_at(self.records.bytes(), self.offsets[i])
    }

    /// Whether the walk found `path`.
    pub fn contains(&self, path: &str) -> bool {
        let bytes = self.records.bytes();
        self.offsets
            .binary_search_by(|&at| record_at(bytes, at).rel_path.cmp(path))
            .is_ok()
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = FoundFile<'_>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// The record at `offset`. The list is this process's own unlinked file, written whole
/// before it was mapped; a record that does not check out reads as an empty path all the
/// same rather than a crash.
fn record_at(bytes: &[u8], offset: u64) -> FoundFile<'_> {
    let at = offset as usize;
    let head = bytes
        .get(at..at.saturating_add(RECORD_HEAD))
        .unwrap_or(&[0; RECORD_HEAD]);
    let word = |i: usize| u64::from_le_bytes(head[i..i + 8].try_into().unwrap_or([0; 8]));
    let len = u32::from_le_bytes(head[16..20].try_into().unwrap_or([0; 4])) as usize;
    let path = bytes
        .get(at.saturating_add(RECORD_HEAD)..at.saturating_add(RECORD_HEAD).saturating_add(len))
        .and_then(|b| std::str::from_utf8(b).ok())
        .unwrap_or("");
    FoundFile {
        rel_path: path,
        size: word(0),
        mtime_ns: word(8),
    }
}

enum Sink {
    File(BufWriter<std::fs::File>),
    Memory(Vec<u8>),
}

/// Collects found files as the walk reports them, in any order.
pub struct FoundListWriter {
    sink: Sink,
    offsets: Vec<u64>,
    written: u64,
}

impl FoundListWriter {
    /// A writer spilling to an unlinked temporary file in `dir` (the system's temporary
    /// folder when `None`), or to memory when no such file can be made.
    pub fn new(dir: Option<&Path>) -> FoundListWriter {
        let file = match dir {
            Some(dir) => tempfile::tempfile_in(dir),
            None => tempfile::tempfile(),
        };
        let sink = match file {
            Ok(file) => Sink::File(BufWriter::with_capacity(1 << 16, file)),
            Err(e) => {
                tracing::debug!("walk list kept in memory: {e}");
                Sink::Memory(Vec::new())
            }
        };
        FoundListWriter {
            sink,
            offsets: Vec::new(),
            written: 0,
        }
    }

    pub fn push(&mut self, rel_path: &str, size: u64, mtime_ns: u64) {
        let mut head = [0u8; RECORD_HEAD];
        head[..8].copy_from_slice(&size.to_le_bytes());
        head[8..16].copy_from_slice(&mtime_ns.to_le_bytes());
        head[16..].copy_from_slice(&(rel_path.len() as u32).to_le_bytes());
        let written = match &mut self.sink {
            Sink::File(w) => w
                .write_all(&head)
                .and_then(|_| w.write_all(rel_path.as_bytes())),
            Sink::Memory(v) => {
                v.extend_from_slice(&head);
                v.extend_from_slice(rel_path.as_bytes());
                Ok(())
            }
        };
        if let Err(e) = written {
            // A full disk: keep what was written so far in memory and go on there.
            tracing::debug!("walk list moved to memory: {e}");
            self.move_to_memory();
            return self.push(rel_path, size, mtime_ns);
        }
        self.offsets.push(self.written);
        self.written += (RECORD_HEAD + rel_path.len()) as u64;
    }

    /// Copy what the file holds so far into memory and write there from now on.
    fn move_to_memory(&mut self) {
        let Sink::File(w) = &mut self.sink else {
            return;
        };
        let mut bytes = Vec::new();
        let read = w.flush().and_then(|_| {
            use std::io::{Read, Seek};
            let file = w.get_mut();
            file.seek(std::io::SeekFrom::Start(0))?;
            file.take(self.written).read_to_end(&mut bytes).map(|_| ())
        });
        if read.is_err() || bytes.len() as u64 != self.written {
            // What was written cannot be read back: those files are left out of this pass
            // (the next one finds them), rather than listed with wrong paths.
            self.offsets.clear();
            bytes.clear();
            self.written = 0;
        }
        self.sink = Sink::Memory(bytes);
    }

    /// The list, sorted by path.
    pub fn finish(mut self) -> FoundList {
        let records = loop {
            match std::mem::replace(&mut self.sink, Sink::Memory(Vec::new())) {
                Sink::Memory(bytes) => break Records::Memory(bytes),
                Sink::File(mut w) => {
                    if self.written == 0 {
                        break Records::Memory(Vec::new());
                    }
                    let mapped = w.flush().map_err(|e| e.to_string()).and_then(|_| {
                        let file = w.get_ref();
                        // SAFETY: the file is unlinked and this process's alone; nothing
                        // writes to it once mapped.
                        unsafe { Mmap::map(file) }.map_err(|e| e.to_string())
                    });
                    match mapped {
                        Ok(map) => break Records::Mapped(map),
                        Err(e) => {
                            tracing::debug!("walk list not mapped: {e}");
                            self.sink = Sink::File(w);
                            self.move_to_memory();
                        }
                    }
                }
            }
        };
        let mut offsets = self.offsets;
        let bytes = records.bytes();
        offsets.sort_unstable_by(|&a, &b| {
            record_at(bytes, a)
                .rel_path
                .cmp(record_at(bytes, b).rel_path)
        });
        offsets.shrink_to_fit();
        FoundList { records, offsets }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(dir: Option<&Path>) -> FoundList {
        let mut w = FoundListWriter::new(dir);
        w.push("src/b.rs", 10, 100);
        w.push("a.md", 0, 0);
        w.push("src/é.py", u64::MAX, 7);
        w.finish()
    }

    #[test]
    fn files_come_back_sorted_by_path_with_their_sizes_and_mtimes() {
        let dir = tempfile::tempdir().unwrap();
        for found in [list(Some(dir.path())), list(None)] {
            let files: Vec<FoundFile> = found.iter().collect();
            assert_eq!(
                files,
                vec![
                    FoundFile {
                        rel_path: "a.md",
                        size: 0,
                        mtime_ns: 0
                    },
                    FoundFile {
                        rel_path: "src/b.rs",
                        size: 10,
                        mtime_ns: 100
                    },
                    FoundFile {
                        rel_path: "src/é.py",
                        size: u64::MAX,
                        mtime_ns: 7
                    },
                ]
            );
            assert!(matches!(found.records, Records::Mapped(_)));
            assert!(found.contains("src/b.rs") && found.contains("a.md"));
            assert!(!found.contains("src") && !found.contains("b.rs"));
        }
        // The temporary file is unlinked: nothing is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn an_unusable_folder_keeps_the_list_in_memory() {
        let found = list(Some(Path::new("/nonexistent/ail-walk-list")));
        assert!(matches!(found.records, Records::Memory(_)));
        assert_eq!(found.get(1).rel_path, "src/b.rs");
        assert!(FoundListWriter::new(None).finish().is_empty());
    }

    #[test]
    fn a_damaged_record_reads_as_an_empty_path_not_a_crash() {
        let bytes = [
            1u8, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0, b'x',
        ];
        let f = record_at(&bytes, 0);
        assert_eq!((f.rel_path, f.size, f.mtime_ns), ("", 1, 2));
        assert_eq!(record_at(&bytes, 1000).rel_path, "");
    }
}
