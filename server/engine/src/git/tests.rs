//! Git archaeology against real repositories made in temp dirs, checked against the `git`
//! command.

use crate::cancel::CancelToken;
use std::collections::BTreeSet;
use std::path::Path;

use super::testutil::{git_in, git_log_shas, numbered, Fixture, ANN, BOB, CY};
use super::*;

pub(super) fn open(path: &Path) -> GitRepo {
    match GitRepo::open(path) {
        Ok(repo) => repo,
        Err(e) => panic!("open {}: {e}", path.display()),
    }
}

pub(super) fn full_index(repo: &GitRepo) -> HistoryIndex {
    let mut index = HistoryIndex::read_recent(repo, 3).unwrap();
    let outcome = index.read_all(repo, &CancelToken::new()).unwrap();
    assert_eq!(outcome, WalkOutcome::Complete);
    index
}

pub(super) fn shas(history: &FileHistory) -> Vec<String> {
    history.commits.iter().map(|c| c.sha.clone()).collect()
}

/// Every path `git ls-files` knows, plus deleted ones, from `git log --name-only`.
pub(super) fn all_paths_ever(dir: &Path) -> BTreeSet<String> {
    git_in(dir, &["log", "--format=", "--name-only", "--no-renames"])
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A history with three authors, a subdirectory, a deletion and a re-add.
/// Two commits on top of `busy_fixture`'s history: one adds a file, the next changes it.
pub(super) fn two_commits_after(fx: &mut Fixture) {
    fx.commit(
        &[
            ("README.md", Some("newer\n")),
            ("src/new.rs", Some("new\n")),
        ],
        BOB,
        "After",
    );
    fx.commit(&[("src/new.rs", Some("newer\n"))], CY, "After again");
}

pub(super) fn busy_fixture() -> Fixture {
    let mut fx = Fixture::new();
    fx.commit(
        &[
            ("README.md", Some("hello\n")),
            ("src/lib.rs", Some(&numbered("lib", 30))),
        ],
        ANN,
        "Initial import",
    );
    fx.commit(&[("src/util.rs", Some("fn util() {}\n"))], BOB, "Add util");
    fx.commit(
        &[("src/lib.rs", Some(&numbered("lib", 31)))],
        CY,
        "Grow lib",
    );
    fx.commit(
        &[
            ("docs/guide.md", Some("guide\n")),
            ("README.md", Some("hello world\n")),
        ],
        ANN,
        "Docs",
    );
    fx.commit(&[("src/util.rs", None)], BOB, "Drop util");
    fx.commit(
        &[
            ("src/util.rs", Some("fn util2() {}\n")),
            ("src/deep/a/b.rs", Some("b\n")),
        ],
        CY,
        "Bring util back",
    );
    fx.commit(
        &[
            ("src/lib.rs", Some(&numbered("lib", 32))),
            ("src/deep/a/b.rs", Some("bb\n")),
        ],
        ANN,
        "More lib",
    );
    fx.commit(&[("README.md", Some("hello again\n"))], ANN, "Readme again");
    fx
}

// ---- opening ----------------------------------------------------------------------------

#[test]
fn non_git_directory_is_not_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    let err = GitRepo::open(dir.path()).unwrap_err();
    assert_eq!(err.kind, UnavailableKind::NotARepository);
    assert_eq!(err.reason, "not a git repository");
}

#[test]
fn empty_dot_git_file_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".git"), "").unwrap();
    let err = GitRepo::open(dir.path()).unwrap_err();
    assert_eq!(err.kind, UnavailableKind::Broken, "{err}");
    assert!(err.reason.starts_with("git unavailable: "), "{err}");
}

#[test]
fn truncated_head_is_unavailable() {
    for truncated in ["", "ref: refs/he", "ref: ", "0123abc"] {
        let mut fx = Fixture::new();
        fx.commit(&[("a.txt", Some("a\n"))], ANN, "one");
        std::fs::write(fx.path().join(".git/HEAD"), truncated).unwrap();
        let err = GitRepo::open(fx.path()).unwrap_err();
        assert_eq!(
            err.kind,
            UnavailableKind::Broken,
            "HEAD {truncated:?}: {err}"
        );
        assert!(err.reason.starts_with("git unavailable: "), "{err}");
    }
}

