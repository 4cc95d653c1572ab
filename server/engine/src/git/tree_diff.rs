//! Comparing two commits' trees the cheap way: both trees' entries are walked in git
//! order and only subtrees whose ids differ are descended into, so an unchanged subtree
//! costs one id comparison. Trees are cached for the current and the previous commit of a
//! walk, since a commit's parent is usually the next commit walked.

use git2::{Commit, Oid, Repository, Tree};
use std::collections::HashMap;
#[cfg(test)]
use std::path::Path;

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
/// object cache is off (see `repo.rs`), as it would keep every tree of the walk. Only trees
/// that both sides of a comparison have are kept: a subtree added or deleted whole is read
/// as it is walked and let go, so a commit of hundreds of thousands of files (a first
/// commit, a vendored import) never holds all its trees at once.
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

    /// The tree `id`, from the cache when it is there, without keeping it.
    fn peek(&mut self, id: Oid) -> Result<Tree<'r>, git2::Error> {
        match self.current.get(&id).or_else(|| self.previous.get(&id)) {
            Some(tree) => Ok(tree.clone()),
            None => self.repo.find_tree(id),
        }
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

/// The files that differ between two trees (either may be absent), each given to `out`
/// with its path below `base` as it is found. Subtrees with equal ids are skipped without
/// being read.
pub(super) fn diff_trees<'r>(
    trees: &mut TreeCache<'r>,
    old: Option<&Tree<'r>>,
    new: Option<&Tree<'r>>,
    base: &mut String,
    out: &mut dyn FnMut(&str, ChangeKind),
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
                            emit(base, n.name_bytes(), ChangeKind::Modified, out);
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
    out: &mut dyn FnMut(&str, ChangeKind),
) -> Result<(), git2::Error> {
    if entry.filemode() == MODE_TREE {
        let sub = trees.peek(entry.id())?;
        let len = base.len();
        push_name(base, entry.name_bytes());
        base.push('/');
        match kind {
            ChangeKind::Deleted => diff_trees(trees, Some(&sub), None, base, out)?,
            _ => diff_trees(trees, None, Some(&sub), base, out)?,
        }
        base.truncate(len);
    } else {
        emit(base, entry.name_bytes(), kind, out);
    }
    Ok(())
}

/// Give `out` the path of file `name` below `base`, leaving `base` as it was.
fn emit(base: &mut String, name: &[u8], kind: ChangeKind, out: &mut dyn FnMut(&str, ChangeKind)) {
    let len = base.len();
    push_name(base, name);
    out(base, kind);
    base.truncate(len);
}

fn push_name(path: &mut String, name: &[u8]) {
    match std::str::from_utf8(name) {
        Ok(s) => path.push_str(s),
        Err(_) => path.push_str(&String::from_utf8_lossy(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{Fixture, ANN};
    use super::*;

    fn commit_tree<'r>(trees: &mut TreeCache<'r>, id: Oid) -> Tree<'r> {
        let tree_id = trees.repo.find_commit(id).unwrap().tree_id();
        trees.get(tree_id).unwrap()
    }

    fn diff(trees: &mut TreeCache<'_>, old: Option<Oid>, new: Oid) -> Vec<String> {
        trees.next_commit();
        let new = commit_tree(trees, new);
        let old = old.map(|id| commit_tree(trees, id));
        let mut found = Vec::new();
        diff_trees(
            trees,
            old.as_ref(),
            Some(&new),
            &mut String::new(),
            &mut |p, kind| {
                let kind = match kind {
                    ChangeKind::Added => "added",
                    ChangeKind::Deleted => "deleted",
                    ChangeKind::Modified => "modified",
                };
                found.push(format!("{kind} {p}"));
            },
        )
        .unwrap();
        found
    }

    #[test]
    fn folders_added_or_deleted_whole_are_walked_without_being_kept() {
        let mut fx = Fixture::new();
        let first = fx.commit(
            &[
                ("a/b/c.rs", Some("1\n")),
                ("a/d.rs", Some("2\n")),
                ("e.rs", Some("3\n")),
                ("gone/x.rs", Some("4\n")),
            ],
            ANN,
            "one",
        );
        let second = fx.commit(
            &[
                ("a/b/c.rs", Some("changed\n")),
                ("f/g.rs", Some("5\n")),
                ("gone/x.rs", None),
            ],
            ANN,
            "two",
        );
        let mut trees = TreeCache::new(&fx.repo);
        // A first commit: every file found, and of its trees only the root kept.
        assert_eq!(
            diff(&mut trees, None, first),
            [
                "added a/b/c.rs",
                "added a/d.rs",
                "added e.rs",
                "added gone/x.rs"
            ]
        );
        assert_eq!(trees.current.len(), 1);
        // Against its parent: the changed folders of both sides are kept (the parent's are
        // the next commit's), the folder added and the one deleted are not.
        assert_eq!(
            diff(&mut trees, Some(first), second),
            ["modified a/b/c.rs", "added f/g.rs", "deleted gone/x.rs"]
        );
        let first_tree = fx.repo.find_commit(first).unwrap().tree().unwrap();
        let kept = |path: &str| {
            let id = first_tree.get_path(Path::new(path)).unwrap().id();
            trees.current.contains_key(&id)
        };
        assert!(kept("a") && kept("a/b") && !kept("gone"));
        // Roots and a, a/b on each side.
        assert_eq!(trees.current.len(), 6);
    }
}
