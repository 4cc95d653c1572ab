//! A small LSP test client for `ail lsp`: real pipes to the real binary, a timeout on every
//! wait, and strictness about the stream. It fails the test when a request is answered
//! twice, when stdout carries a byte outside a `Content-Length` frame, when stderr shows a
//! panic or the server shows an Error message (unless the test allows it), and when the
//! server does not exit with code 0 after `shutdown` and `exit` on drop.
//!
//! Server-to-client requests are answered by the reader thread at once (so a test waiting
//! for something else never stalls the server), except `window/workDoneProgress/create`
//! when the test asks for a client that never answers it.

#![allow(dead_code)]

mod git;
#[allow(unused_imports)] // not every test binary runs git
pub use git::{git, git_in};

use serde_json::{json, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const WAIT: Duration = Duration::from_secs(10);
/// Indexing a test workspace on a busy machine can take a while; this is the most a test
/// waits for `ail/status` to say "ready".
pub const READY_WAIT: Duration = Duration::from_secs(30);

/// A folder of files for the server to index, and a separate cache directory.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub cache: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
            cache: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn root(&self) -> PathBuf {
        std::fs::canonicalize(self.dir.path()).expect("canonical temp dir")
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, contents).expect("write");
        path
    }

    pub fn uri(&self, rel: &str) -> String {
        file_uri(&self.root().join(rel))
    }

    pub fn root_uri(&self) -> String {
        file_uri(&self.root())
    }
}

pub fn file_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// How the test client behaves.
#[derive(Clone, Default)]
pub struct Options {
    /// Extra environment for the server (`AIL_TEST_PANIC`, `AIL_TEST_DELAY_MS`, ...).
    pub env: Vec<(String, String)>,
    /// Never answer `window/workDoneProgress/create`.
    pub ignore_progress_create: bool,
    /// The test expects panics in stderr.
    pub allow_panics: bool,
    /// The test expects `window/showMessage` or `logMessage` of type Error.
    pub allow_error_messages: bool,
    /// The cache directory to pass with `--cache-dir` (default: the workspace's).
    pub cache_dir: Option<PathBuf>,
}

struct Shared {
    stdin: Mutex<Option<ChildStdin>>,
    /// Broken rules: bytes outside frames, second answers.
    violations: Mutex<Vec<String>>,
    /// Ids that may be answered twice (a duplicate request id is answered -32600 and the
    /// original answered too).
    twice_ok: Mutex<HashSet<String>>,
    stderr: Mutex<String>,
    /// Server-to-client requests, as received.
    server_requests: Mutex<Vec<Value>>,
    ignore_progress_create: bool,
}

impl Shared {
    fn write(&self, bytes: &[u8]) {
        if let Some(stdin) = self.stdin.lock().expect("stdin lock").as_mut() {
            // The server may be gone already (tests of exit); that is for them to check.
            let _ = stdin.write_all(bytes).and_then(|_| stdin.flush());
        }
    }

    fn send(&self, message: &Value) {
        let body = message.to_string();
        self.write(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }
}

pub struct TestServer {
    child: Child,
    shared: Arc<Shared>,
    incoming: Receiver<Value>,
    /// Messages received but not yet taken by a wait.
    backlog: VecDeque<Value>,
    /// Every notification received, in order.
    pub notifications: Vec<Value>,
    next_id: i64,
    options: Options,
    exited: Option<ExitStatus>,
    pub workspace_root: Option<PathBuf>,
}

impl TestServer {
    /// Start `ail --cache-dir <cache> lsp` for `ws` (not initialized yet).
    pub fn start(ws: &Workspace, options: Options) -> TestServer {
        let cache = options
            .cache_dir
            .clone()
            .unwrap_or_else(|| ws.cache.path().to_path_buf());
        let mut server = TestServer::spawn(&cache, &ws.root(), options);
        server.workspace_root = Some(ws.root());
        server
    }

