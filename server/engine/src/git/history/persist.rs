//! The history index on disk: a magic, a format version and a checksum in front of the
//! postcard encoding, checked whole when read back (the frozen path table beside it is
//! attached and checked by `paths`).

use std::path::Path;

use super::super::paths::PathSpill;
use super::super::GitError;
use super::HistoryIndex;

const PERSIST_MAGIC: &[u8; 4] = b"AILH";
const PERSIST_VERSION: u32 = 3;

impl HistoryIndex {
    /// The index as bytes: a magic, a format version, a checksum, then postcard.
    pub fn to_bytes(&self) -> Vec<u8> {
        let payload = match postcard::to_allocvec(self) {
            Ok(p) => p,
            Err(e) => {
                // Serializing plain owned data cannot fail short of running out of memory;
                // an empty payload is rejected on load and the index rebuilt.
                tracing::warn!("history index not serialized: {e}");
                Vec::new()
            }
        };
        let mut out = Vec::with_capacity(payload.len() + 16);
        out.extend_from_slice(PERSIST_MAGIC);
        out.extend_from_slice(&PERSIST_VERSION.to_le_bytes());
        out.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Read bytes written by [`Self::to_bytes`]; anything that does not check out is an error
    /// (the caller rebuilds). Compare [`Self::head_sha`] with HEAD and call
    /// [`Self::extend_to`] when it moved.
    /// `paths_file` is where `freeze_paths` put the frozen paths, if it did.
    pub fn from_bytes(bytes: &[u8], paths_file: Option<&Path>) -> Result<HistoryIndex, GitError> {
        let bad = |why: &str| GitError::Persisted(why.to_string());
        if bytes.len() < 16 || &bytes[..4] != PERSIST_MAGIC {
            return Err(bad("not a history index"));
        }
        let version = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        if version != PERSIST_VERSION {
            return Err(GitError::Persisted(format!("format version {version}")));
        }
        let mut sum = [0u8; 8];
        sum.copy_from_slice(&bytes[8..16]);
        let payload = &bytes[16..];
        if xxhash_rust::xxh3::xxh3_64(payload) != u64::from_le_bytes(sum) {
            return Err(bad("checksum mismatch"));
        }
        let mut index: HistoryIndex =
            postcard::from_bytes(payload).map_err(|e| GitError::Persisted(e.to_string()))?;
        let names = index.names.len();
        let out_of_range = index
            .commits
            .iter()
            .any(|c| c.author as usize >= names || c.email as usize >= names)
            || index.paths.records().any(|p| {
                p.commits.iter().any(|&i| i as usize >= index.commits.len())
                    || p.renamed_from
                        .iter()
                        .any(|(i, _)| *i as usize >= index.commits.len())
            });
        if out_of_range {
            return Err(bad("dangling commit or name index"));
        }
        let commits = index.commits.len();
        index
            .paths
            .attach(paths_file, commits)
            .map_err(|e| GitError::Persisted(e.to_string()))?;
        // A walk resumed from here moves its paths beside the frozen ones.
        index.path_spill = paths_file.and_then(Path::parent).map(PathSpill::new);
        index.name_ids = index
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as u32))
            .collect();
        Ok(index)
    }
}
