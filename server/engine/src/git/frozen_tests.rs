//! The history's paths frozen into a file read in place: the same answers as held in
//! memory, across a round trip and later commits, and damage detected.

use super::tests::{all_paths_ever, busy_fixture, full_index, open, shas, two_commits_after};
use super::testutil::{git_log_shas, numbered, Fixture, ANN, BOB, CY};
use super::*;

fn same_histories(a: &HistoryIndex, b: &HistoryIndex, dir: &std::path::Path) {
    for path in all_paths_ever(dir) {
        assert_eq!(a.history(&path, 100), b.history(&path, 100), "{path}");
    }
}

#[test]
fn frozen_paths_answer_as_held_ones_and_survive_a_round_trip() {
    let fx = busy_fixture();
    let repo = open(fx.path());
    let held = full_index(&repo);
    let cache = tempfile::tempdir().unwrap();
    let file = cache.path().join("paths.bin");
    let mut frozen = held.clone();
    assert!(frozen.freeze_paths(&file, 1024).unwrap());
    // Nothing held any more: a second freeze has nothing to do.
    assert!(!frozen.freeze_paths(&file, 0).unwrap());
    same_histories(&held, &frozen, fx.path());
    assert!(frozen.history("no/such/file.rs", 10).is_none());

    let bytes = frozen.to_bytes();
    let loaded = HistoryIndex::from_bytes(&bytes, Some(&file)).unwrap();
    same_histories(&held, &loaded, fx.path());
    // The persisted index needs its table.
    assert!(HistoryIndex::from_bytes(&bytes, None).is_err());
    assert!(HistoryIndex::from_bytes(&bytes, Some(&cache.path().join("gone.bin"))).is_err());

    // A flipped byte, a cut file, or another history's table are refused.
    let good = std::fs::read(&file).unwrap();
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x20;
    std::fs::write(&file, &flipped).unwrap();
    assert!(HistoryIndex::from_bytes(&bytes, Some(&file)).is_err());
    std::fs::write(&file, &good[..good.len() / 2]).unwrap();
    assert!(HistoryIndex::from_bytes(&bytes, Some(&file)).is_err());
    std::fs::write(&file, &good[..10]).unwrap();
    assert!(HistoryIndex::from_bytes(&bytes, Some(&file)).is_err());
    let mut smaller = HistoryIndex::read_recent(&repo, 2).unwrap();
    assert!(
        !smaller.freeze_paths(&file, 0).unwrap(),
        "the walk is not done"
    );
    let mut other_fx = Fixture::new();
    other_fx.commit(&[("x.rs", Some("x\n"))], ANN, "other");
    let mut unrelated = full_index(&open(other_fx.path()));
    assert!(unrelated.freeze_paths(&file, 0).unwrap());
    assert!(HistoryIndex::from_bytes(&bytes, Some(&file)).is_err());
}

#[test]
fn commits_after_a_freeze_go_in_front_of_the_frozen_ones() {
    let mut fx = busy_fixture();
    let repo = open(fx.path());
    let cache = tempfile::tempdir().unwrap();
    let file = cache.path().join("paths.bin");
    let mut index = full_index(&repo);
    assert!(index.freeze_paths(&file, 1024).unwrap());
    two_commits_after(&mut fx);
    let head = repo.head_sha().unwrap();
    assert_eq!(
        index.extend_to(&repo, &head).unwrap(),
        ExtendOutcome::Extended(2)
    );
    let fresh = full_index(&repo);
    same_histories(&fresh, &index, fx.path());
    for path in all_paths_ever(fx.path()) {
        let want = git_log_shas(fx.path(), &["--", &path]);
        assert_eq!(shas(&index.history(&path, 100).unwrap()), want, "{path}");
    }
    // Few paths held: left in memory under a floor, merged into the table without one.
    assert!(!index.freeze_paths(&file, 1024).unwrap());
    assert!(index.freeze_paths(&file, 0).unwrap());
    same_histories(&fresh, &index, fx.path());
    let loaded = HistoryIndex::from_bytes(&index.to_bytes(), Some(&file)).unwrap();
    same_histories(&fresh, &loaded, fx.path());
}

