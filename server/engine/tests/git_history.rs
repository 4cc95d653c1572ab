//! The engine follows the repository: history in answers grows when HEAD moves between
//! refreshes, a damaged history file is read again from git, and a workspace without git
//! answers with a reason instead of history.

use ail_engine::{Engine, EngineConfig, Query};
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Grace")
        .env("GIT_AUTHOR_EMAIL", "grace@example.com")
        .env("GIT_COMMITTER_NAME", "Grace")
        .env("GIT_COMMITTER_EMAIL", "grace@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn ask_about(engine: &Engine, file: &str) -> ail_engine::Answer {
    engine
        .query(&Query {
            question: "parse args".into(),
            file: Some(file.into()),
            limit: 5,
            ..Default::default()
        })
        .unwrap()
}

/// A repository whose one commit adds `args.rs`.
fn repo_with_one_commit() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    std::fs::write(dir.path().join("args.rs"), "pub fn parse_args() {}\n").unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "first"]);
    dir
}

#[test]
fn history_follows_new_commits_between_refreshes() {
    let dir = repo_with_one_commit();
    let cache = tempfile::tempdir().unwrap();
    let config = EngineConfig {
        cache_dir: Some(cache.path().to_path_buf()),
        ..Default::default()
    };
    let engine = Engine::open(dir.path(), config.clone()).unwrap();
    engine
        .refresh(&|_| {}, &ail_engine::CancelToken::new())
        .unwrap();
    assert_eq!(
        ask_about(&engine, "args.rs").history.unwrap().total_commits,
        1
    );

    std::fs::write(dir.path().join("args.rs"), "pub fn parse_args() {\n}\n").unwrap();
    git(dir.path(), &["commit", "-q", "-am", "second"]);
    engine
        .refresh(&|_| {}, &ail_engine::CancelToken::new())
        .unwrap();
    let history = ask_about(&engine, "args.rs").history.unwrap();
    assert_eq!(history.total_commits, 2);
    assert_eq!(history.commits[0].summary, "second");

    // A new process starts from the persisted history, extended to the current HEAD.
    let reopened = Engine::open(dir.path(), config).unwrap();
    assert_eq!(
        ask_about(&reopened, "args.rs")
            .history
            .unwrap()
            .total_commits,
        2
    );
}

#[test]
fn a_damaged_or_missing_frozen_path_table_is_read_again_from_git() {
    let dir = repo_with_one_commit();
    let cache = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("args.rs"), "pub fn parse_args() {\n}\n").unwrap();
    git(dir.path(), &["commit", "-q", "-am", "second"]);
    let config = EngineConfig {
        cache_dir: Some(cache.path().to_path_buf()),
        ..Default::default()
    };
    drop(Engine::open(dir.path(), config.clone()).unwrap());
    // The whole history was read at open and its paths frozen beside the index.
    let table = walk_files(cache.path())
        .into_iter()
        .find(|p| p.ends_with("history-paths.bin"))
        .expect("a frozen path table");
    let good = std::fs::read(&table).unwrap();
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    for damaged in [Some(flipped), Some(good[..good.len() / 2].to_vec()), None] {
        match &damaged {
            Some(bytes) => std::fs::write(&table, bytes).unwrap(),
            None => std::fs::remove_file(&table).unwrap(),
        }
        let engine = Engine::open(dir.path(), config.clone()).unwrap();
        let history = ask_about(&engine, "args.rs").history.unwrap();
        assert_eq!(history.total_commits, 2);
        assert_eq!(history.commits[0].summary, "second");
        // Read again and frozen again: the next start finds the good table.
        assert_eq!(std::fs::read(&table).unwrap(), good);
    }
}

fn walk_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk_files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn without_git_answers_say_why_history_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("args.rs"), "pub fn parse_args() {}\n").unwrap();
    let engine = Engine::open(
        dir.path(),
        EngineConfig {
            persist: false,
            ..Default::default()
        },
    )
    .unwrap();
    engine
        .refresh(&|_| {}, &ail_engine::CancelToken::new())
        .unwrap();
    let answer = ask_about(&engine, "args.rs");
    assert!(answer.history.is_none());
    assert!(
        answer
            .warnings
            .iter()
            .any(|w| w.starts_with("history unavailable: not a git repository")),
        "{:?}",
        answer.warnings
    );
    assert!(!answer.results.is_empty());
    assert_eq!(engine.status().git.state, "unavailable");
}
