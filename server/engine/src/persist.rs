//! Where a workspace's index lives on disk, and clearing what older builds or killed
//! writers left there. The index itself is a segment (see `segment`): written to a
//! temporary file beside its place and renamed over it, checked in full when opened, and
//! rebuilt when anything does not check out.

use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::xxh3_64;

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
        .join("index.seg")
}

/// Remove what does not belong beside the index at `index`: the whole-index file of
/// earlier formats (`index.bin`) and temporaries of writers that were killed. A temporary
/// of a writer still running in another process is left alone while it is young.
pub fn remove_stale_files(index: &Path) {
    let Some(dir) = index.parent() else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let stale = if name == "index.bin" {
            true
        } else if crate::index_file::is_temporary(&name) {
            entry
                .metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE_TEMPORARY_AGE)
        } else {
            false
        };
        if stale {
            if let Err(e) = std::fs::remove_file(entry.path()) {
                tracing::debug!("could not remove {}: {e}", entry.path().display());
            }
        }
    }
}

/// A temporary older than this was left by a writer that is gone: a whole segment of a
/// large workspace is written in seconds.
const STALE_TEMPORARY_AGE: std::time::Duration = std::time::Duration::from_secs(10 * 60);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_temporaries_and_old_format_files_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("index.seg");
        let write = |name: &str, age_s: u64| {
            let path = dir.path().join(name);
            std::fs::write(&path, b"x").unwrap();
            let when = std::time::SystemTime::now() - std::time::Duration::from_secs(age_s);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(when)
                .unwrap();
        };
        write("index.seg", 3600);
        write("index.bin", 0);
        write(".segment-killed.tmp", 3600);
        write(".segment-running.tmp", 1);
        write("history.bin", 3600);
        remove_stale_files(&index);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".segment-running.tmp", "history.bin", "index.seg"]);
    }
}