#[test]
fn renames_are_followed_through_a_frozen_table() {
    let mut fx = Fixture::new();
    let body = numbered("line", 40);
    fx.commit(&[("old/name.rs", Some(&body))], ANN, "create");
    let renamed = body.replacen("line 3\n", "line three\n", 1);
    fx.commit(
        &[("old/name.rs", None), ("new/name.rs", Some(&renamed))],
        BOB,
        "move it",
    );
    let repo = open(fx.path());
    let held = full_index(&repo);
    let cache = tempfile::tempdir().unwrap();
    let file = cache.path().join("paths.bin");
    let mut frozen = held.clone();
    assert!(frozen.freeze_paths(&file, 0).unwrap());
    // A later rename lands in memory and follows into the frozen table.
    fx.commit(
        &[("new/name.rs", None), ("final.rs", Some(&renamed))],
        CY,
        "move again",
    );
    let head = repo.head_sha().unwrap();
    frozen.extend_to(&repo, &head).unwrap();
    let history = frozen.history("final.rs", 100).unwrap();
    let want = git_log_shas(fx.path(), &["--follow", "--", "final.rs"]);
    assert_eq!(want.len(), 3);
    assert_eq!(shas(&history), want);
    assert!(frozen.freeze_paths(&file, 0).unwrap());
    assert_eq!(shas(&frozen.history("final.rs", 100).unwrap()), want);
}

/// `busy_fixture` with a rename on top, read with its paths moved to runs of `at` paths in
/// `dir` after the first commit.
fn spilled(repo: &GitRepo, dir: &std::path::Path, at: usize) -> HistoryIndex {
    let mut index = HistoryIndex::read_recent(repo, 1).unwrap();
    index.spill_paths_every(dir, at);
    let outcome = index.read_all(repo, &crate::cancel::CancelToken::new());
    assert_eq!(outcome.unwrap(), WalkOutcome::Complete);
    index
}

fn renamed_busy_fixture() -> Fixture {
    let mut fx = busy_fixture();
    let body = numbered("moved", 40);
    fx.commit(&[("docs/old.md", Some(&body))], CY, "add a doc");
    let changed = body.replacen("moved 3\n", "moved three\n", 1);
    fx.commit(
        &[("docs/old.md", None), ("docs/new.md", Some(&changed))],
        ANN,
        "rename the doc",
    );
    fx
}

#[test]
fn paths_moved_to_runs_during_the_walk_answer_as_held_ones() {
    let mut fx = renamed_busy_fixture();
    let repo = open(fx.path());
    let held = full_index(&repo);
    let follow = git_log_shas(fx.path(), &["--follow", "--", "docs/new.md"]);
    assert_eq!(shas(&held.history("docs/new.md", 100).unwrap()), follow);
    for at in [1, 2, 5] {
        let cache = tempfile::tempdir().unwrap();
        let index = spilled(&repo, cache.path(), at);
        assert!(index.path_runs() > 0, "runs of {at}");
        same_histories(&held, &index, fx.path());
        assert_eq!(shas(&index.history("docs/new.md", 100).unwrap()), follow);
        // Runs are unlinked once mapped.
        assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 0);

        // Persisted before a freeze, the runs' paths are read back into memory.
        let loaded = HistoryIndex::from_bytes(&index.to_bytes(), None).unwrap();
        assert_eq!(loaded.path_runs(), 0);
        same_histories(&held, &loaded, fx.path());

        // Freezing merges the runs and what is held into one table.
        let file = cache.path().join("paths.bin");
        let mut frozen = index.clone();
        assert!(frozen.freeze_paths(&file, 1024).unwrap());
        assert_eq!(frozen.path_runs(), 0);
        same_histories(&held, &frozen, fx.path());
        let loaded = HistoryIndex::from_bytes(&frozen.to_bytes(), Some(&file)).unwrap();
        same_histories(&held, &loaded, fx.path());
        // The same table as one frozen from memory, byte for byte.
        let from_memory = cache.path().join("held.bin");
        assert!(held.clone().freeze_paths(&from_memory, 0).unwrap());
        assert_eq!(
            std::fs::read(&file).unwrap(),
            std::fs::read(&from_memory).unwrap()
        );
    }

    // Newer commits on an index still reading its runs: as a fresh index.
    let cache = tempfile::tempdir().unwrap();
    let mut index = spilled(&repo, cache.path(), 2);
    two_commits_after(&mut fx);
    let head = repo.head_sha().unwrap();
    assert_eq!(
        index.extend_to(&repo, &head).unwrap(),
        ExtendOutcome::Extended(2)
    );
    same_histories(&full_index(&repo), &index, fx.path());
}

#[test]
fn a_folder_that_cannot_take_runs_keeps_the_paths_in_memory() {
    let fx = renamed_busy_fixture();
    let repo = open(fx.path());
    let cache = tempfile::tempdir().unwrap();
    let not_a_folder = cache.path().join("file");
    std::fs::write(&not_a_folder, "x").unwrap();
    let index = spilled(&repo, &not_a_folder, 1);
    assert_eq!(index.path_runs(), 0);
    same_histories(&full_index(&repo), &index, fx.path());
}
