//! Load benchmark of the language server: the release `ail lsp` driven over stdio by many
//! `ail/context` requests in flight, hovers and a question mix for the answer cache, with
//! time to ready, latency percentiles, cache hit tiers and peak RSS in one markdown table.
//!
//! The workspace is `$AIL_BENCH_WORKSPACE`, else `bench-data/django` when it has been
//! fetched (`benches/fetch_workspace.sh`), else this repository. The cache directory is a
//! fresh temporary directory, so the time to ready is a cold index.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const READY_TIMEOUT: Duration = Duration::from_secs(600);
/// The most one response may take before the benchmark gives up on the server.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(120);
const REQUESTS_PER_PHASE: usize = 400;
const HOVERS: usize = 200;
const HOVER_FILES: usize = 10;
const CACHE_BASE_QUESTIONS: usize = 200;
/// Share of novel questions in the cache phase.
const NOVEL_SHARE: f64 = 0.3;

/// Questions of different kinds (concepts, exact names, vague requests); most fit Django,
/// a few fit this repository, so either workspace gets a mix of strong and weak matches.
const QUESTIONS: &[&str] = &[
    "how are model fields validated",
    "where is the database connection opened",
    "get_object_or_404",
    "how does the cache framework pick a backend",
    "render a template with a context",
    "middleware that checks csrf tokens",
    "how are migrations applied to the database",
    "url routing and path converters",
    "serialize a queryset to json",
    "where are exceptions logged",
    "password hashing algorithms",
    "how does the admin build a changelist",
    "signal dispatch and receivers",
    "QuerySet.select_related",
    "how is a form cleaned",
    "session expiry",
    "send an email with attachments",
    "timezone aware datetimes",
    "static files storage with hashed names",
    "ForeignKey on_delete behaviour",
    "transaction atomic savepoints",
    "how does the test client log in a user",
    "content types framework generic relations",
    "paginate a list of objects",
    "translation of strings with gettext",
    "where is the request body parsed",
    "file upload handlers",
    "management command argument parsing",
    "permission checks for a user",
    "SQL compiler for aggregates",
    "how are database indexes created",
    "sitemaps",
    "cookie signing",
    "the response streaming iterator",
    "where is the settings module loaded",
    "class based views dispatch",
    "postgres specific fields",
    "how are answers cached",
    "parse the language server frames",
    "chunk a source file into symbols",
];

/// Subjects and phrasings for the cache phase, combined into a few hundred distinct
/// questions so that first askings are misses.
const SUBJECTS: &[&str] = &[
    "model field validation",
    "database connections",
    "template rendering",
    "csrf middleware",
    "migration operations",
    "url resolvers",
    "json serializers",
    "password hashers",
    "admin changelist",
    "signals",
    "select_related",
    "form cleaning",
    "session backends",
    "email messages",
    "timezone conversion",
    "static files finders",
    "foreign keys",
    "atomic transactions",
    "the test client",
    "generic relations",
    "pagination",
    "gettext translation",
    "request parsing",
    "upload handlers",
    "management commands",
    "user permissions",
    "aggregates",
    "index creation",
    "sitemap generation",
    "signed cookies",
    "streaming responses",
    "settings loading",
    "view dispatch",
    "array fields",
    "query expressions",
    "cache keys",
    "authentication backends",
    "message storage",
    "redirect responses",
    "content negotiation",
];
const PHRASINGS: &[&str] = &[
    "how does {} work",
    "where is {} implemented",
    "explain {}",
    "what calls {}",
    "tests for {}",
    "errors raised by {}",
    "configuration of {}",
    "{} edge cases",
    "who uses {}",
    "settings that change {}",
    "the main class behind {}",
    "bugs around {}",
];

