//! Comparing two commits' trees the cheap way: both trees' entries are walked in git
//! order and only subtrees whose ids differ are descended into, so an unchanged subtree
//! costs one id comparison. Trees are cached for the current and the previous commit of a
//! walk, since a commit's parent is usually the next commit walked.

use git2::{Commit, Oid, Repository, Tree};
use std::collections::HashMap;

/// Git's file mode of a tree entry that is a directory.
pub(super) const MODE_TREE: i32 = 0o040000;

/// How a path changed between two trees.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ChangeKind {
    Added,
    Deleted,
    Modified,
}

/// Trees read for the current and the previous commit of a walk. A commit's parent is
/// usually the next commit walked, so its trees are read once instead of twice; libgit2's own
/// object cache is off (see `repo.rs`), as it would keep every tree of the walk.
pub(super) struct TreeCache<'r> {
    pub(super) repo: &'r Repository,
    current: HashMap<Oid, Tree<'r>>,
    previous: HashMap<Oid, Tree<'r>>,
    /// The parents of the last commit: the next commits to be walked, usually.
    pub(super) parents: Vec<Commit<'r>>,
}

impl<'r> TreeCache<'r> {
    pub(super) fn new(repo: &'r Repository) -> Self {
        TreeCache {
            repo,
            current: HashMap::new(),
            previous: HashMap::new(),
            parents: Vec::new(),
        }
    }

    /// A commit about to be walked, reusing it if it was read as the last commit's parent.
    pub(super) fn commit(&mut self, id: Oid) -> Result<Commit<'r>, git2::Error> {
        match self.parents.iter().position(|c| c.id() == id) {
            Some(i) => Ok(self.parents.swap_remove(i)),
            None => self.repo.find_commit(id),
        }
    }

    pub(super) fn get(&mut self, id: Oid) -> Result<Tree<'r>, git2::Error> {
        if let Some(tree) = self.current.get(&id) {
            return Ok(tree.clone());
        }
        let tree = match self.previous.remove(&id) {
            Some(tree) => tree,
            None => self.repo.find_tree(id)?,
        };
        self.current.insert(id, tree.clone());
        Ok(tree)
    }

    /// Start a commit: what the last one read becomes the previous generation.
    pub(super) fn next_commit(&mut self) {
        self.previous = std::mem::take(&mut self.current);
    }
}

/// Git's tree order: names compared bytewise, a directory as if its name ended in '/'.
fn git_order(a: &[u8], a_dir: bool, b: &[u8], b_dir: bool) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        std::cmp::Ordering::Equal => {}
        other => return other,
    }
    let next = |name: &[u8], dir: bool| name.get(n).copied().or(dir.then_some(b'/'));
    next(a, a_dir).cmp(&next(b, b_dir))
}

/// The files that differ between two trees (either may be absent), appended to `out` with
/// their paths below `base`. Subtrees with equal ids are skipped without being read.
pub(super) fn diff_trees<'r>(
    trees: &mut TreeCache<'r>,
    old: Option<&Tree<'r>>,
    new: Option<&Tree<'r>>,
    base: &mut String,
    out: &mut Vec<(String, ChangeKind)>,
) -> Result<(), git2::Error> {
    let old_len = old.map_or(0, Tree::len);
    let new_len = new.map_or(0, Tree::len);
    let (mut i, mut j) = (0usize, 0usize);
    while i < old_len || j < new_len {
        let o = old.and_then(|t| t.get(i));
        let n = new.and_then(|t| t.get(j));
        let order = match (&o, &n) {
            (Some(o), Some(n)) => git_order(
                o.name_bytes(),
                o.filemode() == MODE_TREE,
                n.name_bytes(),
                n.filemode() == MODE_TREE,
            ),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            // A tree whose len() promised more entries than get() gives: stop here.
            (None, None) => break,
        };
        match order {
            std::cmp::Ordering::Less => {
                if let Some(o) = o {
                    leaf_or_subtree(trees, &o, base, ChangeKind::Deleted, out)?;
                }
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                if let Some(n) = n {
                    leaf_or_subtree(trees, &n, base, ChangeKind::Added, out)?;
                }
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                if let (Some(o), Some(n)) = (o, n) {
                    if o.id() != n.id() || o.filemode() != n.filemode() {
                        if n.filemode() == MODE_TREE {
                            let old_sub = trees.get(o.id())?;
                            let new_sub = trees.get(n.id())?;
                            let len = base.len();
                            push_name(base, n.name_bytes());
                            base.push('/');
                            diff_trees(trees, Some(&old_sub), Some(&new_sub), base, out)?;
                            base.truncate(len);
                        } else {
                            let mut path = base.clone();
                            push_name(&mut path, n.name_bytes());
                            out.push((path, ChangeKind::Modified));
                        }
                    }
                }
                i += 1;
                j += 1;
            }
        }
    }
    Ok(())
}

/// An entry present on one side only: a file, or every file of a directory.
fn leaf_or_subtree<'r>(
    trees: &mut TreeCache<'r>,
    entry: &git2::TreeEntry<'_>,
    base: &mut String,
    kind: ChangeKind,
    out: &mut Vec<(String, ChangeKind)>,
) -> Result<(), git2::Error> {
    if entry.filemode() == MODE_TREE {
        let sub = trees.get(entry.id())?;
        let len = base.len();
        push_name(base, entry.name_bytes());
        base.push('/');
        match kind {
            ChangeKind::Deleted => diff_trees(trees, Some(&sub), None, base, out)?,
            _ => diff_trees(trees, None, Some(&sub), base, out)?,
        }
        base.truncate(len);
    } else {
        let mut path = base.clone();
        push_name(&mut path, entry.name_bytes());
        out.push((path, kind));
    }
    Ok(())
}

fn push_name(path: &mut String, name: &[u8]) {
    match std::str::from_utf8(name) {
        Ok(s) => path.push_str(s),
        Err(_) => path.push_str(&String::from_utf8_lossy(name)),
    }
}
