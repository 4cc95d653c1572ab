//! History on a partial clone: a real `git clone --filter=blob:none` of a local repository
//! lacks the content of old files, which telling renames needs. The walk goes past what it
//! cannot read, finishes, counts a file's commits in full, and the answer says what was
//! skipped. Runs the real binary over real pipes.

mod support;

use serde_json::{json, Value};
use std::path::Path;
use support::*;

/// A repository whose `src/core.rs` changes in every commit, more commits than are read
/// before the first answers, with files renamed and edited in one commit now and then.
fn source_repository(dir: &Path) -> usize {
    git_in(dir, &["init", "-q", "-b", "main"]);
    git_in(dir, &["config", "uploadpack.allowFilter", "true"]);
    let mut core = String::from("pub fn core() -> u32 {\n    0\n}\n");
    let mut helper = String::from("pub fn helper() {}\n// a helper with some text in it\n// that stays similar when renamed\n// across the whole history\n");
    let mut helper_name = "src/helper_0.rs".to_string();
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    std::fs::write(dir.join(&helper_name), &helper).expect("write");
    let commits = ail_engine::git::RECENT_COMMITS + 40;
    for i in 0..commits {
        core.push_str(&format!("// step {i}\n"));
        std::fs::write(dir.join("src/core.rs"), &core).expect("write");
        if i % 25 == 10 {
            // Renamed and edited at once: telling this rename needs both contents.
            let renamed = format!("src/helper_{i}.rs");
            std::fs::remove_file(dir.join(&helper_name)).expect("rm");
            helper.push_str(&format!("// renamed at {i}\n"));
            std::fs::write(dir.join(&renamed), &helper).expect("write");
            helper_name = renamed;
        }
        git_in(dir, &["add", "-A"]);
        git_in(dir, &["commit", "-q", "-m", &format!("Step {i}")]);
    }
    commits
}

#[test]
fn history_of_a_blobless_partial_clone_is_read_to_the_end_and_says_what_it_skipped() {
    let source = tempfile::tempdir().expect("temp dir");
    let commits = source_repository(source.path());
    let full_count = git_in(source.path(), &["log", "--format=%H", "--", "src/core.rs"])
        .lines()
        .count();
    assert_eq!(full_count, commits);

    let ws = Workspace::new();
    let clone = ws.root().join("clone");
    let url = format!("file://{}", source.path().display());
    git_in(
        ws.root().as_path(),
        &["clone", "-q", "--filter=blob:none", &url, "clone"],
    );
    // It is a partial clone: the old contents are not there.
    assert_eq!(
        git_in(&clone, &["config", "remote.origin.partialclonefilter"]).trim(),
        "blob:none"
    );

    let mut server = TestServer::spawn(ws.cache.path(), &clone, Options::default());
    server.workspace_root = Some(clone.clone());
    server.initialize();
    server.wait_ready();
    // The whole walk ends (not stopped at the first missing object).
    let deadline = std::time::Instant::now() + READY_WAIT;
    let status = loop {
        let status = server.call("ail/status", Value::Null);
        if status["git"]["state"] == "ready" {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "{status}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status["git"]["commits"], commits, "{status}");
    assert!(
        status["git"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("partial")),
        "{status}"
    );

    let answer = server.call(
        "ail/context",
        json!({ "question": "core", "textDocument": { "uri": file_uri(&clone.join("src/core.rs")) } }),
    );
    let history = &answer["history"];
    assert_eq!(history["complete"], true, "{answer}");
    assert_eq!(history["totalCommits"], full_count, "{answer}");
    assert!(
        history["unread"]["renames"].as_u64().unwrap_or(0) >= 1,
        "{answer}"
    );
    let warned = answer["warnings"].as_array().is_some_and(|w| {
        w.iter()
            .any(|w| w.as_str().unwrap_or("").contains("history partial"))
    });
    assert!(warned, "{answer}");
}
