//! The history index: which commits touched each path, from one revwalk from HEAD.
//!
//! Each commit's tree is compared with its first parent's by walking both trees' entries in
//! git order and descending only into subtrees whose ids differ; unchanged subtrees cost one
//! id comparison. Merge commits count for a path only when it differs from every parent (that
//! is when `git log -- PATH` shows a merge: a conflict resolution or an evil merge). Renames are
//! found by libgit2's similarity detection, run only on commits that both add and delete
//! files, and followed like `git log --follow` when a path is asked about.
//!
//! Commits are stored once; per-path lists hold `u32` indices into them, newest first.

mod persist;

use crate::cancel::CancelToken;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use git2::{Commit, DiffFindOptions, DiffOptions, Mailmap, Oid, Repository, Sort, Tree};
use serde::{Deserialize, Serialize};

use super::paths::{Commits, PathSpill, PathTable};
use super::repo::{head_oid, normalize_path, GitRepo};
use super::tree_diff::{diff_trees, ChangeKind, TreeCache, MODE_TREE};
pub use super::unread::Unread;
use super::{rfc3339_utc, sha_hex, sha_of, GitError, Sha};

/// How many commits `read_recent` reads before the first answers.
pub const RECENT_COMMITS: usize = 100;

/// One commit as shown to people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitInfo {
    pub sha: String,
    pub author: String,
    /// Author date, RFC 3339 UTC.
    pub date: String,
    /// First line (paragraph) of the message.
    pub summary: String,
}

/// How many of a file's commits one author made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorCount {
    pub name: String,
    pub commits: usize,
}

/// A file's history, following renames.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHistory {
    /// The workspace path asked about.
    pub path: String,
    /// Newest first, at most the limit asked for.
    pub commits: Vec<CommitInfo>,
    /// Authors of all the file's commits, most commits first.
    pub authors: Vec<AuthorCount>,
    pub total_commits: usize,
    /// False while older commits are still unread, or for good (a shallow clone, a walk
    /// that could not go on); [`HistoryIndex::status`] says why. Objects the walk went past
    /// are in `unread`.
    pub complete: bool,
    /// What the walk had to go past unread (zero in a whole repository).
    pub unread: Unread,
}

/// What the index covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryStatus {
    /// The newest commit covered.
    pub head: String,
    pub commits: usize,
    pub complete: bool,
    /// Why it is not complete: still reading, shallow clone, or the error that stopped the walk.
    pub reason: Option<String>,
}

/// How a walk ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WalkOutcome {
    /// Every commit reachable from HEAD was read.
    Complete,
    /// The commit budget was used up; more commits remain.
    Partial,
    /// The cancel flag was raised; calling again resumes where this stopped.
    Cancelled,
    /// An error (a missing or corrupt object) ended the walk; what was read stays usable.
    Stopped(String),
}

/// What `extend_to` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtendOutcome {
    /// The index already covered that commit.
    Unchanged,
    /// HEAD moved forward: this many new commits were added.
    Extended(usize),
    /// The old HEAD is not an ancestor of the new one (history rewritten, or another branch):
    /// the index was started again from the new HEAD with its recent commits read.
    Rebuilt,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct CommitRecord {
    sha: Sha,
    /// Index into `names` (the author's name after mailmap).
    author: u32,
    /// Index into `names` (the author's email after mailmap).
    email: u32,
    /// Author time, seconds since the epoch.
    time: i64,
    summary: Box<str>,
}

/// Path -> commits map for the workspace's files (paths relative to the workspace).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HistoryIndex {
    /// The newest commit covered (HEAD when the index was last built or extended).
    head: Sha,
    /// The workspace's place in the repository ("" or "dir/"): only paths below it are indexed.
    prefix: String,
    shallow: bool,
    /// The commit the resumable walk starts from, how many of its commits were read, and
    /// whether it reached the end.
    walk_root: Sha,
    walked: u64,
    walk_done: bool,
    stop_reason: Option<String>,
    /// What the walks went past unread.
    unread: Unread,
    commits: Vec<CommitRecord>,
    /// Interned author names and emails.
    names: Vec<Box<str>>,
    #[serde(skip)]
    name_ids: HashMap<Box<str>, u32>,
    paths: PathTable,
    /// Where the main walk may move paths it holds to files (see `PathTable::older_entry`).
    #[serde(skip)]
    path_spill: Option<PathSpill>,
}

