//! `generation` never goes back for the life of the server: `ail/reindex` (which builds a
//! new index from nothing) continues the count, so a client waiting for a newer generation
//! gets one. Runs the real binary over real pipes.

mod support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::*;

#[test]
fn reindex_moves_the_generation_forward_and_it_never_goes_back() {
    let ws = Workspace::new();
    ws.write(
        "src/lib.rs",
        "pub fn counted_function() -> u32 {\n    1\n}\n",
    );
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    let first = server.wait_ready()["generation"]
        .as_u64()
        .expect("generation");
    let mut last = first;
    for round in 0..3 {
        server.call("ail/reindex", Value::Null);
        // Every generation seen, in status and in answers, is at least the last one, and
        // the rebuild ends on a newer one.
        let deadline = Instant::now() + READY_WAIT;
        loop {
            let status = server.call("ail/status", Value::Null);
            let answer = server.call("ail/context", json!({ "question": "counted function" }));
            let seen = [&status["generation"], &answer["index"]["generation"]];
            for g in seen {
                let g = g.as_u64().expect("a generation");
                assert!(
                    g >= last,
                    "round {round}: generation went back from {last} to {g}"
                );
                last = g;
            }
            if status["state"] == "ready" && last > first + round {
                break;
            }
            assert!(Instant::now() < deadline, "round {round}: {status}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    assert!(last > first, "{first} -> {last}");
}
