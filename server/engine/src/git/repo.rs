//! Opening the repository behind a workspace, and the reasons git may be unavailable.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Once};
use std::time::UNIX_EPOCH;

use git2::{ErrorCode, ObjectType, Oid, Repository, RepositoryOpenFlags};
use parking_lot::Mutex;

use super::blame::{BlameBackend, BlameState};
use super::GitError;

/// How many (path, mtime, size) answers `is_unchanged_since_head` remembers before it starts
/// over; each entry is a path and a few words.
const UNCHANGED_CACHE_MAX: usize = 8192;

/// Why the workspace has no usable git history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnavailableKind {
    /// No `.git` at the workspace or above it.
    NotARepository,
    /// A `.git` exists but cannot be read (corrupt HEAD, empty `.git` file, bad objects, ...).
    Broken,
    /// A repository without a single commit.
    Empty,
}

/// Git cannot be used for this workspace; `reason` is short and meant for people
/// ("not a git repository", "git unavailable: ...", "empty repository (no commits)").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitUnavailable {
    pub kind: UnavailableKind,
    pub reason: String,
}

impl GitUnavailable {
    fn not_a_repository() -> Self {
        GitUnavailable {
            kind: UnavailableKind::NotARepository,
            reason: "not a git repository".to_string(),
        }
    }

    fn broken(why: impl fmt::Display) -> Self {
        GitUnavailable {
            kind: UnavailableKind::Broken,
            reason: format!("git unavailable: {why}"),
        }
    }

    fn empty() -> Self {
        GitUnavailable {
            kind: UnavailableKind::Empty,
            reason: "empty repository (no commits)".to_string(),
        }
    }
}

impl fmt::Display for GitUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for GitUnavailable {}

/// The repository behind a workspace. Cheap to clone (shared state behind an `Arc`), and safe
/// to use from several threads: the libgit2 handle sits behind a short lock, and long walks
/// open their own handle (see [`GitRepo::open_handle`]).
#[derive(Clone)]
pub struct GitRepo {
    pub(crate) shared: Arc<Shared>,
    pub(crate) blame_backend: BlameBackend,
}

pub(crate) struct Shared {
    pub(crate) repo: Mutex<Repository>,
    pub(crate) workdir: PathBuf,
    /// The workspace relative to the working tree: "" or "dir/sub/" (always ending in '/').
    pub(crate) prefix: String,
    pub(crate) shallow: bool,
    unchanged: Mutex<HashMap<String, UnchangedEntry>>,
    pub(crate) blame: BlameState,
}

#[derive(Clone, Copy)]
struct UnchangedEntry {
    mtime_nanos: i128,
    size: u64,
    head_blob: Oid,
    unchanged: bool,
}

impl fmt::Debug for GitRepo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitRepo")
            .field("workdir", &self.shared.workdir)
            .field("prefix", &self.shared.prefix)
            .field("shallow", &self.shared.shallow)
            .finish()
    }
}

impl GitRepo {
    /// Open the repository containing `workspace` (the workspace may be the working tree's
    /// root or any directory below it, a linked worktree, a shallow clone, or on a detached
    /// HEAD). HEAD must resolve to a readable commit and tree.
    pub fn open(workspace: &Path) -> Result<GitRepo, GitUnavailable> {
        configure_libgit2();
        let workspace = workspace
            .canonicalize()
            .map_err(|e| GitUnavailable::broken(format!("workspace unreadable: {e}")))?;
        let repo = match Repository::open_ext(
            &workspace,
            RepositoryOpenFlags::empty(),
            &[] as &[&OsStr],
        ) {
            Ok(repo) => repo,
            Err(e) => {
                return Err(match nearest_dot_git(&workspace) {
                    Some(dot_git) if e.message().contains(&*dot_git.to_string_lossy()) => {
                        GitUnavailable::broken(e.message())
                    }
                    Some(dot_git) => {
                        GitUnavailable::broken(format!("{} ({})", e.message(), dot_git.display()))
                    }
                    None => GitUnavailable::not_a_repository(),
                });
            }
        };
        let Some(workdir) = repo.workdir() else {
            return Err(GitUnavailable::broken(
                "bare repository has no working tree",
            ));
        };
        let workdir = workdir
            .canonicalize()
            .map_err(|e| GitUnavailable::broken(format!("working tree unreadable: {e}")))?;
        let prefix = workspace_prefix(&workdir, &workspace).ok_or_else(|| {
            GitUnavailable::broken("the workspace is inside the .git directory".to_string())
        })?;
        check_head(&repo)?;
        let shallow = repo.is_shallow();
        tracing::debug!(workdir = %workdir.display(), %prefix, shallow, "git repository opened");
        Ok(GitRepo {
            shared: Arc::new(Shared {
                repo: Mutex::new(repo),
                workdir,
                prefix,
                shallow,
                unchanged: Mutex::new(HashMap::new()),
                blame: BlameState::new(),
            }),
            blame_backend: BlameBackend::Auto,
        })
    }

