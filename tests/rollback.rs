//! The automatic rollback, end to end: once the rolling p95 passes its budget (set tiny by
//! a test hook, so every answer is over it), blame, the semantic cache tier and parallel
//! stages switch off, and both the answers' `warnings` and the status's `fallbacks` say
//! so. Switching back on with hysteresis is tested on the engine's decision itself.

mod support;

use serde_json::{json, Value};
use support::*;

#[test]
fn over_the_latency_budget_the_optional_stages_switch_off_and_say_so() {
    let ws = Workspace::new();
    ws.write(
        "src/args.rs",
        "pub fn parse_args(argv: &[String]) -> Vec<String> {\n    argv.to_vec()\n}\n",
    );
    git(&ws, &["init", "-q", "-b", "main"]);
    git(&ws, &["add", "."]);
    git(&ws, &["commit", "-q", "-m", "Add the parser"]);
    let ask = |server: &mut TestServer, i: usize| {
        server.call(
            "ail/context",
            json!({
                "question": format!("parse args {i}"),
                "textDocument": { "uri": ws.uri("src/args.rs") },
                "position": { "line": 0, "character": 8 }
            }),
        )
    };
    let mut server = TestServer::start(
        &ws,
        Options {
            env: vec![("AIL_TEST_LATENCY_BUDGET_MS".into(), "0.000001".into())],
            ..Options::default()
        },
    );
    server.initialize();
    server.wait_ready();
    // Before enough answers to judge: blame is there.
    let first = ask(&mut server, 0);
    assert!(first["blame"].is_array(), "{first}");
    assert!(first.get("warnings").is_none(), "{first}");
    let mut degraded = Value::Null;
    for i in 1..40 {
        let answer = ask(&mut server, i);
        if answer["warnings"].as_array().is_some_and(|w| {
            w.iter()
                .any(|w| w.as_str().unwrap_or("").starts_with("degraded"))
        }) {
            degraded = answer;
            break;
        }
    }
    assert!(degraded.is_object(), "never degraded");
    assert!(degraded.get("blame").is_none(), "blame is off: {degraded}");
    let status = server.call("ail/status", Value::Null);
    let fallbacks = status["fallbacks"].to_string();
    assert!(
        fallbacks.contains("degraded") && fallbacks.contains("blame"),
        "{status}"
    );
}
