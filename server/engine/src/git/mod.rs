//! Git archaeology: which commits touched a file, who last changed a line range, and a
//! permalink to a range at the HEAD commit.
//!
//! Git is optional. [`GitRepo::open`] answers with a [`GitUnavailable`] reason (not a
//! repository, broken `.git`, no commits) instead of failing, and nothing here panics or
//! prints. Paths are workspace-relative with `/` separators; when the workspace is a
//! subdirectory of the repository they are mapped to repository paths internally. Lines are
//! 0-based with an exclusive end.
//!
//! - [`HistoryIndex`]: one revwalk from HEAD into a path -> commits map. The newest commits are
//!   read first so answers have history at once; the rest of the walk can run on a background
//!   thread, is cancellable, persists per HEAD and extends itself when HEAD moves forward.
//!   Trees are compared entry by entry, descending only into subtrees whose ids differ, rather
//!   than with a libgit2 diff per commit.
//! - [`GitRepo::blame_range`]: blame of a line range of the HEAD version, with lines edited in
//!   the editor (or on disk) reported as not committed. It uses the `git` command when present
//!   (faster than libgit2's blame, see `blame.rs`) and libgit2 otherwise.
//! - [`Permalinker`]: host-shaped permalinks (GitHub, GitLab, Bitbucket, Gitea, Azure DevOps,
//!   or a template), only for files whose content is unchanged since HEAD.

mod blame;
mod frozen_paths;
mod history;
mod paths;
mod permalink;
mod repo;
#[cfg(test)]
mod testutil;
mod tree_diff;
mod unread;

pub use blame::{BlameBackend, BlameHunk, NOT_COMMITTED_AUTHOR, NOT_COMMITTED_SHA};
pub use history::{
    AuthorCount, CommitInfo, ExtendOutcome, FileHistory, HistoryIndex, HistoryStatus, Unread,
    WalkOutcome, RECENT_COMMITS,
};
pub use permalink::{PermalinkSettings, Permalinker, RemoteKind, RemoteUrl};
pub use repo::{GitRepo, GitUnavailable, UnavailableKind};

/// Why a git operation on an opened repository failed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// libgit2 reported an error (a missing or corrupt object, an unreadable ref, ...).
    #[error("git: {0}")]
    Git(String),
    /// The path is not in the HEAD commit's tree.
    #[error("not tracked in HEAD: {0}")]
    NotTracked(String),
    /// A persisted history index that cannot be trusted (wrong magic, version or checksum).
    #[error("persisted history unreadable: {0}")]
    Persisted(String),
    /// A revision given by the caller that does not name a commit.
    #[error("not a commit: {0}")]
    BadRevision(String),
}

impl From<git2::Error> for GitError {
    fn from(e: git2::Error) -> Self {
        GitError::Git(e.message().to_string())
    }
}

/// A commit id as stored: 20 raw bytes (SHA-1; SHA-256 repositories are not supported by the
/// libgit2 build we link).
pub(crate) type Sha = [u8; 20];

pub(crate) fn sha_of(oid: git2::Oid) -> Option<Sha> {
    oid.as_bytes().try_into().ok()
}

pub(crate) fn sha_hex(sha: &Sha) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(40);
    for b in sha {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Seconds since the Unix epoch as an RFC 3339 UTC timestamp (`2026-01-02T03:04:05Z`).
pub(crate) fn rfc3339_utc(epoch_seconds: i64) -> String {
    let days = epoch_seconds.div_euclid(86_400);
    let secs = epoch_seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01, computed in 400-year eras
/// (each era has exactly 146,097 days, so the calendar repeats).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Shift the epoch to 0000-03-01 so that the leap day is the last day of a year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod blame_tests;
#[cfg(test)]
mod frozen_tests;
#[cfg(test)]
mod tests;
