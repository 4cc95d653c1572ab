//! Finding the files to index: the files git would track (gitignore rules, hidden files
//! left out), walked in parallel, with every skipped file counted under its reason.
//!
//! One bad file never stops a walk: an unreadable or vanished file is counted and skipped.
//! Symbolic links are not followed (git stores them as links, not content), so link loops
//! cannot trap the walk and no file is indexed twice.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

/// Why a file was left out of the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SkipReason {
    /// A NUL byte in the first 8 KiB.
    Binary,
    /// Over the configured size limit.
    TooLarge,
    /// Not valid UTF-8.
    NotUtf8,
    /// Could not be read (permissions, vanished mid-walk, I/O error).
    Unreadable,
    /// A symbolic link, which git tracks as a link and not as content.
    Symlink,
    /// Not a regular file: a named pipe, a socket, a device. Never opened for reading.
    Special,
    /// The path is not valid UTF-8: it could be neither cited nor linked to exactly.
    NameNotUtf8,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too large",
            SkipReason::NotUtf8 => "not UTF-8",
            SkipReason::Unreadable => "unreadable",
            SkipReason::Symlink => "symbolic link",
            SkipReason::Special => "not a regular file",
            SkipReason::NameNotUtf8 => "name not UTF-8",
        }
    }
}

/// How many files were skipped, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkipCounts {
    pub binary: usize,
    pub too_large: usize,
    pub not_utf8: usize,
    pub unreadable: usize,
    pub symlink: usize,
    /// Named pipes, sockets, devices.
    #[serde(default)]
    pub special: usize,
    /// Files whose path is not valid UTF-8.
    #[serde(default)]
    pub name_not_utf8: usize,
}

impl SkipCounts {
    pub fn add(&mut self, reason: SkipReason) {
        match reason {
            SkipReason::Binary => self.binary += 1,
            SkipReason::TooLarge => self.too_large += 1,
            SkipReason::NotUtf8 => self.not_utf8 += 1,
            SkipReason::Unreadable => self.unreadable += 1,
            SkipReason::Symlink => self.symlink += 1,
            SkipReason::Special => self.special += 1,
            SkipReason::NameNotUtf8 => self.name_not_utf8 += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.binary
            + self.too_large
            + self.not_utf8
            + self.unreadable
            + self.symlink
            + self.special
            + self.name_not_utf8
    }
}

pub use crate::found_list::{FoundFile, FoundList};

/// Everything the walk saw.
#[derive(Debug, Default)]
pub struct WalkResult {
    /// Sorted by path; spilled to a temporary file (see `found_list`).
    pub files: FoundList,
    /// (relative path, reason) of every file left out before reading.
    pub skipped: Vec<(String, SkipReason)>,
}

#[derive(Clone, Debug)]
pub struct WalkOptions {
    pub max_file_size: u64,
    /// Glob patterns (gitignore syntax) to leave out, in addition to ignore files.
    pub exclude: Vec<String>,
    pub threads: usize,
    /// Where the list of found files is spilled (the system's temporary folder when `None`).
    pub spill_dir: Option<PathBuf>,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            max_file_size: 1024 * 1024,
            exclude: Vec::new(),
            threads: 2,
            spill_dir: None,
        }
    }
}

/// Walk `root`, honouring .gitignore, .ignore and git's exclude files even outside a git
/// repository, and leaving out hidden files and directories.
pub fn walk(root: &Path, options: &WalkOptions) -> WalkResult {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .threads(options.threads.max(1));
    if !options.exclude.is_empty() {
        let mut overrides = ignore::overrides::OverrideBuilder::new(root);
        for glob in &options.exclude {
            // An override glob selects; a leading '!' excludes.
            if let Err(e) = overrides.add(&format!("!{glob}")) {
                tracing::warn!("ignoring invalid exclude glob {glob:?}: {e}");
            }
        }
        match overrides.build() {
            Ok(o) => {
                builder.overrides(o);
            }
            Err(e) => tracing::warn!("ignoring exclude globs: {e}"),
        }
    }
    let found = Mutex::new((
        crate::found_list::FoundListWriter::new(options.spill_dir.as_deref()),
        Vec::new(),
    ));
    builder.build_parallel().run(|| {
        let found = &found;
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    tracing::debug!("walk error: {e}");
                    return ignore::WalkState::Continue;
                }
            };
            let Some(file_type) = entry.file_type() else {
                return ignore::WalkState::Continue;
            };
            let rel = relative(root, entry.path());
            let name_not_utf8 = entry
                .path()
                .strip_prefix(root)
                .is_ok_and(|r| r.to_str().is_none());
            if !file_type.is_dir() && name_not_utf8 {
                lock(found).1.push((rel, SkipReason::NameNotUtf8));
                return ignore::WalkState::Continue;
            }
            if file_type.is_symlink() {
                lock(found).1.push((rel, SkipReason::Symlink));
                return ignore::WalkState::Continue;
            }
            if !file_type.is_file() {
                if !file_type.is_dir() {
                    lock(found).1.push((rel, SkipReason::Special));
                }
                return ignore::WalkState::Continue;
            }
            match entry.metadata() {
                Ok(meta) if meta.len() > options.max_file_size => {
                    lock(found).1.push((rel, SkipReason::TooLarge));
                }
                Ok(meta) => {
                    lock(found).0.push(&rel, meta.len(), mtime_ns(&meta));
                }
                Err(_) => lock(found).1.push((rel, SkipReason::Unreadable)),
            }
            ignore::WalkState::Continue
        })
    });
    let (files, mut skipped) = found.into_inner().unwrap_or_else(|p| p.into_inner());
    skipped.sort();
    WalkResult {
        files: files.finish(),
        skipped,
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Modification time in nanoseconds since the epoch, 0 when the platform has none.
pub fn mtime_ns(meta: &std::fs::Metadata) -> u64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64)
}

