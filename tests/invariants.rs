//! Tests of the invariants in `docs/architecture.md` that had none: 1 (the engine has no
//! LSP dependency), 4 (answers during the first pass say `indexing` and warn) and 7 (the
//! on-disk index is written to a temporary file and renamed over the old one).

mod support;

use serde_json::{json, Value};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::*;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn invariant_1_the_engine_depends_on_nothing_that_knows_lsp() {
    // What cargo resolves for the engine, from the lock file, without the network.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .args([
            "tree",
            "-p",
            "ail-engine",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(manifest_dir())
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.contains("ail-engine"), "{tree}");
    for line in tree.lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        for lsp in ["lsp", "ls-types", "jsonrpc", "tower", "ail-protocol"] {
            assert!(
                !name.contains(lsp),
                "the engine depends on {name} (through {line:?})"
            );
        }
    }
    // And its code names no LSP type.
    let mut files = Vec::new();
    rust_files(&manifest_dir().join("server/engine/src"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for lsp in [
            "tower_lsp",
            "ls_types",
            "jsonrpc",
            "ail_protocol",
            "ail_lsp",
        ] {
            assert!(!text.contains(lsp), "{} names {lsp}", file.display());
        }
    }
}

#[test]
fn invariant_4_answers_during_the_first_pass_say_indexing_and_warn() {
    let ws = Workspace::new();
    for i in 0..3000 {
        ws.write(
            &format!("gen/d{}/module_{i}.rs", i % 30),
            format!("/// Generated helper number {i}.\npub fn helper_{i}(x: u64) -> u64 {{\n    x.wrapping_mul({i})\n}}\n"),
        );
    }
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    let mut during_first_pass = 0;
    let deadline = Instant::now() + READY_WAIT;
    loop {
        let answer = server.call("ail/context", json!({ "question": "generated helper" }));
        let warned = answer["warnings"].as_array().is_some_and(|w| {
            w.iter().any(|w| {
                // Before the engine has opened, or while its first pass runs.
                let w = w.as_str().unwrap_or("");
                w.starts_with("index incomplete") || w == "the workspace index is still loading"
            })
        });
        match answer["index"]["state"].as_str() {
            Some("indexing") => {
                assert!(warned, "an answer during indexing must warn: {answer}");
                during_first_pass += 1;
            }
            _ => {
                assert!(!warned, "{answer}");
                break;
            }
        }
        assert!(Instant::now() < deadline, "{answer}");
    }
    assert!(
        during_first_pass > 0,
        "no answer arrived during the first pass"
    );
    server.wait_ready();
}

fn ail(ws: &Workspace, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ail"));
    command
        .arg("--cache-dir")
        .arg(ws.cache.path())
        .args(args)
        .current_dir(ws.root())
        .env("AIL_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn index_path(ws: &Workspace) -> PathBuf {
    let out = ail(ws, &["status", "--json"]).output().expect("status");
    let status: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    PathBuf::from(status["indexPath"].as_str().expect("indexPath"))
}

#[test]
fn invariant_7_the_index_is_written_aside_and_renamed_over_the_old_one() {
    let ws = Workspace::new();
    for i in 0..800 {
        ws.write(
            &format!("gen/module_{i}.rs"),
            format!("pub fn helper_{i}(x: u64) -> u64 {{\n    x.wrapping_mul({i})\n}}\n"),
        );
    }
    assert!(ail(&ws, &["index"]).status().expect("index").success());
    let index = index_path(&ws);
    let dir = index.parent().expect("index dir").to_path_buf();
    let before = std::fs::read(&index).expect("index bytes");
    let inode = std::fs::metadata(&index).expect("meta").ino();

    // A new run that has to write (most files changed), killed the moment its temporary
    // appears: the old index is untouched, byte for byte, in place.
    for i in 0..800 {
        ws.write(
            &format!("gen/module_{i}.rs"),
            format!("pub fn changed_{i}() -> u64 {{\n    {i}\n}}\n"),
        );
    }
    let temporary = |dir: &Path| {
        std::fs::read_dir(dir)
            .map(|e| {
                e.flatten()
                    .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            })
            .unwrap_or(false)
    };
    let mut child = ail(&ws, &["index"]).spawn().expect("spawn");
    let started = Instant::now();
    let mut killed_while_writing = false;
    while started.elapsed() < Duration::from_secs(60) {
        if temporary(&dir) {
            let _ = child.kill();
            killed_while_writing = true;
            break;
        }
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    if killed_while_writing {
        assert_eq!(std::fs::read(&index).expect("old index"), before);
        assert_eq!(std::fs::metadata(&index).expect("meta").ino(), inode);
    }
    // A run to the end replaces the file whole: a new inode, the new content.
    assert!(ail(&ws, &["index"]).status().expect("index").success());
    assert_ne!(std::fs::metadata(&index).expect("meta").ino(), inode);
    let out = ail(&ws, &["context", "--json", "changed"])
        .output()
        .expect("context");
    let answer: Value = serde_json::from_slice(&out.stdout).expect("context JSON");
    assert!(
        answer["results"][0]["symbol"]
            .as_str()
            .is_some_and(|s| s.starts_with("changed_")),
        "{answer}"
    );
}
