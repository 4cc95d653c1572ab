//! The test hooks are off unless a test turns them on: with `AIL_TEST_PANIC` set but
//! `AIL_TEST_HOOKS` not `1`, nothing panics and the `ail/debug/*` requests do not exist.
//! (A release build has no hooks at all: they sit behind the `test-hooks` cargo feature,
//! which only the tests enable.)

mod support;

use serde_json::json;
use support::*;

#[test]
fn a_panic_hook_without_the_hooks_switch_does_nothing() {
    let ws = Workspace::new();
    ws.write("src/lib.rs", "pub fn parse_args() -> u32 {\n    1\n}\n");
    let mut server = TestServer::start(
        &ws,
        Options {
            env: vec![
                ("AIL_TEST_HOOKS".into(), "0".into()),
                ("AIL_TEST_PANIC".into(), "hover".into()),
                ("AIL_TEST_STALL".into(), "context".into()),
            ],
            ..Options::default()
        },
    );
    server.initialize();
    server.wait_ready();
    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": ws.uri("src/lib.rs") }, "position": { "line": 0, "character": 9 } }),
    );
    assert!(hover.get("error").is_none(), "{hover}");
    let answer = server.request("ail/context", json!({ "question": "parse args" }));
    assert!(answer.get("error").is_none(), "{answer}");
    let debug = server.request(
        "ail/debug/documentText",
        json!({ "uri": ws.uri("src/lib.rs") }),
    );
    assert_eq!(error_code(&debug), Some(-32601), "{debug}");
}
