//! Stdin and stdout, and the tolerant framing layer in front of tower-lsp-server.
//!
//! The framework's reader ends the whole session on the first frame it cannot decode (its
//! codec returns an error, and the `FramedRead` stream yields nothing after an error). One
//! bad message must not end a session, so the bytes from stdin never reach the framework
//! directly:
//!
//! ```text
//! stdin -> [reader thread: frames, checks] --good frames--> duplex -> tower-lsp-server
//!               |  bad frame: -32700 / -32600                              |
//!               v                                                          v
//!          [stdout writer thread] <--------- whole frames ------ duplex <- responses
//! ```
//!
//! The reader thread reads frames itself, answers a body that is not UTF-8 or not JSON with
//! ParseError (-32700, id null) and a JSON value that is not a JSON-RPC message with
//! InvalidRequest (-32600), and forwards the rest, re-framed, through a pipe. Everything
//! written to stdout goes through one thread as whole frames, so replies from the two sides
//! never interleave and nothing but framed JSON-RPC is ever written.
//!
//! Bodies are read as they arrive, never allocated from the declared length up front, and a
//! body over `MAX_BODY` is skipped, so a bogus `Content-Length` cannot exhaust memory.

use crate::server;
use crate::state::TestHooks;
use ail_engine::EngineConfig;
use serde_json::{json, Value};
use std::io::{BufRead, Read, Write};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::{mpsc, watch};
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::Server;

/// Requests handled at once. The framework's default of 4 lets four slow requests hold up
/// every notification behind them, `$/cancelRequest` included.
const CONCURRENCY: usize = 32;
/// The largest message accepted (a `didOpen` of a big file fits).
const MAX_BODY: usize = 64 * 1024 * 1024;
/// Header lines longer than this are garbage; the excess is dropped as it is read.
const MAX_HEADER_LINE: usize = 8 * 1024;
const PIPE_BYTES: usize = 256 * 1024;
/// How long in-flight work may take to wind down once input has ended.
const GRACE: Duration = Duration::from_millis(800);

/// Why the input ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InputEnd {
    Open,
    /// The client sent `exit`.
    Exit,
    /// End of file (or a read error): the client is gone.
    Eof,
}

/// Serve LSP on stdin/stdout. Returns the exit code: 0 after `shutdown` then `exit`, 1 for
/// `exit` without `shutdown` or for input that ended without `exit`.
pub async fn serve_stdio(defaults: EngineConfig) -> i32 {
    let (service, socket) = server::build(defaults, TestHooks::from_env());
    let state = service.inner().state.clone();

    let output = Output::spawn();
    let (to_service, service_in) = tokio::io::duplex(PIPE_BYTES);
    let (service_out, from_service) = tokio::io::duplex(PIPE_BYTES);
    let (frames_tx, frames_rx) = mpsc::channel::<Vec<u8>>(64);
    let (ended_tx, mut ended_rx) = watch::channel(InputEnd::Open);

    let reader_output = output.clone();
    let reader = std::thread::Builder::new()
        .name("ail-stdin".to_string())
        .spawn(move || {
            let stdin = std::io::stdin();
            read_input(stdin.lock(), &frames_tx, &reader_output, &ended_tx);
        });
    if let Err(e) = reader {
        tracing::error!("cannot start the input thread: {e}");
        return 2;
    }
    tokio::spawn(forward(frames_rx, to_service));
    let pump = tokio::spawn(pump(from_service, output.clone()));

    let serve = Server::new(service_in, service_out, socket)
        .concurrency_level(CONCURRENCY)
        .serve(service);
    tokio::pin!(serve);
    let end = tokio::select! {
        _ = &mut serve => *ended_rx.borrow(),
        end = async {
            let _ = ended_rx.wait_for(|e| *e != InputEnd::Open).await;
            *ended_rx.borrow()
        } => {
            state.stop_everything();
            if tokio::time::timeout(GRACE, &mut serve).await.is_err() {
                tracing::warn!("requests still running at exit were abandoned");
            }
            end
        }
    };
    state.stop_everything();
    // The service's output pipe closes with it; let the pump pass on what is left.
    let _ = tokio::time::timeout(GRACE, pump).await;
    output.finish(GRACE);

    match end {
        InputEnd::Exit if state.shutdown_requested.load(Ordering::Acquire) => 0,
        InputEnd::Exit => {
            tracing::warn!("exit without shutdown");
            1
        }
        InputEnd::Eof | InputEnd::Open => {
            tracing::info!("input ended without exit");
            1
        }
    }
}