/// `path` relative to `root`, with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut out = String::new();
    for (i, part) in rel.components().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&part.as_os_str().to_string_lossy());
    }
    out
}

/// Read a file that the walk found and decide whether it can be indexed.
/// Opened without blocking and checked to be a regular file: it may have been swapped for
/// a named pipe since the walk saw it.
pub fn read_text(path: &Path, max_size: u64) -> Result<String, SkipReason> {
    let (file, _) = crate::safe_path::open_no_block(path)?;
    classify(crate::safe_path::read_capped(file, max_size)?, max_size)
}

/// Decide whether file contents can be indexed, and return them as text.
pub fn classify(bytes: Vec<u8>, max_size: u64) -> Result<String, SkipReason> {
    if bytes.len() as u64 > max_size {
        return Err(SkipReason::TooLarge);
    }
    if looks_binary(&bytes) {
        return Err(SkipReason::Binary);
    }
    String::from_utf8(bytes).map_err(|_| SkipReason::NotUtf8)
}

/// How far into a file `looks_binary` looks.
pub const BINARY_HEAD: usize = 8192;

/// Whether a file starting with `bytes` is binary: a NUL among its first `BINARY_HEAD`
/// bytes (the rule git uses).
pub fn looks_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(BINARY_HEAD)].contains(&0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn walk_respects_gitignore_hidden_and_size_and_reports_skips() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("src")).unwrap();
        fs::create_dir_all(root.join("target")).unwrap();
        fs::create_dir_all(root.join(".hidden")).unwrap();
        fs::write(root.join(".gitignore"), "target/\n*.log\n").unwrap();
        fs::write(root.join("src/main.rs"), "fn main() {}\n").unwrap();
        fs::write(root.join("target/out.rs"), "fn built() {}\n").unwrap();
        fs::write(root.join("app.log"), "log line\n").unwrap();
        fs::write(root.join(".hidden/secret.rs"), "fn hidden() {}\n").unwrap();
        fs::write(root.join("big.txt"), vec![b'a'; 2048]).unwrap();
        let result = walk(
            root,
            &WalkOptions {
                max_file_size: 1024,
                ..Default::default()
            },
        );
        let paths: Vec<&str> = result.files.iter().map(|f| f.rel_path).collect();
        assert_eq!(paths, vec!["src/main.rs"]);
        assert_eq!(
            result.skipped,
            vec![("big.txt".to_string(), SkipReason::TooLarge)]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_terminate_and_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("a/b")).unwrap();
        fs::write(root.join("a/file.rs"), "fn a() {}\n").unwrap();
        std::os::unix::fs::symlink(root.join("a"), root.join("a/b/c")).unwrap();
        let result = walk(root, &WalkOptions::default());
        assert_eq!(result.files.len(), 1);
        assert_eq!(
            result.skipped,
            vec![("a/b/c".to_string(), SkipReason::Symlink)]
        );
    }

    #[test]
    fn exclude_globs_leave_files_out() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("keep.rs"), "fn k() {}\n").unwrap();
        fs::write(dir.path().join("drop.min.js"), "x\n").unwrap();
        let options = WalkOptions {
            exclude: vec!["*.min.js".into()],
            ..Default::default()
        };
        let result = walk(dir.path(), &options);
        assert_eq!(
            result.files.iter().map(|f| f.rel_path).collect::<Vec<_>>(),
            vec!["keep.rs"]
        );
    }

    #[test]
    fn classify_finds_binary_and_invalid_utf8() {
        assert_eq!(classify(b"ab\0cd".to_vec(), 100), Err(SkipReason::Binary));
        assert_eq!(
            classify(vec![0xff, 0xfe, b'a'], 100),
            Err(SkipReason::NotUtf8)
        );
        assert_eq!(classify(b"hello".to_vec(), 3), Err(SkipReason::TooLarge));
        assert_eq!(
            classify("héllo".as_bytes().to_vec(), 100),
            Ok("héllo".to_string())
        );
    }

    #[test]
    fn a_vanished_file_is_unreadable_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read_text(&dir.path().join("gone.rs"), 100),
            Err(SkipReason::Unreadable)
        );
    }
}
