//! A file's history and the blame of a range of its lines, asked for on their own (without
//! a question): what the `history` tools of the front ends answer.

use super::Engine;
use crate::git::{BlameHunk, FileHistory};

/// Most lines one blame covers; a longer range is cut to this many from its start.
pub const MAX_BLAME_LINES: u32 = 400;
/// Most commits one history lists.
pub const MAX_HISTORY_COMMITS: usize = 100;

/// What git knows about one workspace file.
#[derive(Clone, Debug, Default)]
pub struct FileContext {
    /// `None` without git, or while the history is still being read.
    pub history: Option<FileHistory>,
    /// `None` without a range, without git, or for a file not in HEAD.
    pub blame: Option<Vec<BlameHunk>>,
    /// Why something is missing, in a few words each.
    pub warnings: Vec<String>,
}

impl Engine {
    /// The history of `rel_path` (workspace-relative, as `relative_path` gives it), newest
    /// first with at most `commits` commits, and the blame of `lines` (0-based, end
    /// exclusive) when given. The file is read only through git's safe paths.
    pub fn file_context(
        &self,
        rel_path: &str,
        lines: Option<(u32, u32)>,
        commits: usize,
    ) -> FileContext {
        let mut out = FileContext::default();
        let git = match &self.git {
            Ok(g) => g,
            Err(reason) => {
                out.warnings.push(format!("history unavailable: {reason}"));
                return out;
            }
        };
        if !crate::safe_path::is_plain_relative(rel_path) {
            out.warnings
                .push(format!("{rel_path} is not a workspace-relative path"));
            return out;
        }
        let commits = commits.clamp(1, MAX_HISTORY_COMMITS);
        match git.history.read().as_ref() {
            Some(h) => out.history = h.history(rel_path, commits),
            None => out
                .warnings
                .push("history pending: the commits are still being read".to_string()),
        }
        if out.history.is_none() && out.warnings.is_empty() {
            out.warnings.push(format!("no commits touch {rel_path}"));
        }
        if let Some((start, end)) = lines {
            let end = end
                .min(start.saturating_add(MAX_BLAME_LINES))
                .max(start + 1);
            match git.repo.blame_range(rel_path, start, end, None) {
                Ok(hunks) => out.blame = Some(hunks),
                Err(e) => out.warnings.push(format!("no blame: {e}")),
            }
        }
        out
    }
}
