//! A seeded fuzz test over real pipes: sessions like an editor's (open, edit, hover, ask,
//! close, watched files, status), mutated at every level: frames (bodies that are not JSON
//! or not UTF-8, garbage lines, repeated headers), params (missing, wrong types, huge or
//! negative numbers, questions past the maximum), document edits (stale versions, ranges
//! out of the text or inverted) and URIs (`..`, `%2e%2e`, links out of the workspace, a
//! named pipe, other schemes). The promises checked: the server never crashes or panics,
//! every request is answered within the harness bound (10 s), nothing from outside the
//! workspace appears in any message, every cited place is inside it, and `shutdown` then
//! `exit` end it with code 0.
//!
//! `AIL_FUZZ_MESSAGES` sets how many messages (default 3000, what CI runs); a bench run
//! sends 100000: `AIL_FUZZ_MESSAGES=100000 cargo test --release --test fuzz_sessions`.
//! `AIL_FUZZ_SEED` replays one seed.

mod support;

use serde_json::{json, Value};
use support::*;

/// Written outside the workspace; it must never come back in any message.
const SECRET: &str = "TOPSECRET_zq81 root:x:0:0";
const SECRET_MARK: &str = "TOPSECRET_zq81";

const WORDS: &[&str] = &[
    "parse", "args", "cache", "evict", "oldest", "entries", "config", "load", "where", "is",
    "defined", "how", "are", "the", "secret", "passwd", "root", "pipe", "名前", "😀", "é", "fn",
    "struct", "..", "%2e%2e", "\u{0}", "\n", "\"", "\\", "{", "}",
];

struct Session {
    rng: XorShift,
    uris: Vec<String>,
    root_uri: String,
    versions: i64,
}

