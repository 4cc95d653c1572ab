//! End-to-end tests of `ail lsp`'s framing, JSON-RPC errors and lifecycle: malformed
//! input never ends a session, every request gets exactly one answer, and the process
//! exits with the code the protocol asks for.

mod support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::*;

fn workspace() -> Workspace {
    let ws = Workspace::new();
    ws.write(
        "src/lib.rs",
        "pub fn checksum(bytes: &[u8]) -> u32 {\n    bytes.iter().map(|&b| b as u32).sum()\n}\n",
    );
    ws
}

fn started(ws: &Workspace) -> TestServer {
    let mut server = TestServer::start(ws, Options::default());
    server.initialize();
    server
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// A request that must succeed, proving the session is alive.
fn still_serving(server: &mut TestServer) {
    let status = server.call("ail/status", Value::Null);
    assert!(status["state"].is_string(), "{status}");
}

fn null_id_error(server: &mut TestServer) -> Value {
    server.wait_message(WAIT, "an error response with id null", |m| {
        m.get("method").is_none() && m["id"].is_null() && m.get("error").is_some()
    })
}

#[test]
fn malformed_json_gets_a_parse_error_with_null_id_and_the_session_goes_on() {
    let ws = workspace();
    let mut server = started(&ws);
    server.send_raw(&frame(br#"{"jsonrpc":"2.0","method":"#));
    let error = null_id_error(&mut server);
    assert_eq!(error_code(&error), Some(-32700), "{error}");
    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": ws.uri("src/lib.rs") }, "position": { "line": 0, "character": 8 } }),
    );
    assert!(hover.get("error").is_none(), "{hover}");
}

#[test]
fn an_invalid_utf8_body_gets_a_parse_error_and_the_session_goes_on() {
    let ws = workspace();
    let mut server = started(&ws);
    server.send_raw(&frame(
        b"{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ail/status\",\"params\":\"\xff\xfe\"}",
    ));
    let error = null_id_error(&mut server);
    assert_eq!(error_code(&error), Some(-32700), "{error}");
    still_serving(&mut server);
}

#[test]
fn json_that_is_not_json_rpc_gets_invalid_request_and_the_session_goes_on() {
    let ws = workspace();
    let mut server = started(&ws);
    server.send_raw(&frame(br#"{"jsonrpc":"1.0","id":9,"method":"ail/status"}"#));
    let error = server.response(&json!(9));
    assert_eq!(error_code(&error), Some(-32600), "{error}");
    server.send_raw(&frame(b"[1, 2, 3]"));
    assert_eq!(error_code(&null_id_error(&mut server)), Some(-32600));
    still_serving(&mut server);
}

#[test]
fn garbage_before_a_header_and_a_duplicate_content_length_do_not_stop_the_next_message() {
    let ws = workspace();
    let mut server = started(&ws);
    let body = br#"{"jsonrpc":"2.0","id":"g1","method":"ail/status"}"#;
    let mut bytes = b"this is not a header\r\n".to_vec();
    bytes.extend_from_slice(&frame(body));
    server.send_raw(&bytes);
    assert!(server.response(&json!("g1"))["result"].is_object());
    let body = br#"{"jsonrpc":"2.0","id":"g2","method":"ail/status"}"#;
    let twice = format!(
        "Content-Length: {0}\r\nContent-Length: {0}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n",
        body.len()
    );
    let mut bytes = twice.into_bytes();
    bytes.extend_from_slice(body);
    server.send_raw(&bytes);
    assert!(server.response(&json!("g2"))["result"].is_object());
    // A header block with no length at all is answered and skipped too.
    server.send_raw(b"X-Nonsense: 1\r\n\r\n");
    assert_eq!(error_code(&null_id_error(&mut server)), Some(-32700));
    still_serving(&mut server);
}

#[test]
fn a_huge_declared_length_then_end_of_input_exits_promptly_without_panicking() {
    let ws = workspace();
    let mut server = started(&ws);
    server.send_raw(b"Content-Length: 2147483648\r\n\r\n{\"jsonrpc\":");
    server.close_stdin();
    let code = server.wait_exit(Duration::from_secs(2));
    assert_eq!(
        code,
        Some(1),
        "exit code when input ends without exit\n{}",
        server.stderr()
    );
    assert!(!server.stderr().contains("panicked at"));
}

/// Resident and peak resident memory of a process, in KiB (Linux).
#[cfg(target_os = "linux")]
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[cfg(target_os = "linux")]
#[test]
fn a_huge_declared_length_is_skipped_without_holding_the_body_in_memory() {
    let ws = workspace();
    let mut server = started(&ws);
    still_serving(&mut server);
    let (before, _) = memory_kib(server.pid());
    server.send_raw(b"Content-Length: 2147483648\r\n\r\n");
    let chunk = vec![b'x'; 1024 * 1024];
    for _ in 0..80 {
        // Pipe writes block until the server reads: 80 MiB have gone through it after this.
        server.send_raw(&chunk);
    }
    let (_, peak) = memory_kib(server.pid());
    assert!(
        peak.saturating_sub(before) < 50 * 1024,
        "peak RSS grew from {before} KiB to {peak} KiB"
    );
    server.close_stdin();
    assert_eq!(server.wait_exit(Duration::from_secs(2)), Some(1));
}

#[test]
fn a_body_shorter_than_declared_then_end_of_input_exits_with_an_error_code() {
    let ws = workspace();
    let mut server = started(&ws);
    server.send_raw(b"Content-Length: 500\r\n\r\n{\"jsonrpc\":\"2.0\"}");
    server.close_stdin();
    assert_eq!(server.wait_exit(Duration::from_secs(2)), Some(1));
}

#[test]
fn unknown_methods_get_method_not_found_and_unknown_notifications_get_nothing() {
    let ws = workspace();
    let mut server = started(&ws);
    let response = server.request("foo/bar", json!({}));
    assert_eq!(error_code(&response), Some(-32601), "{response}");
    server.notify("foo/baz", json!({}));
    server.notify("$/unknown", json!({}));
    still_serving(&mut server);
    server.drain();
    // Anything answering the notifications would be a response to no request of ours.
    let strays = server.take_unmatched_responses();
    assert!(strays.is_empty(), "{strays:?}");
}

#[test]
fn wrong_param_shapes_get_invalid_params_and_the_next_request_succeeds() {
    let ws = workspace();
    let mut server = started(&ws);
    let response = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": ws.uri("src/lib.rs") }, "position": "x" }),
    );
    assert_eq!(error_code(&response), Some(-32602), "{response}");
    let response = server.request("textDocument/hover", Value::Null);
    assert_eq!(error_code(&response), Some(-32602), "{response}");
    still_serving(&mut server);
}

#[test]
fn requests_before_initialize_get_server_not_initialized_and_initialize_still_works() {
    let ws = workspace();
    let mut server = TestServer::start(&ws, Options::default());
    let response = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": ws.uri("src/lib.rs") }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(error_code(&response), Some(-32002), "{response}");
    assert_eq!(
        error_code(&server.request("ail/status", Value::Null)),
        Some(-32002)
    );
    server.initialize();
    still_serving(&mut server);
}

#[test]
fn a_second_initialize_is_an_error_and_the_session_goes_on() {
    let ws = workspace();
    let mut server = started(&ws);
    let again = server.request("initialize", json!({ "capabilities": {} }));
    assert_eq!(error_code(&again), Some(-32600), "{again}");
    still_serving(&mut server);
}

#[test]
fn requests_after_shutdown_are_invalid_and_exit_returns_zero() {
    let ws = workspace();
    let mut server = started(&ws);
    let response = server.request("shutdown", Value::Null);
    assert!(response.get("error").is_none(), "{response}");
    let after = server.request("ail/status", Value::Null);
    assert_eq!(error_code(&after), Some(-32600), "{after}");
    server.notify("exit", Value::Null);
    assert_eq!(server.wait_exit(Duration::from_secs(1)), Some(0));
}

#[test]
fn exit_without_shutdown_returns_one() {
    let ws = workspace();
    let mut server = started(&ws);
    still_serving(&mut server);
    server.notify("exit", Value::Null);
    assert_eq!(server.wait_exit(Duration::from_secs(1)), Some(1));
}

#[test]
fn end_of_input_without_exit_ends_the_process_with_an_error_code() {
    let ws = workspace();
    let mut server = started(&ws);
    still_serving(&mut server);
    server.close_stdin();
    assert_eq!(server.wait_exit(Duration::from_secs(2)), Some(1));
}

#[test]
fn shutdown_while_indexing_is_answered_promptly() {
    let ws = workspace();
    for i in 0..3000 {
        ws.write(
            &format!("many/dir_{}/file_{i}.rs", i % 30),
            format!("pub fn function_number_{i}(value: u64) -> u64 {{\n    value + {i}\n}}\n"),
        );
    }
    let mut server = started(&ws);
    server.wait_message(WAIT, "indexing to begin", |m| {
        m["method"] == "window/workDoneProgress/create"
    });
    let asked = Instant::now();
    let code = server.shutdown_and_exit();
    assert!(
        asked.elapsed() < Duration::from_secs(4),
        "shutdown took {:?}",
        asked.elapsed()
    );
    assert_eq!(code, Some(0));
}

#[test]
fn debug_requests_exist_only_with_the_test_hooks() {
    let ws = workspace();
    let mut server = TestServer::start(
        &ws,
        Options {
            env: vec![("AIL_TEST_HOOKS".into(), "0".into())],
            ..Options::default()
        },
    );
    server.initialize();
    let response = server.request(
        "ail/debug/documentText",
        json!({ "uri": ws.uri("src/lib.rs") }),
    );
    assert_eq!(error_code(&response), Some(-32601), "{response}");
}
