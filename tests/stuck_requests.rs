//! Work stuck in blocking I/O (which no cancel token can interrupt) never takes the server
//! down: each stuck request is answered with an error once the request deadline passes,
//! `ail/status` and other requests keep being answered, and `shutdown` + `exit` still end
//! the process with code 0. The stall is a test hook (`AIL_TEST_STALL`) that blocks the
//! job the way a read from a named pipe would.

mod support;

use serde_json::{json, Value};
use support::*;

#[test]
fn forty_stuck_requests_are_answered_by_the_deadline_and_the_server_keeps_serving() {
    let ws = Workspace::new();
    ws.write(
        "src/lib.rs",
        "pub fn inside_function() -> u32 {\n    42\n}\n",
    );
    let mut server = TestServer::start(
        &ws,
        Options {
            env: vec![
                ("AIL_TEST_STALL".into(), "context".into()),
                ("AIL_TEST_REQUEST_DEADLINE_MS".into(), "1500".into()),
            ],
            ..Options::default()
        },
    );
    server.initialize();
    server.wait_ready();
    // More than the server handles at once (32): without a deadline the last ones, and
    // everything behind them, would wait forever.
    let stuck: Vec<Value> = (0..40)
        .map(|i| {
            server.send_request(
                "ail/context",
                json!({ "question": format!("inside function {i}") }),
            )
        })
        .collect();
    let status = server.call("ail/status", Value::Null);
    assert_eq!(status["state"], "ready", "{status}");
    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": ws.uri("src/lib.rs") }, "position": { "line": 0, "character": 9 } }),
    );
    assert!(hover.get("error").is_none(), "{hover}");
    for id in &stuck {
        let response = server.response(id);
        assert_eq!(error_code(&response), Some(-32603), "{response}");
        assert!(
            error_message(&response).contains("did not finish"),
            "{response}"
        );
    }
    // Drop sends shutdown + exit and asserts exit code 0 within 2 s, stuck threads or not.
}