impl Session {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.rng.below(100) < percent
    }

    fn number(&mut self) -> Value {
        match self.rng.below(8) {
            0 => json!(-1),
            1 => json!(u64::MAX),
            2 => json!(4_294_967_296u64),
            3 => json!("7"),
            4 => json!(1.5),
            5 => Value::Null,
            _ => json!(self.rng.below(40)),
        }
    }

    fn uri(&mut self) -> Value {
        match self.rng.below(12) {
            0 => json!(42),
            1 => json!(format!(
                "{}/src/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                self.root_uri
            )),
            2 => json!(format!("{}/../../../../etc/passwd", self.root_uri)),
            _ => json!(self.pick(&self.uris.clone()).clone()),
        }
    }

    fn position(&mut self) -> Value {
        if self.chance(10) {
            return json!("x");
        }
        json!({ "line": self.number(), "character": self.number() })
    }

    fn words(&mut self, max: usize) -> String {
        let n = self.rng.below(max + 1);
        (0..n)
            .map(|_| *self.pick(WORDS))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn context_params(&mut self) -> Value {
        let mut params = json!({});
        if self.chance(80) {
            params["question"] = match self.rng.below(10) {
                0 => json!(17),
                1 => json!("x".repeat(ail_engine::answer::MAX_QUESTION_BYTES + 1)),
                2 => json!(""),
                _ => json!(self.words(8)),
            };
        }
        if self.chance(50) {
            params["textDocument"] = if self.chance(10) {
                json!({})
            } else {
                json!({ "uri": self.uri() })
            };
        }
        if self.chance(40) {
            params["position"] = self.position();
        }
        if self.chance(30) {
            params["limit"] = self.number();
        }
        if self.chance(3) {
            return json!([params]);
        }
        params
    }

    fn change(&mut self) -> Value {
        if self.chance(20) {
            return json!({ "text": self.words(30) });
        }
        json!({
            "range": { "start": self.position(), "end": self.position() },
            "text": self.words(5)
        })
    }

    /// One message: a request (method, params), a notification, or raw bytes.
    fn next(&mut self) -> Message {
        match self.rng.below(100) {
            0..=19 => Message::Request("ail/context", self.context_params()),
            20..=34 => Message::Request(
                "textDocument/hover",
                json!({ "textDocument": { "uri": self.uri() }, "position": self.position() }),
            ),
            35..=39 => Message::Request("ail/status", Value::Null),
            40..=49 => Message::Notify(
                "textDocument/didOpen",
                json!({ "textDocument": { "uri": self.uri(), "languageId": "rust",
                        "version": self.number(), "text": self.words(40) } }),
            ),
            50..=69 => {
                self.versions += 1;
                let version = if self.chance(15) {
                    json!(0)
                } else {
                    json!(self.versions)
                };
                let changes: Vec<Value> =
                    (0..1 + self.rng.below(3)).map(|_| self.change()).collect();
                Message::Notify(
                    "textDocument/didChange",
                    json!({ "textDocument": { "uri": self.uri(), "version": version },
                            "contentChanges": changes }),
                )
            }
            70..=74 => Message::Notify(
                "textDocument/didClose",
                json!({ "textDocument": { "uri": self.uri() } }),
            ),
            75..=79 => Message::Notify(
                "workspace/didChangeWatchedFiles",
                json!({ "changes": [ { "uri": self.uri(), "type": self.number() } ] }),
            ),
            80 => Message::Request("ail/reindex", Value::Null),
            81..=83 => Message::Notify("$/cancelRequest", json!({ "id": self.number() })),
            84..=85 => Message::Request("foo/bar", json!({})),
            _ => Message::Raw(self.bad_frame()),
        }
    }

    /// Framing the server promises to survive: the next good frame is read.
    fn bad_frame(&mut self) -> Vec<u8> {
        let framed = |body: &[u8]| {
            let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
            out.extend_from_slice(body);
            out
        };
        match self.rng.below(7) {
            0 => framed(br#"{"jsonrpc":"2.0","method":"#),
            1 => framed(b"{\"jsonrpc\":\"2.0\",\"id\":\"\xff\xfe\",\"method\":\"ail/status\"}"),
            2 => framed(b"[1,2,3]"),
            3 => framed(b"\"just a string\""),
            4 => {
                let mut out = b"garbage before a header\r\n".to_vec();
                out.extend(framed(br#"{"jsonrpc":"2.0","method":"$/unknown"}"#));
                out
            }
            5 => {
                let body = br#"{"jsonrpc":"2.0","method":"$/unknown","params":{}}"#;
                let mut out = format!(
                    "Content-Length: {0}\r\nContent-Length: {0}\r\nX-Other: 1\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                out.extend_from_slice(body);
                out
            }
            _ => framed(br#"{"jsonrpc":"2.0","id":{"nested":[1]},"method":"ail/status"}"#),
        }
    }
}

enum Message {
    Request(&'static str, Value),
    Notify(&'static str, Value),
    Raw(Vec<u8>),
}

fn workspace() -> (Workspace, tempfile::TempDir) {
    let ws = Workspace::new();
    ws.write(
        "src/lib.rs",
        "pub fn parse_args(argv: &[String]) -> Vec<String> {\n    argv.to_vec()\n}\n",
    );
    ws.write(
        "src/cache.py",
        "def evict_oldest(entries):\n    return entries[1:]\n",
    );
    let outside = tempfile::tempdir().expect("temp dir");
    std::fs::write(outside.path().join("secret.rs"), SECRET).expect("write");
    std::os::unix::fs::symlink(outside.path(), ws.root().join("link_out")).expect("symlink");
    std::os::unix::fs::symlink(
        outside.path().join("secret.rs"),
        ws.root().join("src/secret_link.rs"),
    )
    .expect("symlink");
    let fifo = ws.root().join("src/pipe.rs");
    let c_path = std::ffi::CString::new(fifo.to_str().expect("utf-8")).expect("c path");
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
    (ws, outside)
}

fn check_answer(message: &Value, root_uri: &str) {
    let text = message.to_string();
    assert!(
        !text.contains(SECRET_MARK),
        "outside content in an answer: {text}"
    );
    let result = &message["result"];
    for list in ["results", "citations"] {
        for item in result[list].as_array().into_iter().flatten() {
            for key in ["uri", "url"] {
                if let Some(u) = item[key].as_str().filter(|u| u.starts_with("file://")) {
                    assert!(
                        u.starts_with(&format!("{root_uri}/")) && !u.contains("link_out"),
                        "a citation outside the workspace: {u}"
                    );
                }
            }
        }
    }
}

fn run_session(seed: u64, messages: usize) {
    let (ws, _outside) = workspace();
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    let root_uri = ws.root_uri();
    let mut session = Session {
        rng: XorShift::new(seed),
        uris: vec![
            ws.uri("src/lib.rs"),
            ws.uri("src/cache.py"),
            ws.uri("src/new_file.rs"),
            ws.uri("src/pipe.rs"),
            ws.uri("src/secret_link.rs"),
            ws.uri("link_out/secret.rs"),
            "file:///etc/passwd".to_string(),
            "http://example.com/a.rs".to_string(),
            "not a uri".to_string(),
            String::new(),
        ],
        root_uri: root_uri.clone(),
        versions: 1,
    };
    let mut pending = Vec::new();
    let mut answered = 0usize;
    for n in 0..messages {
        match session.next() {
            Message::Request(method, params) => pending.push(server.send_request(method, params)),
            Message::Notify(method, params) => server.notify(method, params),
            Message::Raw(bytes) => server.send_raw(&bytes),
        }
        if pending.len() >= 16 || n + 1 == messages {
            // Each is answered within the harness bound, exactly once (the harness checks).
            for id in pending.drain(..) {
                let response = server.response(&id);
                check_answer(&response, &root_uri);
                answered += 1;
            }
            for other in server.take_unmatched_responses() {
                check_answer(&other, &root_uri);
            }
        }
    }
    // About four messages in ten are requests: the session really asked them.
    assert!(
        answered * 4 >= messages,
        "{answered} answers to {messages} messages"
    );
    for n in &server.notifications {
        assert!(!n.to_string().contains(SECRET_MARK), "{n}");
    }
    let status = server.call("ail/status", Value::Null);
    check_answer(&json!({ "result": status }), &root_uri);
    // Drop: shutdown + exit, exit code 0, no panic in stderr, no Error message.
}

#[test]
fn mutated_sessions_never_crash_hang_or_leak() {
    let messages: usize = std::env::var("AIL_FUZZ_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    if let Some(seed) = std::env::var("AIL_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        run_session(seed, messages);
        return;
    }
    const SESSIONS: usize = 3;
    for seed in 0..SESSIONS as u64 {
        run_session(seed + 1, messages / SESSIONS);
    }
}
