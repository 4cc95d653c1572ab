//! The small files the engine keeps beside its index (the git history, `history.bin`):
//! read only when they are regular files, without blocking (a named pipe put in a file's
//! place would otherwise hang `ail context` and `ail status` for good), and written to a
//! fresh temporary file beside their place, then renamed over it, so a reader sees the old
//! file or the new one and a killed writer leaves only a temporary that the next open
//! removes (see `persist::remove_stale_files`).

use crate::walk::SkipReason;
use std::io::{Read, Write};
use std::path::Path;

/// Why an index file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IndexFileError {
    #[error("no such file")]
    Missing,
    #[error("not a regular file (a pipe, socket or device is never opened)")]
    NotRegular,
    #[error("cannot read: {0}")]
    Io(std::io::Error),
}

impl From<IndexFileError> for std::io::Error {
    fn from(e: IndexFileError) -> std::io::Error {
        match e {
            IndexFileError::Missing => std::io::ErrorKind::NotFound.into(),
            IndexFileError::NotRegular => std::io::Error::other("not a regular file"),
            IndexFileError::Io(e) => e,
        }
    }
}

/// Open the regular file at `path` for reading, without blocking (the segment, the
/// history, a model's files).
pub fn open_index_file(path: &Path) -> Result<(std::fs::File, std::fs::Metadata), IndexFileError> {
    match crate::safe_path::open_no_block(path) {
        Ok(opened) => Ok(opened),
        Err(SkipReason::Unreadable) if !path.exists() => Err(IndexFileError::Missing),
        Err(SkipReason::Unreadable) => {
            Err(IndexFileError::Io(std::io::Error::other("cannot open")))
        }
        Err(_) => Err(IndexFileError::NotRegular),
    }
}

/// The whole content of the regular file at `path`.
pub fn read_index_file(path: &Path) -> Result<Vec<u8>, IndexFileError> {
    let (mut file, meta) = open_index_file(path)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes).map_err(IndexFileError::Io)?;
    Ok(bytes)
}

/// Write `bytes` to `path` through a new temporary file in the same folder (created
/// exclusively, so never a pipe someone left there), flushed to disk before the rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("no parent folder"))?;
    std::fs::create_dir_all(dir)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{stem}-"))
        .suffix(TEMPORARY_SUFFIX)
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

pub(crate) const TEMPORARY_SUFFIX: &str = ".tmp";

/// Whether a file name in the index folder is a writer's temporary: `.<stem>-XXXXXX.tmp`
/// as `write_atomically` and the segment writer make them, or `history.tmp`, the fixed
/// name earlier builds used.
pub fn is_temporary(name: &str) -> bool {
    (name.starts_with('.') && name.ends_with(TEMPORARY_SUFFIX)) || name == "history.tmp"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_and_refuses_pipes_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.bin");
        assert!(matches!(
            read_index_file(&path),
            Err(IndexFileError::Missing)
        ));
        write_atomically(&path, b"abc").unwrap();
        assert_eq!(read_index_file(&path).unwrap(), b"abc");
        write_atomically(&path, b"defg").unwrap();
        assert_eq!(read_index_file(&path).unwrap(), b"defg");
        // Only the file itself is left: the temporary was renamed.
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["history.bin".to_string()]);

        std::fs::remove_file(&path).unwrap();
        let c_path = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
        assert!(matches!(
            read_index_file(&path),
            Err(IndexFileError::NotRegular)
        ));
        // Writing replaces the pipe instead of waiting for a reader of it.
        write_atomically(&path, b"xyz").unwrap();
        assert_eq!(read_index_file(&path).unwrap(), b"xyz");
    }

    #[test]
    fn temporaries_are_told_from_index_files() {
        assert!(is_temporary(".segment-a1B2c3.tmp"));
        assert!(is_temporary(".history-Zx81kq.tmp"));
        assert!(is_temporary("history.tmp"));
        assert!(!is_temporary("index.seg"));
        assert!(!is_temporary("history.bin"));
    }
}