/// The reader thread: frames from `input`, checked, forwarded or answered.
fn read_input(
    input: impl BufRead,
    frames: &mpsc::Sender<Vec<u8>>,
    output: &Output,
    ended: &watch::Sender<InputEnd>,
) {
    let mut reader = FrameReader::new(input);
    loop {
        match reader.next_frame() {
            Ok(None) => break,
            Err(e) => {
                tracing::warn!("cannot read stdin: {e}");
                break;
            }
            Ok(Some(Frame::NoLength)) => output.send(error_frame(
                &Value::Null,
                -32700,
                "Parse error: a message without a valid Content-Length header",
            )),
            Ok(Some(Frame::TooLarge(n))) => output.send(error_frame(
                &Value::Null,
                -32700,
                &format!("Parse error: a message of {n} bytes is over the {MAX_BODY}-byte limit"),
            )),
            Ok(Some(Frame::Body(body))) => match classify(body) {
                Inbound::Reject(reply) => output.send(reply),
                Inbound::Forward { frame, method } => {
                    let exit = method.as_deref() == Some("exit");
                    if exit {
                        // Known before the service can act on it, so that the exit code
                        // never races the service's own ending.
                        ended.send_replace(InputEnd::Exit);
                    }
                    if frames.blocking_send(frame).is_err() || exit {
                        // As the protocol asks: nothing after `exit` is read.
                        return;
                    }
                }
            },
        }
    }
    ended.send_replace(InputEnd::Eof);
}

/// Good frames into the service's input pipe; closing it when input ends.
async fn forward(mut frames: mpsc::Receiver<Vec<u8>>, mut to_service: DuplexStream) {
    while let Some(frame) = frames.recv().await {
        if to_service.write_all(&frame).await.is_err() {
            break;
        }
    }
    let _ = to_service.shutdown().await;
}

/// The service's output, split back into whole frames for the writer.
async fn pump(from_service: DuplexStream, output: Output) {
    let mut reader = tokio::io::BufReader::new(from_service);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length:") {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let Some(length) = length else {
            continue;
        };
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        output.send(framed(&body));
    }
}

/// `Content-Length` framing around `body`.
pub fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn error_frame(id: &Value, code: i64, message: &str) -> Vec<u8> {
    let reply = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code, "message": message },
    });
    framed(reply.to_string().as_bytes())
}

/// The one writer of stdout.
#[derive(Clone)]
struct Output {
    tx: std::sync::mpsc::Sender<OutputItem>,
}

enum OutputItem {
    Frame(Vec<u8>),
    /// Everything before this is written: acknowledge and stop.
    Finish(std::sync::mpsc::Sender<()>),
}