    /// Choose how blame is computed (default [`BlameBackend::Auto`]).
    pub fn set_blame_backend(&mut self, backend: BlameBackend) {
        self.blame_backend = backend;
    }

    /// The root of the working tree (canonical).
    pub fn workdir(&self) -> &Path {
        &self.shared.workdir
    }

    /// Where the workspace sits in the repository: "" for the root, else "dir/sub/".
    pub fn workspace_prefix(&self) -> &str {
        &self.shared.prefix
    }

    /// A shallow clone: history stops at the shallow boundary.
    pub fn is_shallow(&self) -> bool {
        self.shared.shallow
    }

    /// The HEAD commit id (40 hex digits), read now.
    pub fn head_sha(&self) -> Result<String, GitError> {
        let repo = self.shared.repo.lock();
        Ok(head_oid(&repo)?.to_string())
    }

    /// The repository path of a workspace path.
    pub fn repo_path(&self, workspace_path: &str) -> String {
        let mut out = self.shared.prefix.clone();
        out.push_str(&normalize_path(workspace_path));
        out
    }

    /// The workspace path of a repository path, if it lies inside the workspace.
    pub fn workspace_path(&self, repo_path: &str) -> Option<String> {
        repo_path
            .strip_prefix(self.shared.prefix.as_str())
            .map(str::to_string)
    }

    /// The workspace paths whose working-tree content may differ from `commit`'s: changed,
    /// added, deleted or renamed since it, staged or not, and files git does not track
    /// (ignored ones aside). `None` when the commit is not in this repository (a shallow
    /// clone that does not reach it, say) or the diff fails: then nothing can be trusted.
    pub fn changed_since(&self, commit: &str) -> Option<std::collections::HashSet<String>> {
        let repo = self.shared.repo.lock();
        let oid = Oid::from_str(commit).ok()?;
        let tree = repo.find_commit(oid).ok()?.tree().ok()?;
        let mut options = git2::DiffOptions::new();
        options
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_typechange(true);
        let diff = repo
            .diff_tree_to_workdir_with_index(Some(&tree), Some(&mut options))
            .ok()?;
        let mut changed = std::collections::HashSet::new();
        for delta in diff.deltas() {
            for file in [delta.old_file(), delta.new_file()] {
                let Some(path) = file.path().and_then(|p| p.to_str()) else {
                    continue;
                };
                if let Some(inside) = self.workspace_path(path) {
                    changed.insert(inside);
                }
            }
        }
        Some(changed)
    }

    /// The URL of the `origin` remote, else of the first remote configured.
    pub fn remote_url(&self) -> Option<String> {
        let repo = self.shared.repo.lock();
        let url_of = |name: &str| {
            repo.find_remote(name)
                .ok()
                .and_then(|r| r.url().ok().map(str::to_string))
        };
        if let Some(url) = url_of("origin") {
            return Some(url);
        }
        let names = repo.remotes().ok()?;
        let first = names
            .iter()
            .filter_map(|n| n.ok().flatten())
            .next()?
            .to_string();
        url_of(&first)
    }

    /// True when the file is in HEAD and its working-tree content is the same as HEAD's. The
    /// answer is remembered per (path, mtime, size, HEAD's blob), so a repeat costs a `stat`
    /// and a tree lookup; a mismatch of raw bytes is confirmed with a status check, which
    /// applies the repository's filters (line endings, ...).
    pub fn is_unchanged_since_head(&self, path: &str) -> bool {
        let repo_path = self.repo_path(path);
        let full = self.shared.workdir.join(&repo_path);
        let Ok(meta) = std::fs::symlink_metadata(&full) else {
            return false;
        };
        if !(meta.is_file() || meta.file_type().is_symlink()) {
            return false;
        }
        let mtime_nanos = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        let size = meta.len();

        let repo = self.shared.repo.lock();
        let Some(head_blob) = head_blob_id(&repo, &repo_path) else {
            return false;
        };
        if let Some(hit) = self.shared.unchanged.lock().get(&repo_path) {
            if hit.mtime_nanos == mtime_nanos && hit.size == size && hit.head_blob == head_blob {
                return hit.unchanged;
            }
        }
        let work_blob = if meta.file_type().is_symlink() {
            std::fs::read_link(&full).ok().and_then(|target| {
                Oid::hash_object(ObjectType::Blob, target.as_os_str().as_encoded_bytes()).ok()
            })
        } else {
            Oid::hash_file(ObjectType::Blob, &full).ok()
        };
        let unchanged = work_blob == Some(head_blob)
            || repo
                .status_file(Path::new(&repo_path))
                .is_ok_and(|s| s.is_empty());
        drop(repo);

        let mut cache = self.shared.unchanged.lock();
        if cache.len() >= UNCHANGED_CACHE_MAX {
            cache.clear();
        }
        cache.insert(
            repo_path,
            UnchangedEntry {
                mtime_nanos,
                size,
                head_blob,
                unchanged,
            },
        );
        unchanged
    }