fn main() {
    let workspace = bench_workspace();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("workspace: {} ({cores} cores)", workspace.display());
    let files = sample_files(&workspace, HOVER_FILES);
    if files.is_empty() {
        eprintln!("no source files found in {}", workspace.display());
        std::process::exit(1);
    }
    let cache_dir = tempfile::tempdir().expect("temp cache dir");
    let mut server = Server::start(&workspace, cache_dir.path());
    let mut rows: Vec<(String, String)> = Vec::new();

    // Time to ready: from `initialized` to the first `ail/status` that says so.
    let root_uri = ail_engine::engine::file_uri(&workspace);
    let init = server.call(
        "initialize",
        json!({
            "processId": std::process::id(),
            "rootUri": root_uri,
            "workspaceFolders": [{ "uri": root_uri, "name": "bench" }],
            "capabilities": {
                "window": { "workDoneProgress": true },
                "general": { "positionEncodings": ["utf-16"] }
            }
        }),
    );
    assert!(init.get("result").is_some(), "initialize failed: {init}");
    server.notify("initialized", json!({}));
    let started = Instant::now();
    let status = loop {
        let status = server.call("ail/status", Value::Null)["result"].clone();
        if status["state"] == "ready" {
            break status;
        }
        if started.elapsed() > READY_TIMEOUT {
            panic!("not ready after {READY_TIMEOUT:?}: {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let ready = started.elapsed();
    println!(
        "ready in {:.1} s: {} files, {} chunks",
        ready.as_secs_f64(),
        status["files"],
        status["chunks"]
    );
    rows.push((
        format!(
            "time to ready (cold, {} files, {} chunks)",
            status["files"], status["chunks"]
        ),
        format!("{:.1} s", ready.as_secs_f64()),
    ));
    let progress_creates = server.progress_creates();

    // A few untimed questions so first-use costs are not in the first phase.
    let mut rng = XorShift::new(7);
    let warmup: Vec<Value> = (0..10)
        .map(|i| json!({ "question": QUESTIONS[i * 3 % QUESTIONS.len()] }))
        .collect();
    server.run_closed_loop("ail/context", warmup, 1);

    // Uncached load at two concurrency levels.
    set_cache(&mut server, false);
    for in_flight in [25, 100] {
        let params: Vec<Value> = (0..REQUESTS_PER_PHASE)
            .map(|_| context_params(&mut rng, &files))
            .collect();
        let began = Instant::now();
        let outcomes = server.run_closed_loop("ail/context", params, in_flight);
        let wall = began.elapsed();
        let lat: Vec<Duration> = outcomes.iter().map(|o| o.latency).collect();
        let errors = outcomes.iter().filter(|o| o.error).count();
        // With the cache off every answer must have been computed.
        let served_from_cache = outcomes
            .iter()
            .filter(|o| o.result["cache"].as_str().is_some_and(|t| t != "miss"))
            .count();
        println!(
            "ail/context x{} with {in_flight} in flight: {:.1} s, {errors} errors",
            outcomes.len(),
            wall.as_secs_f64()
        );
        rows.push((
            format!("`ail/context`, cache off, {in_flight} in flight, p50 / p95 / p99"),
            format!(
                "{} / {} / {} ms ({} req, {:.0} req/s, {errors} errors, {served_from_cache} from cache)",
                ms(percentile(&lat, 50.0)),
                ms(percentile(&lat, 95.0)),
                ms(percentile(&lat, 99.0)),
                outcomes.len(),
                outcomes.len() as f64 / wall.as_secs_f64(),
            ),
        ));
    }
    set_cache(&mut server, true);

    // Hover, one at a time as an editor sends them, after one untimed pass over the files.
    let hover_targets = hover_positions(&mut rng, &files, HOVERS);
    let warm: Vec<Value> = files.iter().map(|f| hover_params(&f.uri, 0, 0)).collect();
    server.run_closed_loop("textDocument/hover", warm, 1);
    let outcomes = server.run_closed_loop("textDocument/hover", hover_targets, 1);
    let lat: Vec<Duration> = outcomes.iter().map(|o| o.latency).collect();
    let errors = outcomes.iter().filter(|o| o.error).count();
    let empty = outcomes.iter().filter(|o| o.result.is_null()).count();
    rows.push((
        format!("hover, warm, {HOVERS} in {} files, p50 / p95", files.len()),
        format!(
            "{} / {} ms ({errors} errors, {empty} empty)",
            ms(percentile(&lat, 50.0)),
            ms(percentile(&lat, 95.0))
        ),
    ));

    // The answer cache: first askings, exact repeats, rewrites and novel questions, one at a
    // time so a repeat never races the answer it should hit.
    let before = server.call("ail/status", Value::Null)["result"].clone();
    let (schedule, kinds) = cache_schedule(&mut rng);
    let outcomes = server.run_closed_loop("ail/context", schedule, 1);
    let after = server.call("ail/status", Value::Null)["result"].clone();
    let mut tiers: HashMap<(&str, String), usize> = HashMap::new();
    let mut cached_lat = Vec::new();
    let mut miss_lat = Vec::new();
    for (o, kind) in outcomes.iter().zip(&kinds) {
        let tier = o.result["cache"].as_str().unwrap_or("error").to_string();
        if tier == "exact" || tier == "semantic" {
            cached_lat.push(o.latency);
        } else if !o.error {
            miss_lat.push(o.latency);
        }
        *tiers.entry((kind, tier)).or_default() += 1;
    }
    let delta = |key: &str| {
        before["cache"][key]
            .as_u64()
            .zip(after["cache"][key].as_u64())
            .map_or(0, |(b, a)| a.saturating_sub(b))
    };
    let (exact, semantic, hits, misses) = (
        delta("exactHits"),
        delta("semanticHits"),
        delta("hits"),
        delta("misses"),
    );
    let phase_rate = if hits + misses > 0 {
        hits as f64 / (hits + misses) as f64
    } else {
        0.0
    };
    rows.push((
        format!(
            "cache phase: {} requests ({CACHE_BASE_QUESTIONS} questions x first/repeat/rewrite + novel)",
            outcomes.len()
        ),
        format!(
            "exactHits {exact}, semanticHits {semantic}, hits {hits}, misses {misses}, phase hit rate {:.1}%, status hitRate {}",
            phase_rate * 100.0,
            after["cache"]["hitRate"]
                .as_f64()
                .map_or("?".to_string(), |r| format!("{r:.3}"))
        ),
    ));
    for kind in ["first", "repeat", "rewrite", "novel"] {
        let count = |tier: &str| tiers.get(&(kind, tier.to_string())).copied().unwrap_or(0);
        rows.push((
            format!("cache phase, {kind}: miss / exact / semantic / error"),
            format!(
                "{} / {} / {} / {}",
                count("miss"),
                count("exact"),
                count("semantic"),
                count("error")
            ),
        ));
    }
    rows.push((
        "cache phase, p50 cached answer / p50 miss".to_string(),
        format!(
            "{} / {} ms ({} cached)",
            ms(percentile(&cached_lat, 50.0)),
            ms(percentile(&miss_lat, 50.0)),
            cached_lat.len()
        ),
    ));

    let hwm = peak_rss_kib(server.pid());
    rows.push((
        "server peak RSS (VmHWM)".to_string(),
        hwm.map_or("unavailable".to_string(), |kib| {
            format!("{:.0} MiB", kib as f64 / 1024.0)
        }),
    ));
    rows.push((
        "`window/workDoneProgress/create` requests answered".to_string(),
        progress_creates.to_string(),
    ));

    let code = server.shutdown();
    rows.push((
        "exit code after shutdown + exit".to_string(),
        code.map_or("none (killed)".to_string(), |c| c.to_string()),
    ));

    println!();
    println!("| measure | value |");
    println!("|---|---|");
    for (k, v) in &rows {
        println!("| {k} | {v} |");
    }
}

fn bench_workspace() -> PathBuf {
    if let Ok(dir) = std::env::var("AIL_BENCH_WORKSPACE") {
        return canonical(PathBuf::from(dir));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let django = root.join("bench-data/django");
    if django.is_dir() {
        return canonical(django);
    }
    canonical(root.to_path_buf())
}

fn canonical(p: PathBuf) -> PathBuf {
    std::fs::canonicalize(&p).unwrap_or(p)
}

fn set_cache(server: &mut Server, on: bool) {
    server.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "ail": { "cache": on } } }),
    );
    // Notifications are handled in order with requests; a status round trip makes sure the
    // switch is in place before the next phase starts.
    server.call("ail/status", Value::Null);
}