    pub fn spawn(cache: &Path, cwd: &Path, options: Options) -> TestServer {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ail"));
        command
            .arg("--cache-dir")
            .arg(cache)
            .arg("lsp")
            .current_dir(cwd)
            .env("AIL_LOG", "warn")
            .env("AIL_TEST_HOOKS", "1")
            .env_remove("AIL_TEST_PANIC")
            .env_remove("AIL_TEST_DELAY_MS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &options.env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("spawn ail lsp");
        let shared = Arc::new(Shared {
            stdin: Mutex::new(child.stdin.take()),
            violations: Mutex::new(Vec::new()),
            twice_ok: Mutex::new(HashSet::new()),
            stderr: Mutex::new(String::new()),
            server_requests: Mutex::new(Vec::new()),
            ignore_progress_create: options.ignore_progress_create,
        });
        let (tx, incoming) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        let reader_shared = shared.clone();
        std::thread::spawn(move || read_stdout(stdout, reader_shared, tx));
        let stderr = child.stderr.take().expect("stderr");
        let stderr_shared = shared.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                stderr_shared
                    .stderr
                    .lock()
                    .expect("stderr lock")
                    .push_str(&line);
                line.clear();
            }
        });
        TestServer {
            child,
            shared,
            incoming,
            backlog: VecDeque::new(),
            notifications: Vec::new(),
            next_id: 1,
            options,
            exited: None,
            workspace_root: None,
        }
    }

    /// `initialize` with `capabilities` and `extra` params merged in, then `initialized`.
    pub fn initialize_with(&mut self, capabilities: Value, extra: Value) -> Value {
        let mut params = json!({
            "processId": null,
            "capabilities": capabilities,
        });
        if let Some(root) = &self.workspace_root {
            params["rootUri"] = json!(file_uri(root));
            params["workspaceFolders"] = json!([{ "uri": file_uri(root), "name": "ws" }]);
        }
        if let (Some(map), Value::Object(extra)) = (params.as_object_mut(), extra) {
            map.extend(extra);
        }
        let response = self.request("initialize", params);
        assert!(
            response.get("result").is_some(),
            "initialize failed: {response}"
        );
        self.notify("initialized", json!({}));
        response
    }

    /// `initialize` as a capable editor would: progress, dynamic file watching, UTF-16.
    pub fn initialize(&mut self) -> Value {
        self.initialize_with(editor_capabilities(), json!({}))
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.shared
            .send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Send a request; returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> Value {
        let id = json!(self.next_id);
        self.next_id += 1;
        self.send_request_with_id(id.clone(), method, params);
        id
    }

    pub fn send_request_with_id(&mut self, id: Value, method: &str, params: Value) {
        self.shared
            .send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
    }

    /// Send a request and wait for its response (the whole message).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.response(&id)
    }

    /// Send a request and return its `result`, failing the test on an error.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let response = self.request(method, params);
        match response.get("result") {
            Some(result) if response.get("error").is_none() => result.clone(),
            _ => panic!("{method} failed: {response}"),
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.shared.write(bytes);
    }

    /// Close the server's stdin.
    pub fn close_stdin(&mut self) {
        self.shared.stdin.lock().expect("stdin lock").take();
    }

    /// Wait for the response to `id`.
    pub fn response(&mut self, id: &Value) -> Value {
        let id = id.clone();
        self.wait_message(WAIT, &format!("the response to request {id}"), |m| {
            m.get("method").is_none() && m.get("id") == Some(&id)
        })
    }

    /// Wait for the next message (response, notification or server request) matching `pred`.
    pub fn wait_message(
        &mut self,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        self.try_wait_message(timeout, &pred).unwrap_or_else(|| {
            panic!(
                "timed out after {timeout:?} waiting for {what}\nstderr:\n{}",
                self.stderr()
            )
        })
    }

    pub fn try_wait_message(
        &mut self,
        timeout: Duration,
        pred: &dyn Fn(&Value) -> bool,
    ) -> Option<Value> {
        self.assert_clean();
        if let Some(i) = self.backlog.iter().position(pred) {
            return self.backlog.remove(i);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) => {
                    if message.get("method").is_some() && message.get("id").is_none() {
                        self.notifications.push(message.clone());
                    }
                    if pred(&message) {
                        self.assert_clean();
                        return Some(message);
                    }
                    self.backlog.push_back(message);
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    self.assert_clean();
                    return None;
                }
            }
        }
    }

    /// Take every message that has arrived by now without waiting.
    pub fn drain(&mut self) {
        while let Ok(message) = self.incoming.try_recv() {
            if message.get("method").is_some() && message.get("id").is_none() {
                self.notifications.push(message.clone());
            }
            self.backlog.push_back(message);
        }
    }

    /// Wait for a notification with this method.
    pub fn notification(&mut self, method: &str) -> Value {
        let m = method.to_string();
        self.wait_message(WAIT, method, move |msg| {
            msg.get("id").is_none() && msg["method"] == m.as_str()
        })
    }

    /// Poll `ail/status` until it says "ready".
    pub fn wait_ready(&mut self) -> Value {
        let deadline = Instant::now() + READY_WAIT;
        loop {
            let status = self.call("ail/status", Value::Null);
            if status["state"] == "ready" {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "not ready after {READY_WAIT:?}: {status}\nstderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Responses received but never waited for (e.g. answers to notifications).
    pub fn take_unmatched_responses(&mut self) -> Vec<Value> {
        let (responses, rest): (Vec<Value>, Vec<Value>) = self
            .backlog
            .drain(..)
            .partition(|m| m.get("method").is_none());
        self.backlog = rest.into();
        responses
    }

    /// Server-to-client requests received so far.
    pub fn server_requests(&self) -> Vec<Value> {
        self.shared.server_requests.lock().expect("lock").clone()
    }

    pub fn stderr(&self) -> String {
        self.shared.stderr.lock().expect("stderr lock").clone()
    }

    /// The server's stderr once it holds every one of `needles`, or as it is after `WAIT`:
    /// a thread reads it, so what the server wrote a moment ago may not be here yet.
    pub fn stderr_with(&self, needles: &[&str]) -> String {
        let started = Instant::now();
        loop {
            let stderr = self.stderr();
            if needles.iter().all(|n| stderr.contains(n)) || started.elapsed() > WAIT {
                return stderr;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Let `id` be answered twice (duplicate request ids).
    pub fn allow_two_answers(&mut self, id: &Value) {
        self.shared
            .twice_ok
            .lock()
            .expect("lock")
            .insert(id.to_string());
    }

    /// Wait for the process to end by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.exited = Some(status);
                return status.code();
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// `shutdown`, then `exit`; returns the exit code.
    pub fn shutdown_and_exit(&mut self) -> Option<i32> {
        let response = self.request("shutdown", Value::Null);
        assert!(
            response.get("error").is_none(),
            "shutdown failed: {response}"
        );
        self.notify("exit", Value::Null);
        self.wait_exit(Duration::from_secs(2))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fail on any broken rule seen so far.
    pub fn assert_clean(&self) {
        let violations = self.shared.violations.lock().expect("lock").clone();
        assert!(
            violations.is_empty(),
            "protocol violations: {violations:#?}"
        );
        if !self.options.allow_panics {
            let stderr = self.stderr();
            assert!(
                !stderr.contains("panicked at"),
                "the server panicked:\n{stderr}"
            );
        }
        if !self.options.allow_error_messages {
            for n in self.notifications.iter().chain(self.backlog.iter()) {
                let method = n["method"].as_str().unwrap_or("");
                if matches!(method, "window/showMessage" | "window/logMessage") {
                    assert_ne!(n["params"]["type"], 1, "the server reported an error: {n}");
                }
            }
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if self.exited.is_some() {
            if !std::thread::panicking() {
                self.assert_clean();
            }
            return;
        }
        let id = json!(-1);
        self.send_request_with_id(id.clone(), "shutdown", Value::Null);
        let answered = self.try_wait_message(Duration::from_secs(5), &|m| {
            m.get("method").is_none() && m.get("id") == Some(&id)
        });
        self.notify("exit", Value::Null);
        let code = self.wait_exit(Duration::from_secs(2));
        if code.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if !std::thread::panicking() {
            assert!(
                answered.is_some(),
                "shutdown was not answered\nstderr:\n{}",
                self.stderr()
            );
            assert_eq!(
                code,
                Some(0),
                "exit code after shutdown+exit\nstderr:\n{}",
                self.stderr()
            );
            self.assert_clean();
        }
    }
}

/// Capabilities of an editor that supports everything the server can use.
pub fn editor_capabilities() -> Value {
    json!({
        "window": { "workDoneProgress": true },
        "workspace": {
            "didChangeWatchedFiles": { "dynamicRegistration": true },
            "configuration": true,
            "workspaceFolders": true
        },
        "general": { "positionEncodings": ["utf-16"] }
    })
}

/// The reader thread: frames from the server's stdout, strictly.
fn read_stdout(stdout: impl Read, shared: Arc<Shared>, tx: mpsc::Sender<Value>) {
    let mut reader = BufReader::new(stdout);
    let mut answered: HashMap<String, usize> = HashMap::new();
    loop {
        let mut length: Option<usize> = None;
        let mut header_lines = 0;
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => {
                    if header_lines > 0 || !line.is_empty() {
                        violation(
                            &shared,
                            format!(
                                "stdout ended inside a header: {:?}",
                                String::from_utf8_lossy(&line)
                            ),
                        );
                    }
                    return;
                }
                Ok(_) => {}
            }
            if line == b"\r\n" && header_lines > 0 {
                break;
            }
            let text = String::from_utf8_lossy(&line).into_owned();
            let Some(header) = text.strip_suffix("\r\n") else {
                violation(
                    &shared,
                    format!("bytes outside a frame on stdout: {text:?}"),
                );
                continue;
            };
            header_lines += 1;
            if let Some(value) = header.strip_prefix("Content-Length: ") {
                length = value.parse().ok();
            } else if !header.starts_with("Content-Type: ") {
                violation(
                    &shared,
                    format!("bytes outside a frame on stdout: {text:?}"),
                );
            }
        }
        let Some(length) = length else {
            violation(&shared, "a frame without Content-Length".to_string());
            continue;
        };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            violation(&shared, "stdout ended inside a frame body".to_string());
            return;
        }
        let message: Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                violation(
                    &shared,
                    format!(
                        "a frame that is not JSON ({e}): {}",
                        String::from_utf8_lossy(&body)
                    ),
                );
                continue;
            }
        };
        let is_response = message.get("method").is_none();
        if is_response {
            let id = message["id"].to_string();
            let count = answered.entry(id.clone()).or_insert(0);
            *count += 1;
            let allowed = if shared.twice_ok.lock().expect("lock").contains(&id) {
                2
            } else {
                1
            };
            if *count > allowed && id != "null" {
                violation(
                    &shared,
                    format!("request {id} answered {count} times: {message}"),
                );
            }
        } else if message.get("id").is_some() {
            answer_server_request(&shared, &message);
        }
        if tx.send(message).is_err() {
            return;
        }
    }
}

fn answer_server_request(shared: &Shared, request: &Value) {
    shared
        .server_requests
        .lock()
        .expect("lock")
        .push(request.clone());
    let id = request["id"].clone();
    let result = match request["method"].as_str().unwrap_or("") {
        "window/workDoneProgress/create" if shared.ignore_progress_create => return,
        "workspace/configuration" => {
            let n = request["params"]["items"].as_array().map_or(1, Vec::len);
            Value::Array(vec![Value::Null; n])
        }
        _ => Value::Null,
    };
    shared.send(&json!({ "jsonrpc": "2.0", "id": id, "result": result }));
}

fn violation(shared: &Shared, what: String) {
    shared.violations.lock().expect("lock").push(what);
}

/// A deterministic random number generator for edit sequences (xorshift64*).
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Where `byte` of `text` is as an LSP position, counting characters in UTF-16 units or
/// UTF-8 bytes. Lines end at `\n` (the tests' texts have no other line breaks).
pub fn position_of(text: &str, byte: usize, utf8: bool) -> Value {
    let before = &text[..byte];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let in_line = &text[line_start..byte];
    let character = if utf8 {
        in_line.len()
    } else {
        in_line.chars().map(char::len_utf16).sum()
    };
    json!({ "line": line, "character": character })
}

/// The result's paths, in order.
pub fn result_paths(answer: &Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["path"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The error code of a response, if it is an error.
pub fn error_code(response: &Value) -> Option<i64> {
    response["error"]["code"].as_i64()
}

pub fn error_message(response: &Value) -> String {
    response["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_string()
}
