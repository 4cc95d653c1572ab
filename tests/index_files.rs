//! The files beside a persisted index, through the real CLI: temporaries left by killed
//! `ail index` runs are removed at the next open once they are stale, and an index or
//! history file replaced by a named pipe never hangs `ail status` or `ail context` (each is
//! refused, rebuilt, and replaced).

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::*;

/// The most any command here may take before the test calls it hung.
const HANG: Duration = Duration::from_secs(60);

fn ail(ws: &Workspace, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ail"));
    command
        .arg("--cache-dir")
        .arg(ws.cache.path())
        .args(args)
        .current_dir(ws.root())
        .env("AIL_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Run to completion, killing it and failing the test when it takes longer than `HANG`.
fn run_bounded(ws: &Workspace, args: &[&str]) -> Output {
    let mut child = ail(ws, args).spawn().expect("spawn ail");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ail {args:?} hung for {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn repository() -> Workspace {
    let ws = Workspace::new();
    ws.write(
        "src/args.rs",
        "pub fn parse_args(argv: &[String]) -> Vec<String> {\n    argv.iter().skip(1).cloned().collect()\n}\n",
    );
    git(&ws, &["init", "-q", "-b", "main"]);
    git(&ws, &["add", "."]);
    git(&ws, &["commit", "-q", "-m", "Add the argument parser"]);
    ws
}

fn status(ws: &Workspace) -> Value {
    let out = run_bounded(ws, &["status", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("status JSON")
}

fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let c_path = std::ffi::CString::new(path.to_str().expect("utf-8 path")).expect("c path");
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
}

fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

fn assert_context_answers(ws: &Workspace) {
    let out = run_bounded(ws, &["context", "--json", "where is parse args defined"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_slice(&out.stdout).expect("context JSON");
    assert_eq!(answer["results"][0]["path"], "src/args.rs", "{answer}");
}

#[test]
fn an_index_or_history_file_replaced_by_a_named_pipe_hangs_nothing() {
    let ws = repository();
    // More commits than are read at once, so the whole history is persisted.
    for i in 0..=ail_engine::git::RECENT_COMMITS {
        git(
            &ws,
            &["commit", "-q", "--allow-empty", "-m", &format!("Step {i}")],
        );
    }
    let out = run_bounded(&ws, &["index"]);
    assert_eq!(out.status.code(), Some(0));
    let index = PathBuf::from(status(&ws)["indexPath"].as_str().expect("indexPath"));
    let history = index.with_file_name("history.bin");
    assert!(
        history.is_file(),
        "the history is persisted beside the index"
    );

    mkfifo(&index);
    let s = status(&ws);
    assert!(s.is_object(), "{s}");
    assert_context_answers(&ws);
    // The rebuilt index took the pipe's place.
    assert!(index.is_file(), "{}", index.display());

    mkfifo(&history);
    status(&ws);
    assert_context_answers(&ws);
    let out = run_bounded(&ws, &["index"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!is_fifo(&history) && !is_fifo(&index));
}

/// Names in the index folder that are writers' temporaries.
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.ends_with(".tmp")
                })
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

/// Set a file's modification time `age` into the past.
fn age(path: &Path, age: Duration) {
    let then = std::time::SystemTime::now() - age;
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open temporary");
    file.set_modified(then).expect("set mtime");
}

#[test]
fn temporaries_of_killed_index_runs_are_removed_at_the_next_open() {
    let ws = repository();
    for i in 0..600 {
        ws.write(
            &format!("gen/module_{i}.rs"),
            format!("/// Generated helper number {i}.\npub fn helper_{i}(x: u64) -> u64 {{\n    x.wrapping_mul({i})\n}}\n"),
        );
    }
    let out = run_bounded(&ws, &["index"]);
    assert_eq!(out.status.code(), Some(0));
    let index = PathBuf::from(status(&ws)["indexPath"].as_str().expect("indexPath"));
    let dir = index.parent().expect("index folder").to_path_buf();

    // Kill `ail index` while it writes: the moment a temporary appears in the index folder.
    let mut killed_while_writing = 0;
    for _ in 0..20 {
        if killed_while_writing >= 3 {
            break;
        }
        // Without an index the run writes one (a killed run may have left none).
        let _ = std::fs::remove_file(&index);
        let mut child = ail(&ws, &["index"]).spawn().expect("spawn ail index");
        let started = Instant::now();
        loop {
            if !temporaries(&dir).is_empty() {
                let _ = child.kill();
                killed_while_writing += 1;
                break;
            }
            if child.try_wait().expect("try_wait").is_some() || started.elapsed() > HANG {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let _ = child.wait();
    }
    let left = temporaries(&dir);
    assert!(
        !left.is_empty(),
        "no run was killed while writing ({killed_while_writing} tries)"
    );

    // A young temporary may belong to a writer still running elsewhere: it stays.
    status(&ws);
    assert_eq!(temporaries(&dir).len(), left.len());
    // Once stale, the next open removes every one, and the index still works.
    for path in &left {
        age(path, Duration::from_secs(3600));
    }
    status(&ws);
    assert_eq!(temporaries(&dir), Vec::<PathBuf>::new());
    let out = run_bounded(&ws, &["index"]);
    assert_eq!(out.status.code(), Some(0));
    assert_context_answers(&ws);
    assert_eq!(temporaries(&dir), Vec::<PathBuf>::new());
}