impl Output {
    fn spawn() -> Output {
        let (tx, rx) = std::sync::mpsc::channel::<OutputItem>();
        let spawned = std::thread::Builder::new()
            .name("ail-stdout".to_string())
            .spawn(move || {
                let stdout = std::io::stdout();
                let mut out = stdout.lock();
                let mut broken = false;
                for item in rx {
                    match item {
                        OutputItem::Frame(frame) => {
                            if broken {
                                continue;
                            }
                            if let Err(e) = out.write_all(&frame).and_then(|_| out.flush()) {
                                // The client is gone; input will end too.
                                tracing::warn!("cannot write to stdout: {e}");
                                broken = true;
                            }
                        }
                        OutputItem::Finish(done) => {
                            let _ = done.send(());
                            return;
                        }
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the output thread: {e}");
        }
        Output { tx }
    }

    fn send(&self, frame: Vec<u8>) {
        let _ = self.tx.send(OutputItem::Frame(frame));
    }

    /// Wait (up to `wait`) until everything sent so far is written.
    fn finish(&self, wait: Duration) {
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        if self.tx.send(OutputItem::Finish(done_tx)).is_ok() {
            let _ = done_rx.recv_timeout(wait);
        }
    }
}

/// One message read from the input, or what went wrong with its framing.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    Body(Vec<u8>),
    /// Headers ended without a usable `Content-Length`.
    NoLength,
    /// The declared body was over `MAX_BODY`; it was read and dropped.
    TooLarge(usize),
}

pub struct FrameReader<R> {
    input: R,
    max_body: usize,
}

impl<R: BufRead> FrameReader<R> {
    pub fn new(input: R) -> FrameReader<R> {
        FrameReader {
            input,
            max_body: MAX_BODY,
        }
    }

    /// The next frame; `None` at end of input, including input that ends inside a frame.
    pub fn next_frame(&mut self) -> std::io::Result<Option<Frame>> {
        let mut length: Option<usize> = None;
        let mut saw_header = false;
        loop {
            let Some(line) = self.read_header_line()? else {
                return Ok(None);
            };
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if saw_header {
                    break;
                }
                continue; // blank lines between messages
            }
            saw_header = true;
            match content_length(line) {
                Some(Ok(n)) => length = Some(n),
                Some(Err(())) => length = None,
                None => {
                    let shown: String = line.chars().take(80).collect();
                    tracing::warn!("ignored a header line: {shown:?}");
                }
            }
        }
        let Some(length) = length else {
            return Ok(Some(Frame::NoLength));
        };
        if length > self.max_body {
            return Ok(self.skip(length)?.then_some(Frame::TooLarge(length)));
        }
        let mut body = Vec::with_capacity(length.min(1024 * 1024));
        let got = (&mut self.input)
            .take(length as u64)
            .read_to_end(&mut body)?;
        if got < length {
            return Ok(None);
        }
        Ok(Some(Frame::Body(body)))
    }

    /// One line up to `\n`, keeping at most `MAX_HEADER_LINE` bytes of it; `None` at EOF.
    fn read_header_line(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let mut any = false;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(any.then_some(line));
            }
            any = true;
            let (used, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            let room = MAX_HEADER_LINE.saturating_sub(line.len());
            line.extend_from_slice(&buf[..used.min(room)]);
            self.input.consume(used);
            if done {
                return Ok(Some(line));
            }
        }
    }

    /// Read and drop `length` bytes; false if input ended first.
    fn skip(&mut self, length: usize) -> std::io::Result<bool> {
        let copied = std::io::copy(
            &mut (&mut self.input).take(length as u64),
            &mut std::io::sink(),
        )?;
        Ok(copied as usize == length)
    }
}

/// The value of a `Content-Length` header found anywhere in `line` (garbage glued in front
/// of a header is skipped): `Some(Err)` when it is not a number.
fn content_length(line: &str) -> Option<Result<usize, ()>> {
    const NAME: &str = "content-length";
    let lower = line.to_ascii_lowercase();
    let at = lower.find(NAME)?;
    let rest = line[at + NAME.len()..].trim_start();
    let value = rest.strip_prefix(':')?;
    Some(value.trim().parse::<usize>().map_err(|_| ()))
}

/// A checked message: forwarded to the service, or answered here.
#[derive(Debug)]
pub enum Inbound {
    Forward {
        frame: Vec<u8>,
        method: Option<String>,
    },
    Reject(Vec<u8>),
}

