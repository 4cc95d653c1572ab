//! End-to-end tests of open documents in `ail lsp`: incremental edits land exactly, in
//! order, in either position encoding; stale versions and bad ranges change nothing they
//! should not; positions on lines with emoji and CJK text mean what the client meant.

mod support;

use serde_json::{json, Value};
use support::*;

const EMOJI_LINE: &str = "let 名前 = \"😀\"; target_name();";

fn workspace() -> Workspace {
    let ws = Workspace::new();
    ws.write("src/lib.rs", "pub fn target_name() -> u32 {\n    42\n}\n");
    ws.write(
        "src/use.rs",
        format!("fn caller() {{\n    {EMOJI_LINE}\n}}\n"),
    );
    ws
}

fn open(server: &mut TestServer, uri: &str, text: &str, version: i32) {
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "rust", "version": version, "text": text } }),
    );
}

fn change(server: &mut TestServer, uri: &str, version: i32, changes: Value) {
    server.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
    );
}

fn server_text(server: &mut TestServer, uri: &str) -> Value {
    server.call("ail/debug/documentText", json!({ "uri": uri }))
}

fn range(start: Value, end: Value) -> Value {
    json!({ "start": start, "end": end })
}

/// Pieces random edits insert: ASCII, newlines, CJK and characters outside the BMP.
const PIECES: &[&str] = &[
    "a",
    "fn x() {}",
    "\n",
    "名前",
    "😀",
    "é",
    "\n\n",
    "🎉x",
    "字",
    "  ",
];

/// Apply `count` random edits to `text` locally and send each as its own `didChange`.
fn random_edits(
    server: &mut TestServer,
    uri: &str,
    text: &mut String,
    seed: u64,
    count: usize,
    utf8: bool,
) {
    let mut rng = XorShift::new(seed);
    let boundaries = |t: &str| -> Vec<usize> {
        t.char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(t.len()))
            .collect()
    };
    for n in 0..count {
        let b = boundaries(text);
        let mut start = b[rng.below(b.len())];
        let mut end = b[rng.below(b.len())];
        if rng.below(3) == 0 {
            end = start; // pure insertion
        }
        if start > end {
            std::mem::swap(&mut start, &mut end);
        }
        let insert: String = (0..rng.below(3))
            .map(|_| PIECES[rng.below(PIECES.len())])
            .collect();
        let edit = json!({
            "range": range(position_of(text, start, utf8), position_of(text, end, utf8)),
            "text": insert
        });
        text.replace_range(start..end, &insert);
        change(server, uri, n as i32 + 2, json!([edit]));
    }
}

#[test]
fn two_hundred_random_incremental_edits_leave_the_server_text_identical_in_utf16() {
    let ws = workspace();
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    for seed in 1..=10u64 {
        let uri = ws.uri(&format!("scratch/doc_{seed}.rs"));
        let mut text = format!("fn start() {{}}\n{EMOJI_LINE}\n// 終わり\n");
        open(&mut server, &uri, &text, 1);
        random_edits(&mut server, &uri, &mut text, seed, 200, false);
        let got = server_text(&mut server, &uri);
        assert_eq!(got["version"], 201);
        assert_eq!(got["text"].as_str(), Some(text.as_str()), "seed {seed}");
    }
}

#[test]
fn two_hundred_random_incremental_edits_leave_the_server_text_identical_in_utf8() {
    let ws = workspace();
    let mut server = TestServer::start(&ws, Options::default());
    let init = server.initialize_with(
        json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } }),
        json!({}),
    );
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-8");
    for seed in 11..=15u64 {
        let uri = ws.uri(&format!("scratch/doc_{seed}.rs"));
        let mut text = format!("{EMOJI_LINE}\n");
        open(&mut server, &uri, &text, 1);
        random_edits(&mut server, &uri, &mut text, seed, 200, true);
        let got = server_text(&mut server, &uri);
        assert_eq!(got["text"].as_str(), Some(text.as_str()), "seed {seed}");
    }
}