/// What one commit changed in the workspace besides the paths it touched (which go
/// straight to their table as the trees are compared).
#[derive(Default)]
struct CommitChanges {
    /// (new path, old path), workspace-relative.
    renames: Vec<(String, String)>,
    /// Why the renames could not be told, if they could not.
    renames_unread: Option<GitError>,
}

impl HistoryIndex {
    /// Start an index at the current HEAD and read its newest `count` commits, so that
    /// answers have history at once (`complete` stays false until [`Self::read_all`] ends).
    pub fn read_recent(repo: &GitRepo, count: usize) -> Result<HistoryIndex, GitError> {
        HistoryIndex::read_recent_spilling(repo, count, None)
    }

    /// `read_recent`, moving the paths of the walk to temporary files in `spill_dir` as
    /// they pass a fixed number, there and in every later walk of this index, so that the
    /// memory the walk holds does not grow with the repository's paths.
    pub fn read_recent_spilling(
        repo: &GitRepo,
        count: usize,
        spill_dir: Option<&Path>,
    ) -> Result<HistoryIndex, GitError> {
        let handle = repo.open_handle()?;
        let head = head_oid(&handle)?;
        let mut index = HistoryIndex::empty(head, repo)?;
        index.path_spill = spill_dir.map(PathSpill::new);
        index.walk(&handle, Some(count), &CancelToken::new());
        Ok(index)
    }

    /// Read the rest of the history. Checks `cancel` between commits; a cancelled or stopped
    /// walk keeps what it read, and calling again resumes it.
    pub fn read_all(
        &mut self,
        repo: &GitRepo,
        cancel: &CancelToken,
    ) -> Result<WalkOutcome, GitError> {
        if self.prefix != repo.workspace_prefix() {
            // Built for another directory of the repository: its paths mean other files.
            let root = Oid::from_bytes(&self.walk_root)?;
            let spill = self.path_spill.take();
            *self = HistoryIndex::empty(root, repo)?;
            self.path_spill = spill;
        }
        if self.walk_done {
            return Ok(self.done_outcome());
        }
        let handle = repo.open_handle()?;
        Ok(self.walk(&handle, None, cancel))
    }

    /// Bring the index to `new_head` (40 hex digits): when the covered HEAD is an ancestor,
    /// only the new commits are read; otherwise the index starts over from `new_head`.
    pub fn extend_to(&mut self, repo: &GitRepo, new_head: &str) -> Result<ExtendOutcome, GitError> {
        let new = Oid::from_str(new_head).map_err(|_| GitError::BadRevision(new_head.into()))?;
        let handle = repo.open_handle()?;
        if handle.find_commit(new).is_err() {
            return Err(GitError::BadRevision(new_head.into()));
        }
        let Some(new_sha) = sha_of(new) else {
            return Err(GitError::BadRevision(new_head.into()));
        };
        if new_sha == self.head && self.prefix == repo.workspace_prefix() {
            return Ok(ExtendOutcome::Unchanged);
        }
        let old = Oid::from_bytes(&self.head).ok();
        let forward = self.prefix == repo.workspace_prefix()
            && old.is_some_and(|old| handle.graph_descendant_of(new, old).unwrap_or(false));
        let Some(old) = old.filter(|_| forward) else {
            tracing::info!(new_head, "history rewritten or moved elsewhere: rebuilding");
            let spill = self.path_spill.take();
            *self = HistoryIndex::empty(new, repo)?;
            self.path_spill = spill;
            self.walk(&handle, Some(RECENT_COMMITS), &CancelToken::new());
            return Ok(ExtendOutcome::Rebuilt);
        };

        let mut revwalk = handle.revwalk()?;
        revwalk.set_sorting(Sort::NONE)?;
        revwalk.push(new)?;
        revwalk.hide(old)?;
        let new_oids: Vec<Oid> = revwalk.collect::<Result<_, _>>()?;
        let mailmap = handle.mailmap().ok();
        let mut trees = TreeCache::new(&handle);
        // Per path, the new commits newest first; they go in front of the older lists.
        let mut batch: HashMap<String, Vec<u32>> = HashMap::new();
        let mut renames = Vec::new();
        for oid in &new_oids {
            let commit = trees.commit(*oid)?;
            let idx = self.push_commit(&commit, mailmap.as_ref())?;
            let changes = self.changes_or_unread(&mut trees, &commit, &mut |path| {
                batch.entry(path.to_string()).or_default().push(idx)
            });
            for (new_path, old_path) in changes.renames {
                renames.push((new_path, idx, old_path));
            }
        }
        // Newer commits go in front of the held ones, so nothing may be newer than those.
        self.paths.absorb_runs();
        for (path, newer) in batch {
            let record = self.paths.entry(&path);
            let mut commits: Commits = newer.into_iter().collect();
            commits.extend(record.commits.drain(..));
            record.commits = commits;
        }
        for (new_path, idx, old_path) in renames {
            self.paths
                .entry(&new_path)
                .renamed_from
                .push((idx, old_path.into_boxed_str()));
        }
        self.head = new_sha;
        Ok(ExtendOutcome::Extended(new_oids.len()))
    }

