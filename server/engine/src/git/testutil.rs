//! Test repositories built with libgit2 in temporary directories, and the `git` command to
//! check answers against.

use std::path::Path;
use std::process::Command;

use git2::build::{CheckoutBuilder, TreeUpdateBuilder};
use git2::{FileMode, Oid, Repository, RepositoryInitOptions, Signature, Time};

pub(crate) const ANN: (&str, &str) = ("Ann Author", "ann@example.com");
pub(crate) const BOB: (&str, &str) = ("Bob Builder", "bob@example.com");
pub(crate) const CY: (&str, &str) = ("Cy Coder", "cy@example.com");

/// A repository in a temp dir whose `main` branch grows one commit at a time.
pub(crate) struct Fixture {
    pub dir: tempfile::TempDir,
    pub repo: Repository,
    /// Author time of the next commit; each commit is a minute after the last.
    clock: i64,
}

/// A change to one file: new content, or deletion.
pub(crate) type Change<'a> = (&'a str, Option<&'a str>);

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut opts = RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = Repository::init_opts(dir.path(), &opts).expect("init");
        Fixture {
            dir,
            repo,
            clock: 1_700_000_000,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Commit `changes` on top of `parents` (the first parent's tree is the base) without
    /// moving any branch.
    pub fn commit_on(
        &mut self,
        parents: &[Oid],
        changes: &[Change<'_>],
        who: (&str, &str),
        msg: &str,
    ) -> Oid {
        let base = match parents.first() {
            Some(p) => self.repo.find_commit(*p).unwrap().tree().unwrap(),
            None => {
                let empty = self.repo.treebuilder(None).unwrap().write().unwrap();
                self.repo.find_tree(empty).unwrap()
            }
        };
        let mut update = TreeUpdateBuilder::new();
        for (path, content) in changes {
            match content {
                Some(text) => {
                    let blob = self.repo.blob(text.as_bytes()).unwrap();
                    update.upsert(*path, blob, FileMode::Blob);
                }
                None => {
                    update.remove(*path);
                }
            }
        }
        let tree_id = update.create_updated(&self.repo, &base).unwrap();
        let tree = self.repo.find_tree(tree_id).unwrap();
        self.clock += 60;
        let sig = Signature::new(who.0, who.1, &Time::new(self.clock, 0)).unwrap();
        let parents: Vec<_> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p).unwrap())
            .collect();
        let parent_refs: Vec<_> = parents.iter().collect();
        self.repo
            .commit(None, &sig, &sig, msg, &tree, &parent_refs)
            .unwrap()
    }

    /// Commit on `main` (HEAD) and move it.
    pub fn commit(&mut self, changes: &[Change<'_>], who: (&str, &str), msg: &str) -> Oid {
        let parents: Vec<Oid> = self.head().into_iter().collect();
        let id = self.commit_on(&parents, changes, who, msg);
        self.set_main(id);
        id
    }

    pub fn head(&self) -> Option<Oid> {
        self.repo.head().ok().and_then(|h| h.target())
    }

    /// Point `main` at `id` and make the working tree match.
    pub fn set_main(&self, id: Oid) {
        self.repo
            .reference("refs/heads/main", id, true, "test")
            .unwrap();
        self.checkout();
    }

    pub fn checkout(&self) {
        let mut opts = CheckoutBuilder::new();
        opts.force().remove_untracked(false);
        self.repo.checkout_head(Some(&mut opts)).unwrap();
    }

    pub fn write(&self, path: &str, text: &str) {
        let full = self.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(full, text).unwrap();
    }

    pub fn git(&self, args: &[&str]) -> String {
        git_in(self.path(), args)
    }
}

/// Run the `git` command in `dir` and return its stdout; the test fails if git does.
pub(crate) fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Commit ids (full) that `git log` lists with `args` (e.g. `["--", "a.txt"]`).
pub(crate) fn git_log_shas(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["log", "--format=%H"];
    all.extend_from_slice(args);
    git_in(dir, &all).lines().map(str::to_string).collect()
}

/// Lines of text numbered "name 1" .. "name n".
pub(crate) fn numbered(name: &str, n: usize) -> String {
    (1..=n).map(|i| format!("{name} {i}\n")).collect()
}