/// A source file used for hovers and as the `textDocument` of some questions.
struct SampleFile {
    uri: String,
    lines: Vec<String>,
}

/// `count` source files of 80 lines or more, spread evenly over the workspace in path order.
fn sample_files(root: &Path, count: usize) -> Vec<SampleFile> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("py" | "rs" | "go" | "js" | "ts")
            ) {
                found.push(path);
            }
        }
    }
    found.sort();
    let mut chosen = Vec::new();
    let candidates: Vec<(PathBuf, Vec<String>)> = found
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let lines: Vec<String> = text.lines().map(str::to_string).collect();
            (lines.len() >= 80 && text.len() < 200_000).then_some((p, lines))
        })
        .collect();
    if candidates.is_empty() {
        return chosen;
    }
    let step = (candidates.len() / count).max(1);
    for (path, lines) in candidates.into_iter().step_by(step).take(count) {
        chosen.push(SampleFile {
            uri: ail_engine::engine::file_uri(&path),
            lines,
        });
    }
    chosen
}

/// A question from the list with a varying `limit`, and a file a third of the time.
fn context_params(rng: &mut XorShift, files: &[SampleFile]) -> Value {
    const LIMITS: &[u64] = &[1, 3, 5, 8, 10, 15, 20, 30, 50];
    let mut params = json!({
        "question": QUESTIONS[rng.below(QUESTIONS.len())],
        "limit": LIMITS[rng.below(LIMITS.len())],
    });
    if rng.below(3) == 0 {
        params["textDocument"] = json!({ "uri": files[rng.below(files.len())].uri });
    }
    params
}

