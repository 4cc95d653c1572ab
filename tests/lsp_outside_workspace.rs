//! End-to-end: nothing outside the workspace is read, echoed, indexed or quoted by `ail lsp`,
//! however the path is spelled: `..`, `%2e%2e`, a symlinked folder or a symlinked file.

mod support;

use serde_json::{json, Value};
use support::*;

/// A secret file outside the workspace, with a word a question built from the cursor would
/// echo back.
struct Outside {
    dir: tempfile::TempDir,
}

const SECRET_WORD: &str = "zebrasecretword";

impl Outside {
    fn new() -> Outside {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("passwd"),
            format!("{SECRET_WORD}:x:0:0:root:/root:/bin/sh\nsecondline {SECRET_WORD}\n"),
        )
        .expect("write secret");
        Outside { dir }
    }

    fn path(&self) -> std::path::PathBuf {
        std::fs::canonicalize(self.dir.path()).expect("canonical")
    }
}

fn workspace(outside: &Outside) -> Workspace {
    let ws = Workspace::new();
    ws.write(
        "src/lib.rs",
        "pub fn inside_function() -> u32 {\n    42\n}\n",
    );
    std::os::unix::fs::symlink(outside.path(), ws.root().join("etc_link")).expect("link dir");
    std::os::unix::fs::symlink(outside.path().join("passwd"), ws.root().join("passwd.py"))
        .expect("link file");
    ws
}

/// The ways a client can name the outside file through the workspace.
fn hostile_uris(ws: &Workspace, outside: &Outside) -> Vec<String> {
    let depth = ws.root().components().count();
    let ups = "../".repeat(depth);
    let target = outside.path().join("passwd");
    let target = target.to_string_lossy();
    let target = target.trim_start_matches('/');
    vec![
        format!("{}/{ups}{target}", ws.root_uri()),
        format!("{}/{}{target}", ws.root_uri(), "%2e%2e/".repeat(depth)),
        ws.uri("etc_link/passwd"),
        ws.uri("passwd.py"),
    ]
}

fn assert_no_secret(what: &str, value: &Value) {
    let text = value.to_string();
    assert!(
        !text.contains(SECRET_WORD),
        "{what} leaked the outside file: {text}"
    );
}

#[test]
fn context_and_hover_refuse_files_outside_the_workspace() {
    let outside = Outside::new();
    let ws = workspace(&outside);
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    server.wait_ready();
    for uri in hostile_uris(&ws, &outside) {
        let response = server.request(
            "ail/context",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 2 } }),
        );
        assert_no_secret("ail/context", &response);
        assert_eq!(
            error_code(&response),
            Some(-32602),
            "ail/context on {uri} must be refused as InvalidParams: {response}"
        );
        let hover = server.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 2 } }),
        );
        assert_no_secret("hover", &hover);
        assert_eq!(hover["result"], Value::Null, "hover on {uri}: {hover}");
    }
    // The workspace itself still answers.
    let inside = server.call(
        "ail/context",
        json!({ "textDocument": { "uri": ws.uri("src/lib.rs") }, "position": { "line": 0, "character": 9 } }),
    );
    assert!(
        result_paths(&inside)
            .iter()
            .any(|p| p.ends_with("src/lib.rs")),
        "{inside}"
    );
}

#[test]
fn document_sync_never_loads_an_outside_file_into_the_index() {
    let outside = Outside::new();
    let ws = workspace(&outside);
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    server.wait_ready();
    for (version, uri) in hostile_uris(&ws, &outside).into_iter().enumerate() {
        server.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "python", "version": version, "text": "bufferonlyword = 1\n" } }),
        );
        server.notify(
            "textDocument/didSave",
            json!({ "textDocument": { "uri": uri } }),
        );
        server.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        );
        server.notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [ { "uri": uri, "type": 1 }, { "uri": uri, "type": 2 } ] }),
        );
    }
    // Let the indexer take whatever it was going to take.
    std::thread::sleep(std::time::Duration::from_millis(500));
    server.wait_ready();
    let answer = server.call(
        "ail/context",
        json!({ "question": "secondline root bufferonlyword", "limit": 20 }),
    );
    assert_no_secret("ail/context after document sync", &answer);
    for path in result_paths(&answer) {
        assert!(
            !path.contains("passwd") && !path.contains("etc_link"),
            "cited {path}"
        );
    }
    let status = server.call("ail/status", Value::Null);
    assert_no_secret("ail/status", &status);
    // The symlinked file and folder count as skipped links, as the walk found them.
    assert!(
        status["skipped"]["symlink"].as_u64().unwrap_or(0) >= 2,
        "{status}"
    );
}

#[test]
fn a_named_pipe_is_skipped_and_never_blocks_a_request() {
    let ws = Workspace::new();
    ws.write(
        "src/lib.rs",
        "pub fn inside_function() -> u32 {\n    42\n}\n",
    );
    let fifo = ws.root().join("src/pipe.py");
    let c_path = std::ffi::CString::new(fifo.to_str().expect("utf-8 path")).expect("c path");
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    let status = server.wait_ready();
    assert_eq!(status["skipped"]["special"], 1, "{status}");
    let uri = ws.uri("src/pipe.py");
    let position = json!({ "line": 0, "character": 0 });
    // Many at once: each must come back, none may hold a thread waiting for a writer.
    let ids: Vec<Value> = (0..40)
        .map(|i| {
            if i % 2 == 0 {
                server.send_request(
                    "textDocument/hover",
                    json!({ "textDocument": { "uri": uri }, "position": position }),
                )
            } else {
                server.send_request(
                    "ail/context",
                    json!({ "textDocument": { "uri": uri }, "position": position }),
                )
            }
        })
        .collect();
    for id in &ids {
        server.response(id);
    }
    server.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [ { "uri": uri, "type": 2 } ] }),
    );
    server.wait_ready();
}
