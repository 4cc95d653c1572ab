//! Answer quality on a fixture repository of 37 files in six languages: 24 questions whose
//! right place is known, asked through the real binary.
//!
//! Asserts hit@3 >= 0.9. Today's ranking finds 22 of 24 (0.917); the two misses need
//! semantic matching that the built-in embedder cannot give ("give up on a server that
//! takes too long" for `fetchWithTimeout`; "what status does the handler return" for
//! `ServeHTTP`).

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn fixture_questions_find_their_answer_in_the_top_three() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let workspace = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    copy_dir(&fixtures.join("polyglot"), workspace.path());
    let questions: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(fixtures.join("polyglot.questions.json")).unwrap(),
    )
    .unwrap();
    assert!(questions.len() >= 20);

    let ail = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ail"))
            .arg("--cache-dir")
            .arg(cache.path())
            .args(args)
            .current_dir(workspace.path())
            .output()
            .unwrap()
    };
    assert!(ail(&["index", "."]).status.success());

    let mut hits = 0;
    let mut report = String::new();
    for q in &questions {
        let question = q["question"].as_str().unwrap();
        let path = q["path"].as_str().unwrap();
        let line = q["line"].as_u64().unwrap() - 1; // the key is 1-based
        let out = ail(&["context", "--json", "--limit", "10", question]);
        let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
        let results = answer["results"].as_array().unwrap();
        let rank = results.iter().position(|r| {
            r["path"] == path
                && r["range"]["start"]["line"].as_u64().unwrap() <= line
                && line < r["range"]["end"]["line"].as_u64().unwrap()
        });
        if rank.is_some_and(|r| r < 3) {
            hits += 1;
        }
        let top: Vec<String> = results
            .iter()
            .take(3)
            .map(|r| {
                format!(
                    "{}:{}",
                    r["path"].as_str().unwrap(),
                    r["range"]["start"]["line"].as_u64().unwrap() + 1
                )
            })
            .collect();
        report.push_str(&format!(
            "{:>4} {question} -> want {path}:{} got {top:?}\n",
            rank.map_or("-".into(), |r| (r + 1).to_string()),
            line + 1
        ));
    }
    let hit_at_3 = hits as f64 / questions.len() as f64;
    eprintln!("{report}hit@3 = {hit_at_3:.3}");
    assert!(hit_at_3 >= 0.9, "hit@3 {hit_at_3:.3} below 0.9\n{report}");
}
