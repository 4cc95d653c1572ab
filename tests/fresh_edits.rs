//! A question sees every change that arrived before it: an `ail/context` or hover written
//! in the same write as a `didChange` (or a `didOpen`) is answered from the new text, not
//! from the text before the edit. Runs the real binary over real pipes.

mod support;

use serde_json::{json, Value};
use support::*;

fn frame(message: &Value) -> Vec<u8> {
    let body = message.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn workspace() -> Workspace {
    let ws = Workspace::new();
    ws.write(
        "src/lib.rs",
        "pub fn existing_helper() -> u32 {\n    1\n}\n",
    );
    ws.write(
        "src/other.rs",
        "pub fn unrelated_code() -> bool {\n    true\n}\n",
    );
    ws
}

/// A made-up two-word name that appears nowhere before the edit adds it.
fn fresh_name(round: usize) -> (String, String) {
    const A: &[&str] = &["zebra", "quokka", "narwhal", "axolotl", "pangolin"];
    const B: &[&str] = &["lantern", "compass", "trellis", "cobalt"];
    let a = A[round % A.len()];
    let b = B[(round / A.len()) % B.len()];
    (format!("{a}_{b}_{round}"), format!("{a} {b}"))
}

#[test]
fn a_context_request_in_the_same_write_as_an_edit_sees_the_edit() {
    let ws = workspace();
    let uri = ws.uri("src/lib.rs");
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    server.wait_ready();
    let original = "pub fn existing_helper() -> u32 {\n    1\n}\n";
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "rust", "version": 1, "text": original } }),
    );
    let mut text = original.to_string();
    for round in 0..10 {
        let (name, words) = fresh_name(round);
        // Append a function at the end, as an incremental edit.
        let end_line = text.matches('\n').count();
        let added = format!("\npub fn {name}() -> u64 {{\n    {round}\n}}\n");
        let change = json!({
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {
                "textDocument": { "uri": uri, "version": round + 2 },
                "contentChanges": [{
                    "range": { "start": { "line": end_line, "character": 0 }, "end": { "line": end_line, "character": 0 } },
                    "text": added
                }]
            }
        });
        text.push_str(&added);
        let id = json!(format!("ask-{round}"));
        let ask = json!({
            "jsonrpc": "2.0", "id": id, "method": "ail/context",
            "params": { "question": format!("where is {words} {round} defined") }
        });
        let mut bytes = frame(&change);
        bytes.extend(frame(&ask));
        server.send_raw(&bytes);
        let answer = server.response(&id);
        let top = &answer["result"]["results"][0];
        assert_eq!(top["path"], "src/lib.rs", "round {round}: {answer}");
        assert_eq!(top["symbol"], name.as_str(), "round {round}: {answer}");
        let start = top["range"]["start"]["line"].as_u64().unwrap_or(0) as usize;
        assert_eq!(
            text.lines().nth(start).unwrap_or(""),
            format!("pub fn {name}() -> u64 {{"),
            "round {round}: the cited line is where the function is now: {answer}"
        );
    }
}

#[test]
fn a_question_in_the_same_write_as_did_open_sees_the_opened_text() {
    let ws = workspace();
    let uri = ws.uri("src/other.rs");
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    server.wait_ready();
    let (name, words) = fresh_name(7);
    let unsaved = format!("pub fn {name}() -> bool {{\n    false\n}}\n");
    let open = json!({
        "jsonrpc": "2.0",
        "method": "textDocument/didOpen",
        "params": { "textDocument": { "uri": uri, "languageId": "rust", "version": 1, "text": unsaved } }
    });
    let ask = json!({
        "jsonrpc": "2.0", "id": "ask", "method": "ail/context",
        "params": { "question": format!("{words} 7") }
    });
    let mut bytes = frame(&open);
    bytes.extend(frame(&ask));
    server.send_raw(&bytes);
    let answer = server.response(&json!("ask"));
    assert_eq!(
        answer["result"]["results"][0]["symbol"],
        name.as_str(),
        "{answer}"
    );
    // An edit that removes the function, then the same question in the same write: the
    // old name is gone from the answer at once.
    let renamed = "pub fn unrelated_code() -> bool {\n    false\n}\n";
    let change = json!({
        "jsonrpc": "2.0",
        "method": "textDocument/didChange",
        "params": {
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "text": renamed }]
        }
    });
    let ask = json!({
        "jsonrpc": "2.0", "id": "ask-again", "method": "ail/context",
        "params": { "question": format!("{words} 7") }
    });
    let mut bytes = frame(&change);
    bytes.extend(frame(&ask));
    server.send_raw(&bytes);
    let answer = server.response(&json!("ask-again"));
    let symbols: Vec<&str> = answer["result"]["results"]
        .as_array()
        .map(|r| r.iter().filter_map(|h| h["symbol"].as_str()).collect())
        .unwrap_or_default();
    assert!(!symbols.contains(&name.as_str()), "{answer}");
}
