//! End-to-end tests of the `ail` binary: each spawns the real program on a workspace it
//! builds in a temporary directory, with its own cache directory.

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Workspace {
    dir: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let path = self.root().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }

    fn ail(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_ail"))
            .arg("--cache-dir")
            .arg(self.cache.path())
            .args(args)
            .current_dir(self.root())
            .env("AIL_LOG", "warn")
            .output()
            .unwrap()
    }

    fn context_json(&self, question: &str, extra: &[&str]) -> Value {
        let mut args = vec!["context", "--json"];
        args.extend_from_slice(extra);
        args.push(question);
        let out = self.ail(&args);
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "{}",
            stderr(&out)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
    }

    fn status_json(&self) -> Value {
        let out = self.ail(&["status", "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn index_file(&self) -> PathBuf {
        PathBuf::from(self.status_json()["indexPath"].as_str().unwrap())
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn small_workspace() -> Workspace {
    let ws = Workspace::new();
    ws.write(
        "src/cache.rs",
        "pub struct Cache { entries: Vec<u32> }\n\nimpl Cache {\n    /// Drop the least recently used entry when full.\n    pub fn evict_oldest(&mut self) {\n        self.entries.remove(0);\n    }\n}\n",
    );
    ws.write("src/args.rs", "pub fn parse_args(argv: &[String]) -> Vec<String> {\n    argv.iter().skip(1).cloned().collect()\n}\n");
    ws.write(
        "docs/guide.md",
        "# Guide\n\n## Running the tests\n\nRun cargo test from the root.\n",
    );
    ws
}

fn paths(answer: &Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn context_answers_with_the_protocol_object() {
    let ws = small_workspace();
    let answer = ws.context_json("where is parse args defined", &[]);
    assert_eq!(paths(&answer)[0], "src/args.rs");
    let first = &answer["results"][0];
    assert_eq!(first["range"]["start"]["line"], 0);
    assert_eq!(first["citation"], 1);
    let citation = &answer["citations"][0];
    assert_eq!(citation["id"], 1);
    assert!(
        citation["url"].as_str().unwrap().starts_with("file://"),
        "{citation}"
    );
    assert!(
        citation["url"].as_str().unwrap().ends_with("args.rs#L1-L3"),
        "{citation}"
    );
    assert_eq!(citation["label"], "src/args.rs:1-3");
    assert!(answer["history"].is_null());
    assert_eq!(answer["cache"], "miss");
    assert_eq!(answer["index"]["state"], "ready");
    assert_eq!(answer["index"]["files"], 3);
    let confidence = answer["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&confidence));
    for stage in ["total", "embed", "search", "format"] {
        assert!(
            answer["timingsMs"][stage].is_number(),
            "timing {stage} missing"
        );
    }
    assert!(answer["summary"].as_str().unwrap().contains("src/args.rs"));
}

#[test]
fn human_output_lists_ranked_places_and_exit_code_is_zero() {
    let ws = small_workspace();
    let out = ws.ail(&[
        "context", "what", "happens", "when", "the", "cache", "evicts",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("1. src/cache.rs:"), "{text}");
    assert!(text.contains("confidence"), "{text}");
}

#[test]
fn nothing_found_exits_one_with_low_confidence() {
    let ws = small_workspace();
    let out = ws.ail(&["context", "--json", "zyxwvut qqqqq"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["results"].as_array().unwrap().len(), 0);
    assert_eq!(answer["confidence"], 0.0);
}

#[test]
fn bad_input_gets_exit_two_and_a_one_line_error() {
    let ws = small_workspace();
    let cases: &[(&[&str], &str)] = &[
        (&["context", "   "], "question is empty"),
        (
            &["context", "--limit", "0", "cache"],
            "--limit must be between 1 and 100",
        ),
        (
            &["context", "--limit", "101", "cache"],
            "--limit must be between 1 and 100",
        ),
        (
            &["context", "--workspace", "/no/such/dir", "cache"],
            "no such directory",
        ),
        (&["index", "/no/such/dir"], "no such directory"),
        (&["status", "/no/such/dir"], "no such directory"),
        (
            &["context", "--file", "missing.rs", "cache"],
            "no such file",
        ),
        (
            &["context", "--line", "0", "--file", "src/args.rs", "cache"],
            "1-based",
        ),
    ];
    for (args, message) in cases {
        let out = ws.ail(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    }
}

#[test]
fn binary_huge_invalid_utf8_and_symlink_loops_are_skipped_with_reasons() {
    let ws = small_workspace();
    ws.write(
        "assets/logo.bin",
        b"\x89PNG\r\n\x1a\n\0\0\0binary payload cache",
    );
    ws.write("data/huge.txt", "cache line\n".repeat(200_000)); // 2.2 MB, over the 1 MiB default
    ws.write("data/latin1.txt", b"caf\xe9 cache \xff\xfe");
    #[cfg(unix)]
    {
        fs::create_dir_all(ws.root().join("loop/a/b")).unwrap();
        std::os::unix::fs::symlink(ws.root().join("loop/a"), ws.root().join("loop/a/b/c")).unwrap();
        std::os::unix::fs::symlink(ws.root().join("src"), ws.root().join("loop/src-link")).unwrap();
    }
    let out = ws.ail(&["index", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let status = ws.status_json();
    assert_eq!(status["files"], 3, "{status}");
    assert_eq!(status["skipped"]["binary"], 1, "{status}");
    assert_eq!(status["skipped"]["tooLarge"], 1, "{status}");
    assert_eq!(status["skipped"]["notUtf8"], 1, "{status}");
    #[cfg(unix)]
    assert_eq!(status["skipped"]["symlink"], 2, "{status}");
    let answer = ws.context_json("cache", &["--limit", "100"]);
    for p in paths(&answer) {
        assert!(
            p.starts_with("src/") || p.starts_with("docs/"),
            "cited skipped file {p}"
        );
    }
}

#[test]
fn the_index_persists_and_only_changed_files_are_read_again() {
    let ws = small_workspace();
    let first = ws.ail(&["index", "."]);
    assert!(
        stdout(&first).contains("3 read, 0 unchanged"),
        "{}",
        stdout(&first)
    );
    assert!(ws.index_file().exists());
    let second = ws.ail(&["index", "."]);
    assert!(
        stdout(&second).contains("0 read, 3 unchanged"),
        "{}",
        stdout(&second)
    );
    // A new mtime and content: exactly that file is read again.
    std::thread::sleep(std::time::Duration::from_millis(20));
    ws.write(
        "src/args.rs",
        "pub fn parse_flags(argv: &[String]) -> Vec<String> {\n    argv.to_vec()\n}\n",
    );
    let third = ws.ail(&["index", "."]);
    assert!(
        stdout(&third).contains("1 read, 2 unchanged"),
        "{}",
        stdout(&third)
    );
    let answer = ws.context_json("parse flags", &[]);
    assert_eq!(paths(&answer)[0], "src/args.rs");
    assert!(answer["results"][0]["snippet"]
        .as_str()
        .unwrap()
        .contains("parse_flags"));
    // A deleted file is never cited again.
    fs::remove_file(ws.root().join("src/args.rs")).unwrap();
    let answer = ws.context_json("parse flags", &[]);
    assert!(!paths(&answer).contains(&"src/args.rs".to_string()));
    assert_eq!(answer["index"]["files"], 2);
}

#[test]
fn a_truncated_index_is_rebuilt_not_trusted() {
    let ws = small_workspace();
    assert_eq!(ws.ail(&["index", "."]).status.code(), Some(0));
    let path = ws.index_file();
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let out = ws.ail(&["context", "--json", "parse args"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("corrupt"), "{}", stderr(&out));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(paths(&answer)[0], "src/args.rs");
    // The rebuilt index is whole again: the next run reads nothing.
    assert!(stdout(&ws.ail(&["index", "."])).contains("0 read, 3 unchanged"));
}

#[test]
fn an_index_of_another_format_version_is_rebuilt() {
    let ws = small_workspace();
    assert_eq!(ws.ail(&["index", "."]).status.code(), Some(0));
    let path = ws.index_file();
    let mut bytes = fs::read(&path).unwrap();
    bytes[8..12].copy_from_slice(&0u32.to_le_bytes()); // format version 0
    fs::write(&path, &bytes).unwrap();
    let out = ws.ail(&["index", "."]);
    assert!(
        stderr(&out).contains("format version 0"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("3 read"), "{}", stdout(&out));
}

#[test]
fn garbage_in_the_index_file_is_rebuilt() {
    let ws = small_workspace();
    assert_eq!(ws.ail(&["index", "."]).status.code(), Some(0));
    let path = ws.index_file();
    let mut bytes = fs::read(&path).unwrap();
    let n = bytes.len();
    for b in &mut bytes[n / 2..n / 2 + 64] {
        *b ^= 0x5a;
    }
    fs::write(&path, &bytes).unwrap();
    let out = ws.ail(&["context", "parse args"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("checksum"), "{}", stderr(&out));
}

#[test]
fn file_and_line_bias_toward_the_asked_about_file() {
    let ws = small_workspace();
    ws.write(
        "src/other.rs",
        "pub fn entries_count(c: &Cache) -> usize {\n    c.entries.len()\n}\n",
    );
    let answer = ws.context_json("entries", &["--file", "src/other.rs", "--line", "1"]);
    assert_eq!(paths(&answer)[0], "src/other.rs");
}

#[test]
fn status_before_indexing_says_what_to_do() {
    let ws = small_workspace();
    let out = ws.ail(&["status"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("not indexed yet: run `ail index"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn max_tokens_packs_whole_places_with_their_code_and_counts_them() {
    let ws = small_workspace();
    let answer = ws.context_json("evict the oldest cache entry", &["--max-tokens", "400"]);
    let tokens = answer["tokens"].as_u64().unwrap();
    assert!(tokens > 0 && tokens <= 400, "{answer}");
    let first = &answer["results"][0];
    assert_eq!(first["path"], "src/cache.rs");
    // The whole place's code, not the four-line preview.
    assert!(
        first["snippet"]
            .as_str()
            .unwrap()
            .contains("self.entries.remove(0);"),
        "{first}"
    );
    let unbudgeted = ws.context_json("evict the oldest cache entry", &["--limit", "100"]);
    assert_eq!(
        answer["omitted"].as_u64().unwrap() + paths(&answer).len() as u64,
        paths(&unbudgeted).len() as u64,
        "every matched place is shown or counted as left out"
    );
    let text = ws.ail(&[
        "context",
        "--max-tokens",
        "400",
        "evict the oldest cache entry",
    ]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    assert!(
        stdout(&text).contains("[1] src/cache.rs:"),
        "{}",
        stdout(&text)
    );
    assert!(stdout(&text).contains("```rust"), "{}", stdout(&text));
    let too_small = ws.ail(&["context", "--max-tokens", "10", "cache"]);
    assert_eq!(too_small.status.code(), Some(2));
    assert!(stderr(&too_small).contains("--max-tokens must be between 100"));
    // Without a budget the answer is unchanged: previews, no token count.
    let plain = ws.context_json("evict the oldest cache entry", &[]);
    assert!(plain.get("tokens").is_none() && plain.get("omitted").is_none());
}

#[test]
fn mcp_print_config_names_this_binary() {
    let ws = Workspace::new();
    let exe = fs::canonicalize(env!("CARGO_BIN_EXE_ail")).unwrap();
    let out = ws.ail(&["mcp", "--print-config", "claude"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("claude mcp add ail -- {} mcp", exe.display())),
        "{}",
        stdout(&out)
    );
    let codex = stdout(&ws.ail(&["mcp", "--print-config", "codex"]));
    assert!(codex.contains("[mcp_servers.ail]") && codex.contains("args = [\"mcp\"]"));
    let wrong = ws.ail(&["mcp", "--print-config", "emacs"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(stderr(&wrong).contains("vscode"), "{}", stderr(&wrong));
}