fn hover_params(uri: &str, line: usize, character: usize) -> Value {
    json!({
        "textDocument": { "uri": uri },
        "position": { "line": line, "character": character }
    })
}

/// Positions on words: a non-blank line, a character inside it (UTF-16 units).
fn hover_positions(rng: &mut XorShift, files: &[SampleFile], count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| {
            let file = &files[i % files.len()];
            let mut line = rng.below(file.lines.len());
            for _ in 0..20 {
                if !file.lines[line].trim().is_empty() {
                    break;
                }
                line = rng.below(file.lines.len());
            }
            let text = &file.lines[line];
            let indent = text.len() - text.trim_start().len();
            let width: usize = text.chars().map(char::len_utf16).sum();
            let character = indent + rng.below(width.saturating_sub(indent).max(1));
            hover_params(&file.uri, line, character)
        })
        .collect()
}

/// The same question with other case and punctuation.
fn rewrite(question: &str, variant: usize) -> String {
    match variant % 3 {
        0 => {
            let mut chars = question.chars();
            match chars.next() {
                Some(first) => format!("{}{}?", first.to_uppercase(), chars.as_str()),
                None => String::new(),
            }
        }
        1 => format!("{}!!", question.to_uppercase()),
        _ => {
            let words: Vec<&str> = question.split_whitespace().collect();
            let mut out = String::new();
            for (i, w) in words.iter().enumerate() {
                if i > 0 {
                    out.push_str(if i == 1 { ", " } else { " " });
                }
                out.push_str(w);
            }
            out.push('?');
            out
        }
    }
}

