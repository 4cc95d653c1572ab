//! Prebuilt indexes end to end: `ail index --out` on one clone, `--prebuilt` on another
//! clone at a later commit. The second indexes only what differs from the prebuilt's commit
//! and answers as a fresh index of its HEAD does.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use support::git_in;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ail(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ail"))
        .arg("--cache-dir")
        .arg(cache)
        .args(args)
        .current_dir(dir)
        .env("AIL_LOG", "warn")
        .output()
        .unwrap()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Twelve modules, each about its own subject, so every question has one right place.
const SUBJECTS: &[&str] = &[
    "invoice",
    "shipment",
    "coupon",
    "ledger",
    "payroll",
    "warehouse",
    "tariff",
    "voucher",
    "rebate",
    "pension",
    "mortgage",
    "dividend",
];

fn module(subject: &str, version: u32) -> String {
    format!(
        "\"\"\"Everything about the {subject}.\"\"\"\n\n\ndef compute_{subject}_total(items):\n    \"\"\"Add up every {subject} line, version {version}.\"\"\"\n    return sum(item.{subject}_amount for item in items)\n\n\ndef validate_{subject}(record):\n    return record.{subject}_id is not None\n"
    )
}

/// (path, start line) of each result.
fn places(answer: &Value) -> Vec<(String, u64)> {
    answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn context(dir: &Path, cache: &Path, extra: &[&str], question: &str) -> Value {
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(["context", "--json", "--limit", "3", question]);
    let out = ail(dir, cache, &args);
    // 1: nothing matched (the deleted module's word).
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_prebuilt_index_at_an_older_commit_plus_the_changes_answers_as_a_fresh_index() {
    let origin = tempfile::tempdir().unwrap();
    let root = origin.path();
    for subject in SUBJECTS {
        write(root, &format!("src/{subject}.py"), &module(subject, 1));
    }
    git_in(root, &["init", "-q", "-b", "main"]);
    git_in(root, &["add", "."]);
    git_in(root, &["commit", "-q", "-m", "first"]);

    // CI: index the first commit and write the prebuilt segment.
    let ci_cache = tempfile::tempdir().unwrap();
    let shared = tempfile::tempdir().unwrap();
    let prebuilt = shared.path().join("project.seg");
    let out = ail(
        root,
        ci_cache.path(),
        &["index", ".", "--out", prebuilt.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Wrote a prebuilt index"));

    // Later commits: one module changed, one added, one deleted.
    write(
        root,
        "src/ledger.py",
        &module("ledger", 2).replace("ledger", "journal"),
    );
    write(root, "src/annuity.py", &module("annuity", 1));
    std::fs::remove_file(root.join("src/tariff.py")).unwrap();
    git_in(root, &["add", "-A"]);
    git_in(root, &["commit", "-q", "-m", "second"]);

    // A developer's clone elsewhere: other paths, other mtimes.
    let clones = tempfile::tempdir().unwrap();
    let clone = clones.path().join("work");
    git_in(
        clones.path(),
        &["clone", "-q", root.to_str().unwrap(), "work"],
    );

    let dev_cache = tempfile::tempdir().unwrap();
    let prebuilt_arg = ["--prebuilt", prebuilt.to_str().unwrap()];
    let mut args = prebuilt_arg.to_vec();
    args.extend(["index", "."]);
    let out = ail(&clone, dev_cache.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    // Only the changed and the added file are read; the deleted one is removed.
    assert!(
        report.contains("(2 read, 10 unchanged, 1 removed"),
        "{report}"
    );

    // The changed module answers with its new words.
    let journal = context(&clone, dev_cache.path(), &[], "compute the journal total");
    assert_eq!(places(&journal)[0].0, "src/ledger.py");

    let fresh_cache = tempfile::tempdir().unwrap();
    for question in [
        "compute the journal total",
        "validate an annuity record",
        "add up every shipment line",
        "tariff",
        "compute_mortgage_total",
    ] {
        let from_prebuilt = context(&clone, dev_cache.path(), &[], question);
        let fresh = context(&clone, fresh_cache.path(), &[], question);
        let (a, b) = (places(&from_prebuilt), places(&fresh));
        assert_eq!(a.first(), b.first(), "{question}: {a:?} vs {b:?}");
        assert!(
            a.iter().all(|(path, _)| path != "src/tariff.py"),
            "{question}: the deleted file answered: {a:?}"
        );
    }

    // The developer's index now lives in their cache: a second run reads nothing.
    let out = ail(&clone, dev_cache.path(), &["index", "."]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("(0 read"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_damaged_or_missing_prebuilt_index_is_reported_and_the_workspace_indexed_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for subject in &SUBJECTS[..4] {
        write(root, &format!("src/{subject}.py"), &module(subject, 1));
    }
    let elsewhere = tempfile::tempdir().unwrap();
    let bad = elsewhere.path().join("bad.seg");
    std::fs::write(&bad, b"not a segment at all").unwrap();
    for prebuilt in [bad.clone(), elsewhere.path().join("missing.seg")] {
        let cache = tempfile::tempdir().unwrap();
        let out = ail(
            root,
            cache.path(),
            &["--prebuilt", prebuilt.to_str().unwrap(), "index", "."],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let report = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(report.contains("(4 read"), "{report}");
        assert!(stderr(&out).contains("prebuilt index"), "{}", stderr(&out));
        let status = ail(root, cache.path(), &["status", "--json"]);
        let status: Value = serde_json::from_slice(&status.stdout).unwrap();
        assert_eq!(status["files"], 4, "{status}");
    }
}