#[test]
fn garbage_pack_index_is_unavailable() {
    let mut fx = Fixture::new();
    fx.commit(&[("a.txt", Some("a\n"))], ANN, "one");
    fx.commit(&[("a.txt", Some("b\n"))], BOB, "two");
    fx.git(&["gc", "--quiet"]);
    let pack_dir = fx.path().join(".git/objects/pack");
    let mut corrupted = 0;
    for entry in std::fs::read_dir(&pack_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "idx") {
            let mut perms = std::fs::metadata(&path).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&path, perms).unwrap();
            std::fs::write(
                &path,
                b"this is not a pack index at all, just garbage bytes",
            )
            .unwrap();
            corrupted += 1;
        }
    }
    assert!(corrupted > 0, "git gc made no pack");
    let err = GitRepo::open(fx.path()).unwrap_err();
    assert_eq!(err.kind, UnavailableKind::Broken, "{err}");
    assert!(err.reason.starts_with("git unavailable: "), "{err}");
}

fn loose_object_path(dir: &Path, oid: git2::Oid) -> std::path::PathBuf {
    let hex = oid.to_string();
    dir.join(".git/objects").join(&hex[..2]).join(&hex[2..])
}

fn overwrite(path: &Path, bytes: &[u8]) {
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn garbage_head_commit_object_is_unavailable() {
    let mut fx = Fixture::new();
    let head = fx.commit(&[("a.txt", Some("a\n"))], ANN, "one");
    overwrite(
        &loose_object_path(fx.path(), head),
        b"garbage garbage garbage",
    );
    let err = GitRepo::open(fx.path()).unwrap_err();
    assert_eq!(err.kind, UnavailableKind::Broken, "{err}");
}

#[test]
fn garbage_in_an_old_object_is_gone_past_counted_and_the_walk_finishes() {
    let mut fx = Fixture::new();
    let first = fx.commit(&[("a.txt", Some("a\n"))], ANN, "one");
    for i in 0..5 {
        fx.commit(
            &[("a.txt", Some(&format!("a{i}\n")))],
            BOB,
            &format!("edit {i}"),
        );
    }
    let old_tree = fx.repo.find_commit(first).unwrap().tree_id();
    overwrite(&loose_object_path(fx.path(), old_tree), b"garbage");
    let repo = open(fx.path());
    let mut index = HistoryIndex::read_recent(&repo, 2).unwrap();
    assert_eq!(index.history("a.txt", 10).unwrap().total_commits, 2);
    let outcome = index.read_all(&repo, &CancelToken::new()).unwrap();
    assert_eq!(outcome, WalkOutcome::Complete);
    let status = index.status();
    assert!(status.complete);
    assert_eq!(status.commits, 6);
    assert!(status.reason.unwrap().starts_with("history partial"));
    let history = index.history("a.txt", 10).unwrap();
    assert!(history.complete);
    // The first commit's tree and the first edit's parent tree are the garbage: those two
    // commits' changes are unread, the other four are counted.
    assert_eq!(history.unread.commits, 2, "{:?}", history.unread);
    assert_eq!(history.total_commits, 4);
}

#[test]
fn empty_repository_has_no_commits() {
    let fx = Fixture::new();
    let err = GitRepo::open(fx.path()).unwrap_err();
    assert_eq!(err.kind, UnavailableKind::Empty);
    assert_eq!(err.reason, "empty repository (no commits)");
}

#[test]
fn detached_head_is_followed() {
    let mut fx = busy_fixture();
    let head = fx.head().unwrap();
    let earlier = fx.repo.find_commit(head).unwrap().parent_id(0).unwrap();
    fx.repo.set_head_detached(earlier).unwrap();
    fx.checkout();
    let repo = open(fx.path());
    assert_eq!(repo.head_sha().unwrap(), earlier.to_string());
    let index = full_index(&repo);
    let history = index.history("README.md", 10).unwrap();
    assert_eq!(
        shas(&history),
        git_log_shas(fx.path(), &["HEAD", "--", "README.md"])
    );
    // Keep `fx` alive until here (the temp dir).
    fx.commit(&[], ANN, "unused");
}

#[test]
fn workspace_in_a_subdirectory_maps_paths() {
    let fx = busy_fixture();
    let repo = open(&fx.path().join("src"));
    assert_eq!(repo.workspace_prefix(), "src/");
    assert_eq!(repo.repo_path("lib.rs"), "src/lib.rs");
    let index = full_index(&repo);
    let history = index.history("lib.rs", 10).unwrap();
    assert_eq!(
        shas(&history),
        git_log_shas(fx.path(), &["--", "src/lib.rs"])
    );
    assert!(
        index.history("README.md", 10).is_none(),
        "outside the workspace"
    );
    let deep = index.history("deep/a/b.rs", 10).unwrap();
    assert_eq!(deep.total_commits, 2);
    let blame = repo.blame_range("lib.rs", 0, 2, None).unwrap();
    assert_eq!(blame.len(), 1);
    assert_eq!(blame[0].summary, "Initial import");
}

#[test]
fn linked_worktree_opens() {
    let fx = busy_fixture();
    let parent = tempfile::tempdir().unwrap();
    let wt = parent.path().join("wt");
    fx.git(&["worktree", "add", "-q", "-b", "side", wt.to_str().unwrap()]);
    let repo = open(&wt);
    let index = full_index(&repo);
    let history = index.history("src/lib.rs", 10).unwrap();
    assert_eq!(shas(&history), git_log_shas(&wt, &["--", "src/lib.rs"]));
    let blame = repo.blame_range("src/lib.rs", 30, 32, None).unwrap();
    assert_eq!(
        blame.iter().map(|h| h.summary.as_str()).collect::<Vec<_>>(),
        ["Grow lib", "More lib"]
    );
}

#[test]
fn shallow_clone_history_is_partial() {
    let mut fx = Fixture::new();
    for i in 0..12 {
        let who = [ANN, BOB, CY][i % 3];
        fx.commit(
            &[
                ("f.txt", Some(&numbered("f", i + 1))),
                ("g.txt", Some(&format!("g{}\n", i / 4))),
            ],
            who,
            &format!("c{i}"),
        );
    }
    let parent = tempfile::tempdir().unwrap();
    let clone = parent.path().join("shallow");
    let url = format!("file://{}", fx.path().display());
    git_in(
        parent.path(),
        &["clone", "-q", "--depth", "5", &url, clone.to_str().unwrap()],
    );
    let repo = open(&clone);
    assert!(repo.is_shallow());
    let mut index = HistoryIndex::read_recent(&repo, 2).unwrap();
    assert_eq!(
        index.read_all(&repo, &CancelToken::new()).unwrap(),
        WalkOutcome::Complete
    );
    for path in ["f.txt", "g.txt"] {
        let history = index.history(path, 100).unwrap();
        assert_eq!(
            shas(&history),
            git_log_shas(&clone, &["--", path]),
            "{path}"
        );
        assert!(!history.complete);
    }
    let status = index.status();
    assert!(!status.complete);
    assert!(status.reason.unwrap().contains("shallow"));
    assert_eq!(status.commits, 5);
    // Blame still answers; lines older than the boundary go to the boundary commit.
    let blame = repo.blame_range("f.txt", 0, 12, None).unwrap();
    assert!(blame.iter().all(|h| h.committed));
}

// ---- history ------------------------------------------------------------------------------

#[test]
fn history_matches_git_log_for_every_path() {
    let fx = busy_fixture();
    let repo = open(fx.path());
    let index = full_index(&repo);
    for path in all_paths_ever(fx.path()) {
        let history = index.history(&path, 1000).unwrap();
        let want = git_log_shas(fx.path(), &["--", &path]);
        assert_eq!(shas(&history), want, "{path}");
        assert_eq!(history.total_commits, want.len(), "{path}");
        assert!(history.complete);
    }
    assert!(index.history("never/was.rs", 10).is_none());
}

#[test]
fn history_lists_authors_by_count_and_commit_fields() {
    let fx = busy_fixture();
    let repo = open(fx.path());
    let index = full_index(&repo);
    let history = index.history("README.md", 2).unwrap();
    assert_eq!(history.commits.len(), 2);
    assert_eq!(history.total_commits, 3);
    assert_eq!(
        history.authors,
        vec![AuthorCount {
            name: "Ann Author".into(),
            commits: 3
        }]
    );
    let lib = index.history("src/lib.rs", 10).unwrap();
    let names: Vec<(&str, usize)> = lib
        .authors
        .iter()
        .map(|a| (a.name.as_str(), a.commits))
        .collect();
    assert_eq!(names, [("Ann Author", 2), ("Cy Coder", 1)]);
    let newest = &lib.commits[0];
    let want = git_in(
        fx.path(),
        &[
            "log",
            "-1",
            "--format=%H|%an|%aI|%s",
            "--date=iso-strict",
            "--",
            "src/lib.rs",
        ],
    );
    let want: Vec<&str> = want.trim().split('|').collect();
    assert_eq!(newest.sha, want[0]);
    assert_eq!(newest.author, want[1]);
    assert_eq!(newest.date, want[2].replace("+00:00", "Z"));
    assert_eq!(newest.summary, want[3]);
}

#[test]
fn renames_are_followed_like_git_log_follow() {
    let mut fx = Fixture::new();
    let body = numbered("line", 40);
    fx.commit(
        &[("old/name.rs", Some(&body)), ("other.txt", Some("o\n"))],
        ANN,
        "create",
    );
    fx.commit(
        &[("old/name.rs", Some(&(body.clone() + "tail\n")))],
        BOB,
        "edit before rename",
    );
    // Rename with a small edit (similar, not identical) and another file deleted at once.
    let renamed = body.replacen("line 3\n", "line three\n", 1) + "tail\n";
    fx.commit(
        &[
            ("old/name.rs", None),
            ("new/name.rs", Some(&renamed)),
            ("other.txt", None),
        ],
        CY,
        "move it",
    );
    fx.commit(
        &[("new/name.rs", Some(&(renamed.clone() + "more\n")))],
        ANN,
        "edit after rename",
    );
    // A second, exact rename.
    fx.commit(
        &[
            ("new/name.rs", None),
            ("final.rs", Some(&(renamed + "more\n"))),
        ],
        BOB,
        "move again",
    );
    let repo = open(fx.path());
    let index = full_index(&repo);
    let history = index.history("final.rs", 100).unwrap();
    let want = git_log_shas(fx.path(), &["--follow", "--", "final.rs"]);
    assert_eq!(want.len(), 5);
    assert_eq!(shas(&history), want);
    let oneline = git_in(
        fx.path(),
        &["log", "--follow", "--oneline", "--", "final.rs"],
    );
    assert_eq!(history.total_commits, oneline.lines().count());
    // Without --follow, the old path alone.
    let old = index.history("old/name.rs", 100).unwrap();
    assert_eq!(shas(&old), git_log_shas(fx.path(), &["--", "old/name.rs"]));
}

#[test]
fn merge_commits_count_like_git_log() {
    let mut fx = Fixture::new();
    let base = fx.commit(
        &[
            ("a.txt", Some("a\n")),
            ("b.txt", Some("b\n")),
            ("c.txt", Some(&numbered("c", 10))),
        ],
        ANN,
        "base",
    );
    let main1 = fx.commit(&[("a.txt", Some("a main\n"))], ANN, "main edits a");
    let side1 = fx.commit_on(&[base], &[("b.txt", Some("b side\n"))], BOB, "side edits b");
    let side2 = fx.commit_on(
        &[side1],
        &[("c.txt", Some(&numbered("c", 11)))],
        BOB,
        "side edits c",
    );
    // A clean merge: the merged tree takes a from main, b and c from side.
    let merged = fx.commit_on(
        &[main1, side2],
        &[
            ("b.txt", Some("b side\n")),
            ("c.txt", Some(&numbered("c", 11))),
        ],
        CY,
        "Merge side",
    );
    fx.set_main(merged);
    // An evil merge: the merge itself changes a file differently from both parents.
    let side3 = fx.commit_on(
        &[merged],
        &[("b.txt", Some("b side 2\n"))],
        BOB,
        "side again",
    );
    let main2 = fx.commit(&[("a.txt", Some("a main 2\n"))], ANN, "main again");
    let evil = fx.commit_on(
        &[main2, side3],
        &[("b.txt", Some("b resolved\n"))],
        CY,
        "Merge with resolution",
    );
    fx.set_main(evil);
    let repo = open(fx.path());
    let index = full_index(&repo);
    for path in ["a.txt", "b.txt", "c.txt"] {
        let history = index.history(path, 100).unwrap();
        assert_eq!(
            shas(&history),
            git_log_shas(fx.path(), &["--", path]),
            "{path}"
        );
    }
    let b = index.history("b.txt", 100).unwrap();
    assert_eq!(b.commits[0].summary, "Merge with resolution");
    assert!(!index
        .history("c.txt", 100)
        .unwrap()
        .commits
        .iter()
        .any(|c| c.summary == "Merge side"));
}

#[test]
fn recent_history_first_then_the_full_walk() {
    let mut fx = Fixture::new();
    for i in 0..30 {
        fx.commit(
            &[("hot.rs", Some(&numbered("hot", i + 1)))],
            [ANN, BOB][i % 2],
            &format!("hot {i}"),
        );
        if i % 10 == 0 {
            fx.commit(&[(&format!("cold{i}.rs"), Some("cold\n"))], CY, "cold");
        }
    }
    let repo = open(fx.path());
    let mut index = HistoryIndex::read_recent(&repo, 10).unwrap();
    let recent = index.history("hot.rs", 100).unwrap();
    assert!(!recent.complete);
    // The newest ten commits: nine to hot.rs and the third cold file.
    assert_eq!(recent.total_commits, 9);
    assert!(!index.status().complete);
    // A file not seen yet: an empty, incomplete history rather than "unknown".
    let cold = index.history("cold0.rs", 10).unwrap();
    assert_eq!((cold.total_commits, cold.complete), (0, false));

    index.read_all(&repo, &CancelToken::new()).unwrap();
    let full = index.history("hot.rs", 5).unwrap();
    assert!(full.complete);
    assert_eq!(full.total_commits, 30);
    assert_eq!(full.commits.len(), 5);
    assert_eq!(
        shas(&full),
        git_log_shas(fx.path(), &["-5", "--", "hot.rs"])
    );
    assert_eq!(index.history("cold0.rs", 10).unwrap().total_commits, 1);
    assert_eq!(
        index.status(),
        HistoryStatus {
            head: repo.head_sha().unwrap(),
            commits: 33,
            complete: true,
            reason: None
        }
    );
}

#[test]
fn cancelled_walk_resumes_where_it_stopped() {
    let fx = busy_fixture();
    let repo = open(fx.path());
    let mut index = HistoryIndex::read_recent(&repo, 2).unwrap();
    let cancel = CancelToken::new();
    cancel.cancel();
    assert_eq!(
        index.read_all(&repo, &cancel).unwrap(),
        WalkOutcome::Cancelled
    );
    assert_eq!(index.status().commits, 2);
    assert_eq!(
        index.read_all(&repo, &CancelToken::new()).unwrap(),
        WalkOutcome::Complete
    );
    assert_eq!(index.status().commits, 8);
    let history = index.history("README.md", 10).unwrap();
    assert_eq!(
        shas(&history),
        git_log_shas(fx.path(), &["--", "README.md"])
    );
}

#[test]
fn persisted_index_round_trips_and_rejects_damage() {
    let fx = busy_fixture();
    let repo = open(fx.path());
    let index = full_index(&repo);
    let bytes = index.to_bytes();
    let loaded = HistoryIndex::from_bytes(&bytes, None).unwrap();
    assert_eq!(loaded.head_sha(), repo.head_sha().unwrap());
    assert_eq!(loaded.status(), index.status());
    for path in all_paths_ever(fx.path()) {
        assert_eq!(
            loaded.history(&path, 100),
            index.history(&path, 100),
            "{path}"
        );
    }
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x55;
    assert!(matches!(
        HistoryIndex::from_bytes(&flipped, None),
        Err(GitError::Persisted(_))
    ));
    let mut old_version = bytes.clone();
    old_version[4] = 0;
    assert!(HistoryIndex::from_bytes(&old_version, None).is_err());
    assert!(HistoryIndex::from_bytes(b"AILH", None).is_err());
    assert!(HistoryIndex::from_bytes(&bytes[..bytes.len() / 2], None).is_err());
}

#[test]
fn extend_to_adds_only_new_commits() {
    let mut fx = busy_fixture();
    let repo = open(fx.path());
    let mut index = full_index(&repo);
    let mut loaded = HistoryIndex::from_bytes(&index.to_bytes(), None).unwrap();
    two_commits_after(&mut fx);
    let head = repo.head_sha().unwrap();
    assert_eq!(
        loaded.extend_to(&repo, &head).unwrap(),
        ExtendOutcome::Extended(2)
    );
    assert_eq!(
        loaded.extend_to(&repo, &head).unwrap(),
        ExtendOutcome::Unchanged
    );
    assert_eq!(
        index.extend_to(&repo, &head).unwrap(),
        ExtendOutcome::Extended(2)
    );
    let fresh = full_index(&repo);
    for path in all_paths_ever(fx.path()) {
        let want = git_log_shas(fx.path(), &["--", &path]);
        assert_eq!(shas(&loaded.history(&path, 100).unwrap()), want, "{path}");
        assert_eq!(
            loaded.history(&path, 100),
            fresh.history(&path, 100),
            "{path}"
        );
        assert_eq!(
            index.history(&path, 100),
            fresh.history(&path, 100),
            "{path}"
        );
    }
    assert_eq!(loaded.head_sha(), head);
    assert!(loaded.is_complete());
}

#[test]
fn extend_before_the_walk_finished_then_resume() {
    let mut fx = busy_fixture();
    let repo = open(fx.path());
    let mut index = HistoryIndex::read_recent(&repo, 3).unwrap();
    fx.commit(&[("README.md", Some("later\n"))], BOB, "Later");
    let head = repo.head_sha().unwrap();
    assert_eq!(
        index.extend_to(&repo, &head).unwrap(),
        ExtendOutcome::Extended(1)
    );
    index.read_all(&repo, &CancelToken::new()).unwrap();
    for path in all_paths_ever(fx.path()) {
        assert_eq!(
            shas(&index.history(&path, 100).unwrap()),
            git_log_shas(fx.path(), &["--", &path]),
            "{path}"
        );
    }
}

#[test]
fn rewritten_history_rebuilds() {
    let mut fx = busy_fixture();
    let repo = open(fx.path());
    let mut index = full_index(&repo);
    let old_head = fx.head().unwrap();
    let parent = fx.repo.find_commit(old_head).unwrap().parent_id(0).unwrap();
    // "Amend" the last commit: same parent, different content.
    let amended = fx.commit_on(
        &[parent],
        &[("README.md", Some("amended\n"))],
        ANN,
        "Readme amended",
    );
    fx.set_main(amended);
    let outcome = index.extend_to(&repo, &amended.to_string()).unwrap();
    assert_eq!(outcome, ExtendOutcome::Rebuilt);
    assert_eq!(index.head_sha(), amended.to_string());
    index.read_all(&repo, &CancelToken::new()).unwrap();
    let history = index.history("README.md", 100).unwrap();
    assert!(!shas(&history).contains(&old_head.to_string()));
    assert_eq!(
        shas(&history),
        git_log_shas(fx.path(), &["--", "README.md"])
    );
    assert!(matches!(
        index.extend_to(&repo, "not-a-sha"),
        Err(GitError::BadRevision(_))
    ));
}