/// The cache phase's requests and what each is: every base question asked, repeated
/// exactly a few requests later, then rewritten a few later still, with novel questions
/// interleaved at random to make up `NOVEL_SHARE` of the whole.
fn cache_schedule(rng: &mut XorShift) -> (Vec<Value>, Vec<&'static str>) {
    let mut pool: Vec<String> = SUBJECTS
        .iter()
        .flat_map(|s| PHRASINGS.iter().map(move |p| p.replace("{}", s)))
        .collect();
    for i in (1..pool.len()).rev() {
        pool.swap(i, rng.below(i + 1));
    }
    let (base, novel) = pool.split_at(CACHE_BASE_QUESTIONS.min(pool.len()));
    let mut novel = novel.iter();
    let ask = |q: &str| json!({ "question": q, "limit": 10 });
    let mut requests = Vec::new();
    let mut kinds = Vec::new();
    let push = |requests: &mut Vec<Value>, kinds: &mut Vec<&'static str>, v, k| {
        requests.push(v);
        kinds.push(k);
    };
    const REPEAT_GAP: usize = 4;
    const REWRITE_GAP: usize = 9;
    let novel_per_step = NOVEL_SHARE / (1.0 - NOVEL_SHARE) * 3.0;
    let mut novel_debt = 0.0;
    for step in 0..base.len() + REWRITE_GAP {
        if step < base.len() {
            push(&mut requests, &mut kinds, ask(&base[step]), "first");
        }
        if let Some(i) = step.checked_sub(REPEAT_GAP).filter(|i| *i < base.len()) {
            push(&mut requests, &mut kinds, ask(&base[i]), "repeat");
        }
        if let Some(i) = step.checked_sub(REWRITE_GAP).filter(|i| *i < base.len()) {
            push(
                &mut requests,
                &mut kinds,
                ask(&rewrite(&base[i], i)),
                "rewrite",
            );
        }
        if step < base.len() {
            novel_debt += novel_per_step;
            while novel_debt >= 1.0 {
                novel_debt -= 1.0;
                if let Some(q) = novel.next() {
                    // Where in this step's requests it lands varies.
                    let at = requests.len() - rng.below(2).min(requests.len());
                    requests.insert(at, ask(q));
                    kinds.insert(at, "novel");
                }
            }
        }
    }
    (requests, kinds)
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// One response as the benchmark sees it.
struct Outcome {
    latency: Duration,
    error: bool,
    result: Value,
}

/// A response, stamped when the reader thread finished reading it.
struct Incoming {
    id: i64,
    at: Instant,
    message: Value,
}

/// The server process and the client side of its pipes. A reader thread parses frames,
/// answers the server's own requests at once and hands responses over with their arrival
/// time, so the latency measured does not include time spent queued in this process.
struct Server {
    child: Child,
    stdin: Arc<Mutex<ChildStdin>>,
    responses: Receiver<Incoming>,
    progress_creates: Arc<Mutex<usize>>,
    next_id: i64,
}