    /// A libgit2 handle of its own, for work that takes long (a full history walk) and must
    /// not hold the shared handle's lock.
    pub(crate) fn open_handle(&self) -> Result<Repository, GitError> {
        Ok(Repository::open_ext(
            &self.shared.workdir,
            RepositoryOpenFlags::NO_SEARCH,
            &[] as &[&OsStr],
        )?)
    }
}

/// Process-wide libgit2 settings, applied once before the first repository is opened.
///
/// - The object cache is off: it keeps every commit and tree read, up to 256 MB per handle
///   (12 MB after walking the 5,000 commits of `benches/git.rs`), while a history walk reads
///   each tree at most twice in a row and keeps those itself.
/// - Objects are not re-hashed on every read: SHA-1 was about a fifth of the walk's profile
///   (`perf record` of `cargo bench --bench git`). A damaged object still fails to inflate or
///   parse, and everything here is read-only.
fn configure_libgit2() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        git2::opts::enable_caching(false);
        git2::opts::strict_hash_verification(false);
    });
}

/// HEAD's commit id.
pub(crate) fn head_oid(repo: &Repository) -> Result<Oid, GitError> {
    Ok(repo.head()?.peel_to_commit()?.id())
}

/// The blob id of `repo_path` in HEAD's tree, if it is a file there.
pub(crate) fn head_blob_id(repo: &Repository, repo_path: &str) -> Option<Oid> {
    let tree = repo.head().ok()?.peel_to_tree().ok()?;
    let entry = tree.get_path(Path::new(repo_path)).ok()?;
    (entry.kind() == Some(ObjectType::Blob)).then(|| entry.id())
}

/// Workspace paths may come with `./`, a leading `/` or Windows separators.
pub(crate) fn normalize_path(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut trimmed = path.as_str();
    loop {
        if let Some(rest) = trimmed.strip_prefix("./") {
            trimmed = rest;
        } else if let Some(rest) = trimmed.strip_prefix('/') {
            trimmed = rest;
        } else {
            break;
        }
    }
    trimmed.to_string()
}

/// HEAD must name a commit whose tree can be read; an unborn HEAD is an empty repository only
/// when no other ref exists (otherwise HEAD points at a missing branch: a damaged HEAD).
fn check_head(repo: &Repository) -> Result<(), GitUnavailable> {
    match repo.head() {
        Ok(head) => {
            let commit = head
                .peel_to_commit()
                .map_err(|e| GitUnavailable::broken(format!("HEAD: {}", e.message())))?;
            commit
                .tree()
                .map_err(|e| GitUnavailable::broken(format!("HEAD tree: {}", e.message())))?;
            Ok(())
        }
        Err(e) if e.code() == ErrorCode::UnbornBranch => {
            let any_ref = repo
                .references()
                .map(|mut refs| refs.next().is_some())
                .unwrap_or(false);
            if any_ref {
                let target = repo
                    .find_reference("HEAD")
                    .ok()
                    .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string))
                    .unwrap_or_else(|| "an unknown ref".to_string());
                Err(GitUnavailable::broken(format!(
                    "HEAD points to {target}, which has no commits"
                )))
            } else {
                Err(GitUnavailable::empty())
            }
        }
        Err(e) => Err(GitUnavailable::broken(format!("HEAD: {}", e.message()))),
    }
}

/// The first `.git` (directory or file) at `dir` or above: when opening failed and one exists,
/// the repository is broken rather than absent.
fn nearest_dot_git(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(".git"))
        .find(|candidate| std::fs::symlink_metadata(candidate).is_ok())
}

/// "" when the workspace is the working tree's root, else its relative path ending in '/'.
fn workspace_prefix(workdir: &Path, workspace: &Path) -> Option<String> {
    let rel = workspace.strip_prefix(workdir).ok()?;
    let mut prefix = String::new();
    for component in rel.components() {
        match component {
            Component::Normal(name) => {
                if name == ".git" {
                    return None;
                }
                prefix.push_str(&name.to_string_lossy());
                prefix.push('/');
            }
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(prefix)
}