/// Check one body: UTF-8, JSON, and a JSON-RPC request, notification or response.
pub fn classify(body: Vec<u8>) -> Inbound {
    if let Err(e) = std::str::from_utf8(&body) {
        return Inbound::Reject(error_frame(
            &Value::Null,
            -32700,
            &format!("Parse error: the message is not valid UTF-8 ({e})"),
        ));
    }
    let mut value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return Inbound::Reject(error_frame(
                &Value::Null,
                -32700,
                &format!("Parse error: {e}"),
            ))
        }
    };
    let is_request = serde::Deserialize::deserialize(&value)
        .map(|_: Request| ())
        .is_ok();
    let is_response = !is_request
        && serde::Deserialize::deserialize(&value)
            .map(|_: Response| ())
            .is_ok();
    if !is_request && !is_response {
        let id = match value.get("id") {
            Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
            _ => Value::Null,
        };
        return Inbound::Reject(error_frame(
            &id,
            -32600,
            "Invalid request: not a JSON-RPC 2.0 request, notification or response",
        ));
    }
    let method = value
        .get("method")
        .and_then(Value::as_str)
        .map(str::to_string);
    // AIL's requests take optional params; the framework insists on a `params` member for
    // handlers that read them, so an absent one is made an explicit null.
    let needs_params =
        method.as_deref().is_some_and(|m| m.starts_with("ail/")) && value.get("params").is_none();
    if needs_params {
        if let Some(map) = value.as_object_mut() {
            map.insert("params".to_string(), Value::Null);
        }
        return Inbound::Forward {
            frame: framed(value.to_string().as_bytes()),
            method,
        };
    }
    Inbound::Forward {
        frame: framed(&body),
        method,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut reader = FrameReader::new(input);
        let mut out = Vec::new();
        while let Ok(Some(frame)) = reader.next_frame() {
            out.push(frame);
        }
        out
    }

    fn body(text: &str) -> Frame {
        Frame::Body(text.as_bytes().to_vec())
    }

    #[test]
    fn frames_survive_garbage_lines_duplicate_lengths_and_other_headers() {
        let input = b"garbage line\r\nContent-Length: 2\r\n\r\n{}\
            Content-Length: 2\r\nContent-Length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[]\
            \r\n\r\nContent-Length: 4\r\n\r\nnull";
        assert_eq!(frames(input), vec![body("{}"), body("[]"), body("null")]);
    }

    #[test]
    fn a_header_without_length_is_reported_and_reading_goes_on() {
        let input = b"Content-Type: x\r\n\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(frames(input), vec![Frame::NoLength, body("{}")]);
        let input = b"Content-Length: many\r\n\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(frames(input), vec![Frame::NoLength, body("{}")]);
    }

    #[test]
    fn a_huge_declared_length_followed_by_eof_ends_without_allocating_it() {
        assert_eq!(frames(b"Content-Length: 2147483648\r\n\r\n{}"), vec![]);
        let mut reader = FrameReader {
            input: &b"Content-Length: 5\r\n\r\n12345Content-Length: 2\r\n\r\n{}"[..],
            max_body: 4,
        };
        assert_eq!(reader.next_frame().ok().flatten(), Some(Frame::TooLarge(5)));
        assert_eq!(reader.next_frame().ok().flatten(), Some(body("{}")));
    }

    #[test]
    fn a_body_shorter_than_declared_is_end_of_input() {
        assert_eq!(frames(b"Content-Length: 10\r\n\r\n{}"), vec![]);
    }

    #[test]
    fn an_endless_header_line_is_cut_not_buffered() {
        let mut input = vec![b'x'; MAX_HEADER_LINE * 4];
        input.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\n{}");
        assert_eq!(frames(&input), vec![body("{}")]);
    }

    fn reply(inbound: Inbound) -> Value {
        match inbound {
            Inbound::Reject(frame) => {
                let text = String::from_utf8_lossy(&frame).into_owned();
                let json = text.split("\r\n\r\n").nth(1).unwrap_or("null").to_string();
                serde_json::from_str(&json).unwrap_or(Value::Null)
            }
            Inbound::Forward { .. } => Value::Null,
        }
    }

    #[test]
    fn bad_bodies_get_parse_or_invalid_request_errors() {
        let r = reply(classify(br#"{"jsonrpc":"2.0","method":"#.to_vec()));
        assert_eq!(
            (r["error"]["code"].as_i64(), &r["id"]),
            (Some(-32700), &Value::Null)
        );
        let r = reply(classify(b"{\"a\":\"\xff\xfe\"}".to_vec()));
        assert_eq!(r["error"]["code"].as_i64(), Some(-32700));
        let r = reply(classify(
            br#"{"jsonrpc":"1.0","id":7,"method":"x"}"#.to_vec(),
        ));
        assert_eq!(
            (r["error"]["code"].as_i64(), r["id"].as_i64()),
            (Some(-32600), Some(7))
        );
        let r = reply(classify(b"[1,2]".to_vec()));
        assert_eq!(r["error"]["code"].as_i64(), Some(-32600));
    }

    #[test]
    fn good_messages_pass_and_ail_requests_get_explicit_params() {
        match classify(br#"{"jsonrpc":"2.0","id":1,"method":"ail/status"}"#.to_vec()) {
            Inbound::Forward { frame, method } => {
                assert_eq!(method.as_deref(), Some("ail/status"));
                assert!(String::from_utf8_lossy(&frame).contains(r#""params":null"#));
            }
            Inbound::Reject(_) => unreachable!("a valid request was rejected"),
        }
        let response = br#"{"jsonrpc":"2.0","id":0,"result":null}"#.to_vec();
        assert!(matches!(
            classify(response),
            Inbound::Forward { method: None, .. }
        ));
    }
}
