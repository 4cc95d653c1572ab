//! A file whose name is not valid UTF-8 could be cited only at a URL that names no file
//! (its bytes turned into U+FFFD): it is skipped and counted, whether the walk finds it or
//! an editor opens it, and no answer cites it. Runs the real binary over real pipes.

mod support;

use serde_json::{json, Value};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use support::*;

#[test]
fn a_file_named_in_latin_1_is_skipped_counted_and_never_cited() {
    let ws = Workspace::new();
    ws.write(
        "src/lib.rs",
        "pub fn ordinary_helper() -> u32 {\n    1\n}\n",
    );
    // "café_menu.rs" with the é in Latin-1: one byte 0xE9, not UTF-8.
    let name = OsStr::from_bytes(b"src/caf\xe9_menu.rs");
    std::fs::write(
        ws.root().join(name),
        "pub fn espresso_grinder_setting() -> u32 {\n    7\n}\n",
    )
    .expect("write a file with a Latin-1 name");
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    let status = server.wait_ready();
    assert_eq!(status["skipped"]["nameNotUtf8"], 1, "{status}");
    assert_eq!(status["files"], 1, "{status}");

    let no_replacement = |answer: &Value| {
        let text = answer.to_string();
        assert!(
            !text.contains('\u{fffd}') && !text.contains("%EF%BF%BD"),
            "an answer cites a name that is not UTF-8: {answer}"
        );
        assert!(
            !result_paths(answer).iter().any(|p| p.contains("menu")),
            "{answer}"
        );
    };
    let answer = server.call(
        "ail/context",
        json!({ "question": "espresso grinder setting" }),
    );
    no_replacement(&answer);

    // An editor opening it (its URI percent-encodes the byte) does not bring it in either.
    let uri = format!("{}/src/caf%E9_menu.rs", ws.root_uri());
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "rust", "version": 1,
                "text": "pub fn espresso_grinder_setting() -> u32 {\n    7\n}\n" } }),
    );
    let answer = server.call(
        "ail/context",
        json!({ "question": "espresso grinder setting" }),
    );
    no_replacement(&answer);
    let response = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 10 } }),
    );
    assert!(response.get("error").is_none(), "{response}");
    no_replacement(&response);
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [ { "uri": uri, "type": 2 } ] }),
    );
    let status = server.wait_ready();
    assert_eq!(status["files"], 1, "{status}");
}
