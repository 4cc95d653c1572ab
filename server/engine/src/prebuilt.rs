//! Prebuilt indexes: a segment written on one machine (a CI job, say) and opened on
//! another. Paths inside a segment are relative to the workspace root, so the file is
//! portable; it records the commit it was built at, so a developer's first pass needs to
//! index only what differs from that commit (see `Engine::refresh`).

use crate::segment::{Segment, SegmentError};
use crate::store::Store;
use std::path::Path;

/// Write `store` as a portable segment at `out`, keyed by `commit`.
pub fn write(store: &Store, commit: Option<String>, out: &Path) -> std::io::Result<u64> {
    if out.is_dir() {
        return Err(std::io::Error::other(format!(
            "{} is a folder; give the path of the file to write",
            out.display()
        )));
    }
    // No root: the segment may be opened under any path.
    let meta = store.segment_meta("", commit);
    crate::segment::write::write_segment(&store.source(), meta, out)
}

/// Open the prebuilt segment at `file` for an engine whose embedder is `embedder`, checking
/// all of it (it came from elsewhere). The error says what to do about it.
pub fn open(file: &Path, embedder: &str) -> Result<Segment, String> {
    let segment = Segment::open(file).map_err(|e| match e {
        SegmentError::Missing => format!(
            "prebuilt index {} does not exist (write one with `ail index --out FILE`)",
            file.display()
        ),
        other => format!(
            "prebuilt index {} is not usable ({other}); write it again with `ail index --out FILE`",
            file.display()
        ),
    })?;
    if segment.meta.embedder != embedder {
        return Err(format!(
            "prebuilt index {} was built with the embedder {}, this server uses {}; build it with the same model settings",
            file.display(),
            segment.meta.embedder,
            embedder
        ));
    }
    Ok(segment)
}