    /// A file's history (workspace path), following renames, newest first, at most `limit`
    /// commits listed. `None` when the complete index has never seen the path; while the walk
    /// is incomplete an unseen path gets an empty, incomplete history.
    pub fn history(&self, path: &str, limit: usize) -> Option<FileHistory> {
        let path = normalize_path(path);
        let complete = self.is_complete();
        if !self.paths.contains(path.as_str()) {
            return (!complete).then(|| FileHistory {
                path,
                commits: Vec::new(),
                authors: Vec::new(),
                total_commits: 0,
                complete,
                unread: self.unread.clone(),
            });
        }
        let ids = self.follow(&path);
        let commits = ids
            .iter()
            .take(limit)
            .map(|&i| self.commit_info(i))
            .collect();
        // Counted by interned name: a slot per name is cheaper than hashing per commit.
        let mut per_name = vec![0usize; self.names.len()];
        for &i in &ids {
            if let Some(slot) = self
                .commits
                .get(i as usize)
                .and_then(|c| per_name.get_mut(c.author as usize))
            {
                *slot += 1;
            }
        }
        let mut authors: Vec<AuthorCount> = per_name
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(name, &commits)| AuthorCount {
                name: self.name(name as u32).to_string(),
                commits,
            })
            .collect();
        authors.sort_by(|a, b| b.commits.cmp(&a.commits).then_with(|| a.name.cmp(&b.name)));
        Some(FileHistory {
            path,
            commits,
            authors,
            total_commits: ids.len(),
            complete,
            unread: self.unread.clone(),
        })
    }

    /// The newest commit covered (40 hex digits): the key under which to persist the index.
    pub fn head_sha(&self) -> String {
        sha_hex(&self.head)
    }

    pub fn status(&self) -> HistoryStatus {
        let reason = if let Some(stop) = &self.stop_reason {
            Some(format!("history walk stopped: {stop}"))
        } else if !self.walk_done {
            Some(format!(
                "reading history: {} commits so far",
                self.commits.len()
            ))
        } else if self.shallow {
            Some("shallow clone: older history is not available".to_string())
        } else if !self.unread.is_empty() {
            Some(self.unread.describe())
        } else {
            None
        };
        HistoryStatus {
            head: self.head_sha(),
            commits: self.commits.len(),
            complete: self.is_complete(),
            reason,
        }
    }

    /// Move the paths held in memory into the frozen table at `file`, read in place from
    /// then on, once the walk has read every commit it will (later commits are only ever
    /// newer) and at least `min_held` paths are held. Returns whether it froze.
    pub fn freeze_paths(&mut self, file: &Path, min_held: usize) -> Result<bool, GitError> {
        let (held, frozen) = self.paths.held();
        if !self.walk_done || held == 0 || (frozen > 0 && held < min_held) {
            return Ok(false);
        }
        self.paths
            .freeze(file, self.commits.len())
            .map_err(|e| GitError::Persisted(e.to_string()))?;
        Ok(true)
    }

    #[cfg(test)]
    pub(super) fn spill_paths_every(&mut self, dir: &Path, at: usize) {
        self.path_spill = Some(PathSpill::every(dir, at));
    }

    #[cfg(test)]
    pub(super) fn path_runs(&self) -> usize {
        self.paths.runs()
    }

    /// Every commit reachable from HEAD was read, and there is nothing before them.
    pub fn is_complete(&self) -> bool {
        self.walk_done && self.stop_reason.is_none() && !self.shallow
    }

    fn empty(head: Oid, repo: &GitRepo) -> Result<HistoryIndex, GitError> {
        let head = sha_of(head).ok_or_else(|| GitError::Git("unsupported object id".into()))?;
        Ok(HistoryIndex {
            head,
            prefix: repo.workspace_prefix().to_string(),
            shallow: repo.is_shallow(),
            walk_root: head,
            walked: 0,
            walk_done: false,
            stop_reason: None,
            unread: Unread::default(),
            commits: Vec::new(),
            names: Vec::new(),
            name_ids: HashMap::new(),
            paths: PathTable::default(),
            path_spill: None,
        })
    }

    fn done_outcome(&self) -> WalkOutcome {
        match &self.stop_reason {
            Some(reason) => WalkOutcome::Stopped(reason.clone()),
            None => WalkOutcome::Complete,
        }
    }

    /// Continue the main walk from `walk_root`, reading at most `budget` more commits.
    /// libgit2's unsorted walk is lazy (a date-ordered queue, like `git log`), so the first
    /// commits arrive without reading the whole graph, and the order is the same on every run:
    /// resuming skips the commits already read.
    fn walk(
        &mut self,
        repo: &Repository,
        budget: Option<usize>,
        cancel: &CancelToken,
    ) -> WalkOutcome {
        match self.walk_inner(repo, budget, cancel) {
            Ok(outcome) => outcome,
            Err(e) => {
                let reason = e.to_string();
                tracing::warn!(%reason, "history walk stopped");
                self.stop_reason = Some(reason.clone());
                self.walk_done = true;
                WalkOutcome::Stopped(reason)
            }
        }
    }

    fn walk_inner(
        &mut self,
        repo: &Repository,
        budget: Option<usize>,
        cancel: &CancelToken,
    ) -> Result<WalkOutcome, GitError> {
        let root = Oid::from_bytes(&self.walk_root)?;
        let mut revwalk = repo.revwalk()?;
        revwalk.set_sorting(Sort::NONE)?;
        revwalk.push(root)?;
        for _ in 0..self.walked {
            match revwalk.next() {
                Some(step) => {
                    step?;
                }
                None => {
                    self.walk_done = true;
                    return Ok(self.done_outcome());
                }
            }
        }
        let mailmap = repo.mailmap().ok();
        let mut trees = TreeCache::new(repo);
        let spill = self.path_spill.clone();
        let spill = spill.as_ref();
        let mut read = 0usize;
        loop {
            if cancel.is_cancelled() {
                return Ok(WalkOutcome::Cancelled);
            }
            if budget.is_some_and(|b| read >= b) {
                return Ok(WalkOutcome::Partial);
            }
            let Some(step) = revwalk.next() else {
                self.walk_done = true;
                return Ok(WalkOutcome::Complete);
            };
            let commit = trees.commit(step?)?;
            let idx = self.push_commit(&commit, mailmap.as_ref())?;
            // Out of `self` while the trees are compared, so that each path goes in as it
            // is found (older than every path held, so the table may move some to a file).
            let mut paths = std::mem::take(&mut self.paths);
            let changes = self.changes_or_unread(&mut trees, &commit, &mut |path| {
                paths.older_entry(path, spill).commits.push(idx)
            });
            for (new_path, old_path) in changes.renames {
                paths
                    .older_entry(&new_path, spill)
                    .renamed_from
                    .push((idx, old_path.into_boxed_str()));
            }
            self.paths = paths;
            self.walked += 1;
            read += 1;
        }
    }

    fn push_commit(
        &mut self,
        commit: &Commit<'_>,
        mailmap: Option<&Mailmap>,
    ) -> Result<u32, GitError> {
        let author = match mailmap.and_then(|m| commit.author_with_mailmap(m).ok()) {
            Some(sig) => sig,
            None => commit.author().to_owned(),
        };
        let name = self.intern(&String::from_utf8_lossy(author.name_bytes()));
        let email = self.intern(&String::from_utf8_lossy(author.email_bytes()));
        let summary = commit
            .summary_bytes()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .unwrap_or_default();
        let sha =
            sha_of(commit.id()).ok_or_else(|| GitError::Git("unsupported object id".into()))?;
        let idx = u32::try_from(self.commits.len())
            .map_err(|_| GitError::Git("too many commits".into()))?;
        self.commits.push(CommitRecord {
            sha,
            author: name,
            email,
            time: author.when().seconds(),
            summary: summary.into_boxed_str(),
        });
        Ok(idx)
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.name_ids.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        let boxed: Box<str> = s.into();
        self.names.push(boxed.clone());
        self.name_ids.insert(boxed, id);
        id
    }

    fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |n| n)
    }

    fn commit_info(&self, idx: u32) -> CommitInfo {
        match self.commits.get(idx as usize) {
            Some(c) => CommitInfo {
                sha: sha_hex(&c.sha),
                author: self.name(c.author).to_string(),
                date: rfc3339_utc(c.time),
                summary: c.summary.to_string(),
            },
            None => CommitInfo {
                sha: String::new(),
                author: String::new(),
                date: String::new(),
                summary: String::new(),
            },
        }
    }

    /// The commits of `path`, newest first, continuing into the older path at each rename
    /// (as `git log --follow` does).
    fn follow(&self, path: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let mut current: Box<str> = path.into();
        let mut start = 0usize;
        // Each switch moves to strictly older commits, so this ends; the bound guards against
        // damaged persisted data.
        for _ in 0..=self.commits.len() {
            let Some(record) = self.paths.get(&current) else {
                break;
            };
            let mut next = None;
            for &idx in record.commits.iter().skip(start) {
                out.push(idx);
                if let Some((_, older)) = record.renamed_from.iter().find(|(c, _)| *c == idx) {
                    next = Some((idx, older.clone()));
                    break;
                }
            }
            let Some((rename_commit, older)) = next else {
                break;
            };
            let Some(older_record) = self.paths.get(&older) else {
                break;
            };
            let Some(pos) = older_record
                .commits
                .iter()
                .position(|&c| c == rename_commit)
            else {
                break;
            };
            current = older;
            start = pos + 1;
        }
        out
    }

    /// What `commit` changed, recording in `unread` what could not be read instead of
    /// stopping: one missing object costs (the rest of) one commit's paths or renames, not
    /// the history.
    fn changes_or_unread<'r>(
        &mut self,
        trees: &mut TreeCache<'r>,
        commit: &Commit<'r>,
        touched: &mut dyn FnMut(&str),
    ) -> CommitChanges {
        match self.changes_of(trees, commit, touched) {
            Ok(mut changes) => {
                if let Some(e) = changes.renames_unread.take() {
                    tracing::debug!("renames of {} unknown: {e}", commit.id());
                    self.unread.record(&e, true);
                }
                changes
            }
            Err(e) => {
                tracing::debug!("changes of {} unreadable: {e}", commit.id());
                self.unread.record(&e, false);
                CommitChanges::default()
            }
        }
    }

    /// The workspace paths `commit` changed, each given to `touched` as it is found, and
    /// the renames among them.
    fn changes_of<'r>(
        &self,
        trees: &mut TreeCache<'r>,
        commit: &Commit<'r>,
        touched: &mut dyn FnMut(&str),
    ) -> Result<CommitChanges, GitError> {
        trees.next_commit();
        let tree = trees.get(commit.tree_id())?;
        let scope = self.scope_tree(trees, &tree)?;
        let parent_count = commit.parent_count();
        let mut first_parent_tree = None;
        let mut parent_scopes = Vec::with_capacity(parent_count);
        trees.parents.clear();
        for i in 0..parent_count {
            let parent = match commit.parent(i) {
                Ok(p) => p,
                // A shallow boundary whose parent is missing reads as a root commit.
                Err(_) if self.shallow && i == 0 => break,
                Err(e) => return Err(e.into()),
            };
            let parent_tree = trees.get(parent.tree_id())?;
            parent_scopes.push(self.scope_tree(trees, &parent_tree)?);
            trees.parents.push(parent);
            if i == 0 {
                first_parent_tree = Some(parent_tree);
            }
        }

        let mut changes = CommitChanges::default();
        let first_scope = parent_scopes.first().and_then(Option::as_ref);
        if parent_scopes.len() > 1 {
            // A merge touches a path only if it differs from every parent.
            let mut first = Vec::new();
            diff_trees(
                trees,
                first_scope,
                scope.as_ref(),
                &mut String::new(),
                &mut |p, _| first.push(p.to_string()),
            )?;
            let mut keep: HashSet<&str> = first.iter().map(String::as_str).collect();
            for other in parent_scopes.iter().skip(1) {
                let mut changed = HashSet::new();
                diff_trees(
                    trees,
                    other.as_ref(),
                    scope.as_ref(),
                    &mut String::new(),
                    &mut |p, _| {
                        changed.insert(p.to_string());
                    },
                )?;
                keep.retain(|p| changed.contains(*p));
            }
            for p in first.iter().filter(|p| keep.contains(p.as_str())) {
                touched(p);
            }
            return Ok(changes);
        }

        let (mut added, mut deleted) = (0usize, 0usize);
        diff_trees(
            trees,
            first_scope,
            scope.as_ref(),
            &mut String::new(),
            &mut |p, kind| {
                added += usize::from(kind == ChangeKind::Added);
                deleted += usize::from(kind == ChangeKind::Deleted);
                touched(p);
            },
        )?;
        if added > 0 && deleted > 0 {
            if let Some(parent_tree) = &first_parent_tree {
                // Only such a commit needs its added and deleted paths listed, read again.
                let mut moved = Vec::with_capacity(added + deleted);
                diff_trees(
                    trees,
                    first_scope,
                    scope.as_ref(),
                    &mut String::new(),
                    &mut |p, kind| {
                        if kind != ChangeKind::Modified {
                            moved.push(p.to_string());
                        }
                    },
                )?;
                // Telling renames reads the files' content, which a partial clone lacks.
                match self.renames(trees.repo, parent_tree, &tree, &moved) {
                    Ok(renames) => changes.renames = renames,
                    Err(e) => changes.renames_unread = Some(e),
                }
            }
        }
        Ok(changes)
    }

    /// The tree of the workspace directory inside a commit's root tree (None if absent).
    fn scope_tree<'r>(
        &self,
        trees: &mut TreeCache<'r>,
        root: &Tree<'r>,
    ) -> Result<Option<Tree<'r>>, GitError> {
        let dir = self.prefix.trim_end_matches('/');
        if dir.is_empty() {
            return Ok(Some(root.clone()));
        }
        match root.get_path(Path::new(dir)) {
            Ok(entry) if entry.filemode() == MODE_TREE => Ok(Some(trees.get(entry.id())?)),
            _ => Ok(None),
        }
    }

    /// libgit2's rename detection, limited to the added and deleted paths of this commit.
    fn renames(
        &self,
        repo: &Repository,
        old: &Tree<'_>,
        new: &Tree<'_>,
        added_or_deleted: &[String],
    ) -> Result<Vec<(String, String)>, GitError> {
        let mut opts = DiffOptions::new();
        opts.disable_pathspec_match(true);
        for path in added_or_deleted {
            opts.pathspec(format!("{}{}", self.prefix, path));
        }
        let mut diff = repo.diff_tree_to_tree(Some(old), Some(new), Some(&mut opts))?;
        let mut find = DiffFindOptions::new();
        find.renames(true);
        diff.find_similar(Some(&mut find))?;
        let mut out = Vec::new();
        for delta in diff.deltas() {
            if delta.status() != git2::Delta::Renamed {
                continue;
            }
            let (Some(from), Some(to)) =
                (delta.old_file().path_bytes(), delta.new_file().path_bytes())
            else {
                continue;
            };
            let from = String::from_utf8_lossy(from);
            let to = String::from_utf8_lossy(to);
            if let (Some(from), Some(to)) = (
                from.strip_prefix(&self.prefix),
                to.strip_prefix(&self.prefix),
            ) {
                out.push((to.to_string(), from.to_string()));
            }
        }
        Ok(out)
    }
}
