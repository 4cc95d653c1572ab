//! Long questions: one past the documented maximum is refused with `InvalidParams` over
//! LSP and with exit code 2 by the CLI, and one at the maximum is answered. Each test runs
//! the real binary on a workspace it writes.

mod support;

use ail_engine::answer::MAX_QUESTION_BYTES;
use serde_json::json;
use std::process::Command;
use support::*;

/// Distinct made-up words (the costly case: nothing repeats, nothing is known), cut to
/// exactly `bytes`.
fn distinct_words(bytes: usize) -> String {
    let mut rng = XorShift::new(bytes as u64);
    let mut out = String::with_capacity(bytes + 16);
    while out.len() < bytes {
        let len = 3 + rng.below(7);
        for _ in 0..len {
            out.push((b'a' + rng.below(26) as u8) as char);
        }
        out.push(' ');
    }
    out.truncate(bytes);
    // No trailing space: the server trims before it measures.
    while out.ends_with(' ') {
        out.pop();
        out.push('x');
    }
    out
}

fn workspace() -> Workspace {
    let ws = Workspace::new();
    ws.write(
        "src/args.rs",
        "pub fn parse_args(argv: &[String]) -> Vec<String> {\n    argv.iter().skip(1).cloned().collect()\n}\n",
    );
    ws
}

#[test]
fn a_question_past_the_maximum_is_invalid_params_and_one_at_it_is_answered() {
    let ws = workspace();
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    server.wait_ready();

    let too_long = distinct_words(MAX_QUESTION_BYTES + 1);
    let response = server.request("ail/context", json!({ "question": too_long }));
    assert_eq!(error_code(&response), Some(-32602), "{response}");
    let message = error_message(&response);
    assert!(
        message.starts_with("question:") && message.contains(&MAX_QUESTION_BYTES.to_string()),
        "{message}"
    );
    // Far past it (the probe's 1 MB) is refused the same way, at once.
    let huge = distinct_words(1 << 20);
    let response = server.request("ail/context", json!({ "question": huge }));
    assert_eq!(error_code(&response), Some(-32602), "{response}");

    // Spaces around the question do not count.
    let tail = " parse args";
    let padded = format!(
        "   {}{tail}\n\n",
        distinct_words(MAX_QUESTION_BYTES - tail.len())
    );
    let answer = server.call("ail/context", json!({ "question": padded }));
    assert_eq!(
        result_paths(&answer).first().map(String::as_str),
        Some("src/args.rs"),
        "{answer}"
    );
    let at_max = distinct_words(MAX_QUESTION_BYTES);
    let answer = server.call("ail/context", json!({ "question": at_max }));
    assert!(answer["results"].is_array(), "{answer}");
    // And the server is still itself.
    assert_eq!(server.call("ail/status", json!(null))["state"], "ready");
}

#[test]
fn hover_on_a_minified_line_asks_a_bounded_question() {
    let ws = workspace();
    // One identifier of 200 KB on one line: it is not taken as a name, and the hover is
    // not refused for the length of what the cursor is on.
    let long_name: String = "ab".repeat(100_000);
    ws.write("src/min.js", format!("var {long_name} = 1;\n"));
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    server.wait_ready();
    let response = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": ws.uri("src/min.js") }, "position": { "line": 0, "character": 100 } }),
    );
    assert!(response.get("error").is_none(), "{response}");
    let response = server.request(
        "ail/context",
        json!({ "textDocument": { "uri": ws.uri("src/min.js") }, "position": { "line": 0, "character": 100 } }),
    );
    assert!(response.get("error").is_none(), "{response}");
    assert!(
        response["result"]["question"]
            .as_str()
            .is_some_and(|q| q.len() <= 1024),
        "{response}"
    );
}

#[test]
fn the_cli_refuses_a_question_past_the_maximum_with_exit_two() {
    let ws = workspace();
    let run = |question: &str| {
        Command::new(env!("CARGO_BIN_EXE_ail"))
            .arg("--cache-dir")
            .arg(ws.cache.path())
            .args(["context", "--json", question])
            .current_dir(ws.root())
            .env("AIL_LOG", "warn")
            .output()
            .expect("run ail")
    };
    let out = run(&distinct_words(MAX_QUESTION_BYTES + 1));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("question") && stderr.contains(&MAX_QUESTION_BYTES.to_string()),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    let out = run(&distinct_words(MAX_QUESTION_BYTES));
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
