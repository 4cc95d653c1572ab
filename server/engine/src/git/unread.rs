//! What a history walk had to go past unread, and how an answer says so. A partial clone
//! (`git clone --filter=blob:none`) has every commit and tree but old file contents only
//! on demand, which libgit2 cannot fetch; a damaged pack can lack anything. The walk reads
//! on past such holes, and counts them here.

use super::GitError;
use serde::{Deserialize, Serialize};

/// Objects the walk could not read and went past, as in a partial clone
/// (`--filter=blob:none`) or a damaged pack: the rest of the history is still read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unread {
    /// Commits whose changes could not be read (a tree was missing): no file counts them.
    pub commits: usize,
    /// Commits whose renames could not be told (a file's content was missing): a history
    /// does not follow a file into its older name across them.
    pub renames: usize,
    /// The first error met, as git worded it.
    pub first_error: Option<String>,
}

impl Unread {
    pub fn is_empty(&self) -> bool {
        self.commits == 0 && self.renames == 0
    }

    pub(super) fn record(&mut self, error: &GitError, renames_only: bool) {
        if renames_only {
            self.renames += 1;
        } else {
            self.commits += 1;
        }
        if self.first_error.is_none() {
            self.first_error = Some(error.to_string());
        }
    }

    /// One line for an answer's warnings.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.commits > 0 {
            parts.push(format!("{} commits with unreadable changes", self.commits));
        }
        if self.renames > 0 {
            parts.push(format!("renames unknown in {} commits", self.renames));
        }
        format!(
            "history partial: {} (objects missing, as in a partial clone)",
            parts.join(", ")
        )
    }
}