impl Server {
    fn start(workspace: &Path, cache_dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ail"))
            .arg("--cache-dir")
            .arg(cache_dir)
            .arg("lsp")
            .current_dir(workspace)
            .env("AIL_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ail lsp");
        let stdin = Arc::new(Mutex::new(child.stdin.take().expect("stdin")));
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        // Pass the server's log through, so warnings show next to the figures.
        std::thread::spawn(move || {
            let reader = BufReader::new(stderr);
            for line in reader.lines().map_while(Result::ok) {
                eprintln!("[ail] {line}");
            }
        });
        let (tx, responses) = mpsc::channel();
        let progress_creates = Arc::new(Mutex::new(0));
        let (reader_stdin, creates) = (stdin.clone(), progress_creates.clone());
        std::thread::spawn(move || read_frames(stdout, reader_stdin, creates, tx));
        Server {
            child,
            stdin,
            responses,
            progress_creates,
            next_id: 1,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn progress_creates(&self) -> usize {
        *self.progress_creates.lock().expect("lock")
    }

    fn notify(&mut self, method: &str, params: Value) {
        send(
            &self.stdin,
            &json!({ "jsonrpc": "2.0", "method": method, "params": params }),
        );
    }

    fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        send(
            &self.stdin,
            &json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }),
        );
        id
    }

    fn receive(&mut self) -> Incoming {
        match self.responses.recv_timeout(RESPONSE_TIMEOUT) {
            Ok(incoming) => incoming,
            Err(RecvTimeoutError::Timeout) => panic!("no response in {RESPONSE_TIMEOUT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its stdout"),
        }
    }

    /// Send one request and wait for its whole response message.
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        loop {
            let incoming = self.receive();
            if incoming.id == id {
                return incoming.message;
            }
        }
    }

    /// Send every request, keeping `in_flight` outstanding; outcomes in request order.
    fn run_closed_loop(
        &mut self,
        method: &str,
        params: Vec<Value>,
        in_flight: usize,
    ) -> Vec<Outcome> {
        let total = params.len();
        let mut queue = params.into_iter().enumerate();
        let mut pending: HashMap<i64, (usize, Instant)> = HashMap::new();
        let mut outcomes: Vec<Option<Outcome>> = (0..total).map(|_| None).collect();
        loop {
            while pending.len() < in_flight.max(1) {
                let Some((index, p)) = queue.next() else {
                    break;
                };
                let sent = Instant::now();
                let id = self.send_request(method, p);
                pending.insert(id, (index, sent));
            }
            if pending.is_empty() {
                break;
            }
            let incoming = self.receive();
            if let Some((index, sent)) = pending.remove(&incoming.id) {
                let error = incoming.message.get("error").is_some();
                outcomes[index] = Some(Outcome {
                    latency: incoming.at.saturating_duration_since(sent),
                    error,
                    result: incoming
                        .message
                        .get("result")
                        .cloned()
                        .unwrap_or(Value::Null),
                });
            }
        }
        outcomes.into_iter().flatten().collect()
    }

    /// `shutdown`, then `exit`; the exit code, or `None` if the server had to be killed.
    fn shutdown(mut self) -> Option<i32> {
        let response = self.call("shutdown", Value::Null);
        if response.get("error").is_some() {
            eprintln!("shutdown failed: {response}");
        }
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn send(stdin: &Mutex<ChildStdin>, message: &Value) {
    let body = message.to_string();
    let mut stdin = stdin.lock().expect("stdin lock");
    // A write error means the server is gone; the next wait for a response reports that.
    let _ = stdin
        .write_all(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes())
        .and_then(|_| stdin.flush());
}

fn read_frames(
    stdout: impl Read,
    stdin: Arc<Mutex<ChildStdin>>,
    progress_creates: Arc<Mutex<usize>>,
    tx: mpsc::Sender<Incoming>,
) {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let header = line.trim_end();
            if header.is_empty() {
                if length.is_some() {
                    break;
                }
                continue;
            }
            if let Some(v) = header.strip_prefix("Content-Length:") {
                length = v.trim().parse::<usize>().ok();
            }
        }
        let Some(length) = length else { continue };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let at = Instant::now();
        let Ok(message) = serde_json::from_slice::<Value>(&body) else {
            eprintln!(
                "a frame that is not JSON: {}",
                String::from_utf8_lossy(&body)
            );
            continue;
        };
        match (
            message.get("method").and_then(Value::as_str),
            message.get("id"),
        ) {
            // A server-to-client request: answer at once so the server never waits on us.
            (Some(method), Some(id)) => {
                if method == "window/workDoneProgress/create" {
                    *progress_creates.lock().expect("lock") += 1;
                }
                let result = if method == "workspace/configuration" {
                    let n = message["params"]["items"].as_array().map_or(1, Vec::len);
                    Value::Array(vec![Value::Null; n])
                } else {
                    Value::Null
                };
                send(
                    &stdin,
                    &json!({ "jsonrpc": "2.0", "id": id, "result": result }),
                );
            }
            // Notifications (progress, logs) are not measured.
            (Some(_), None) => {}
            (None, id) => {
                let id = id.and_then(Value::as_i64).unwrap_or(-1);
                if tx.send(Incoming { id, at, message }).is_err() {
                    return;
                }
            }
        }
    }
}

/// A deterministic random number generator (xorshift64*), so every run asks the same.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}