#[test]
fn a_change_whose_version_does_not_increase_is_ignored_with_a_warning() {
    let ws = workspace();
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    let uri = ws.uri("src/lib.rs");
    open(&mut server, &uri, "one\n", 5);
    let whole = |text: &str| json!([{ "text": text }]);
    change(&mut server, &uri, 5, whole("same version"));
    change(&mut server, &uri, 3, whole("older version"));
    assert_eq!(
        server_text(&mut server, &uri),
        json!({ "text": "one\n", "version": 5 })
    );
    change(&mut server, &uri, 6, whole("newer"));
    assert_eq!(
        server_text(&mut server, &uri),
        json!({ "text": "newer", "version": 6 })
    );
    let stderr = server.stderr_with(&["WARN", "version 3 is not newer than 5"]);
    assert!(
        stderr.contains("WARN") && stderr.contains("version 3 is not newer than 5"),
        "{stderr}"
    );
    assert!(!stderr.contains("ERROR"), "{stderr}");
}

#[test]
fn out_of_range_and_inverted_edits_are_clamped_without_a_panic() {
    let ws = workspace();
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    let uri = ws.uri("src/lib.rs");
    open(&mut server, &uri, "one\ntwo\n", 1);
    let pos = |line: u32, character: u32| json!({ "line": line, "character": character });
    change(
        &mut server,
        &uri,
        2,
        json!([{ "range": range(pos(40, 0), pos(99, 99)), "text": "!" }]),
    );
    change(
        &mut server,
        &uri,
        3,
        json!([{ "range": range(pos(1, 3), pos(1, 0)), "text": "2" }]),
    );
    change(
        &mut server,
        &uri,
        4,
        json!([{ "range": range(pos(0, 500), pos(0, 900)), "text": "+" }]),
    );
    assert_eq!(server_text(&mut server, &uri)["text"], "one+\n2\n!");
    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 70, "character": 70 } }),
    );
    assert!(hover.get("error").is_none(), "{hover}");
}

#[test]
fn changing_a_document_never_opened_and_closing_twice_are_harmless() {
    let ws = workspace();
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    let uri = ws.uri("src/lib.rs");
    change(&mut server, &uri, 2, json!([{ "text": "never opened" }]));
    assert_eq!(server_text(&mut server, &uri), Value::Null);
    open(&mut server, &uri, "x", 1);
    server.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    server.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(server_text(&mut server, &uri), Value::Null);
    assert!(!server.stderr().contains("ERROR"), "{}", server.stderr());
}

/// Hover on `target_name` in the emoji line and an edit after the emoji, in one encoding.
fn positions_follow(encoding: Option<&str>, character_of_target: u32) {
    let ws = workspace();
    let mut server = TestServer::start(&ws, Options::default());
    let capabilities = match encoding {
        Some(e) => json!({ "general": { "positionEncodings": [e] } }),
        None => json!({}),
    };
    let init = server.initialize_with(capabilities, json!({}));
    let expected = encoding.unwrap_or("utf-16");
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], expected);
    server.wait_ready();
    let uri = ws.uri("src/use.rs");
    let text = format!("fn caller() {{\n    {EMOJI_LINE}\n}}\n");
    open(&mut server, &uri, &text, 1);

    // Context at the position, no question: the identifier there is the question.
    let answer = server.call(
        "ail/context",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": character_of_target + 2 } }),
    );
    assert_eq!(answer["question"], "target_name", "{expected}: {answer}");

    // Hover: its range is given back in the same units.
    let hover = server.call(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": character_of_target + 2 } }),
    );
    assert_eq!(
        hover["range"],
        range(
            json!({ "line": 1, "character": character_of_target }),
            json!({ "line": 1, "character": character_of_target + "target_name".len() as u32 })
        ),
        "{expected}: {hover}"
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("src/lib.rs"),
        "{hover}"
    );

    // An edit at the same position replaces exactly `target_name`.
    let at = |c: u32| json!({ "line": 1, "character": c });
    change(
        &mut server,
        &uri,
        2,
        json!([{ "range": range(at(character_of_target), at(character_of_target + 11)), "text": "other_name" }]),
    );
    let expected_text = text.replace("target_name", "other_name");
    assert_eq!(
        server_text(&mut server, &uri)["text"].as_str(),
        Some(expected_text.as_str())
    );
}

#[test]
fn utf16_positions_on_a_line_with_emoji_and_cjk_mean_what_the_client_meant() {
    // "    let " (8) + 名前 (2 units) + ` = "` (4) + 😀 (2 units) + `"; ` (3) = 19
    positions_follow(None, 19);
    positions_follow(Some("utf-16"), 19);
}

#[test]
fn utf8_positions_on_a_line_with_emoji_and_cjk_mean_what_the_client_meant() {
    // "    let " (8) + 名前 (6 bytes) + ` = "` (4) + 😀 (4 bytes) + `"; ` (3) = 25
    positions_follow(Some("utf-8"), 25);
}
