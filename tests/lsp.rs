//! End-to-end tests of `ail lsp`'s requests: `ail/context`, hover, `ail/status`,
//! `ail/reindex`, progress, settings, watched files, workspace folders, panics,
//! cancellation and concurrency. Each test runs the real binary on a workspace it writes
//! into a temporary directory.

mod support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::*;

fn small_workspace() -> Workspace {
    let ws = Workspace::new();
    ws.write(
        "src/cache.rs",
        "pub struct Cache {\n    entries: Vec<u32>,\n}\n\nimpl Cache {\n    /// Drop the least recently used entry when the cache is full.\n    pub fn evict_oldest(&mut self) {\n        self.entries.remove(0);\n    }\n}\n",
    );
    ws.write(
        "src/args.rs",
        "pub fn parse_args(argv: &[String]) -> Vec<String> {\n    argv.iter().skip(1).cloned().collect()\n}\n",
    );
    ws.write(
        "src/main.rs",
        "mod args;\nmod cache;\n\nfn main() {\n    let argv: Vec<String> = std::env::args().collect();\n    let options = args::parse_args(&argv);\n    let _ = options;\n}\n",
    );
    ws.write(
        "docs/guide.md",
        "# Guide\n\n## Running the tests\n\nRun cargo test from the root.\n",
    );
    ws
}

fn ready_server(ws: &Workspace) -> TestServer {
    let mut server = TestServer::start(ws, Options::default());
    server.initialize();
    server.wait_ready();
    server
}

fn context(server: &mut TestServer, params: Value) -> Value {
    server.call("ail/context", params)
}

fn hover_at(server: &mut TestServer, uri: &str, line: u32, character: u32) -> Value {
    server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
    )
}

#[test]
fn context_answers_with_ranked_cited_places() {
    let ws = small_workspace();
    let mut server = ready_server(&ws);
    let answer = context(
        &mut server,
        json!({ "question": "where is parse args defined" }),
    );
    assert_eq!(
        result_paths(&answer).first().map(String::as_str),
        Some("src/args.rs"),
        "{answer}"
    );
    let first = &answer["results"][0];
    assert_eq!(first["uri"], ws.uri("src/args.rs"));
    assert_eq!(first["range"]["start"]["line"], 0);
    assert_eq!(first["citation"], 1);
    assert_eq!(answer["citations"][0]["label"], "src/args.rs:1-3");
    assert!(answer["citations"][0]["url"]
        .as_str()
        .unwrap_or("")
        .ends_with("args.rs#L1-L3"));
    assert_eq!(answer["index"]["state"], "ready");
    assert!(answer["confidence"]
        .as_f64()
        .is_some_and(|c| (0.0..=1.0).contains(&c)));
    let limited = context(
        &mut server,
        json!({ "question": "cache entries", "limit": 1 }),
    );
    assert_eq!(limited["results"].as_array().map(Vec::len), Some(1));
}

#[test]
fn context_with_a_position_and_no_question_asks_about_the_identifier_there() {
    let ws = small_workspace();
    let mut server = ready_server(&ws);
    // Not open: the line is read from disk. `parse_args` on line 5 of main.rs.
    let answer = context(
        &mut server,
        json!({ "textDocument": { "uri": ws.uri("src/main.rs") }, "position": { "line": 5, "character": 25 } }),
    );
    assert_eq!(answer["question"], "parse_args");
    assert!(
        result_paths(&answer).contains(&"src/args.rs".to_string()),
        "{answer}"
    );
    // Off any identifier: the trimmed line is the question.
    let answer = context(
        &mut server,
        json!({ "textDocument": { "uri": ws.uri("src/main.rs") }, "position": { "line": 3, "character": 11 } }),
    );
    assert_eq!(answer["question"], "fn main() {");
}

#[test]
fn invalid_context_params_name_the_field() {
    let ws = small_workspace();
    let mut server = ready_server(&ws);
    let outside = file_uri(&std::env::temp_dir().join("elsewhere").join("x.rs"));
    let cases = [
        (json!({ "question": "   " }), "question"),
        (json!({}), "question"),
        (json!({ "question": 7 }), "question"),
        (json!({ "question": "cache", "limit": 0 }), "limit"),
        (json!({ "question": "cache", "limit": 101 }), "limit"),
        (json!({ "question": "cache", "limit": "ten" }), "limit"),
        (json!({ "question": "cache", "position": "x" }), "position"),
        (
            json!({ "position": { "line": 0, "character": 0 } }),
            "position",
        ),
        (
            json!({ "question": "cache", "textDocument": { "uri": outside } }),
            "textDocument.uri",
        ),
        (
            json!({ "question": "cache", "textDocument": { "uri": "untitled:1" } }),
            "textDocument.uri",
        ),
        (json!("just a string"), "params"),
    ];
    for (params, field) in cases {
        let response = server.request("ail/context", params.clone());
        assert_eq!(
            error_code(&response),
            Some(-32602),
            "{params} -> {response}"
        );
        assert!(
            error_message(&response).starts_with(field),
            "{params} -> {response}"
        );
    }
    // Still serving.
    context(&mut server, json!({ "question": "cache" }));
}

#[test]
fn hover_shows_related_places_elsewhere_as_citation_links() {
    let ws = small_workspace();
    let mut server = ready_server(&ws);
    // `parse_args` in main.rs: the related place is its definition in args.rs.
    let response = hover_at(&mut server, &ws.uri("src/main.rs"), 5, 25);
    let hover = &response["result"];
    assert_eq!(hover["contents"]["kind"], "markdown", "{response}");
    let markdown = hover["contents"]["value"].as_str().unwrap_or("");
    assert!(markdown.contains("Related places"), "{markdown}");
    assert!(markdown.contains("[src/args.rs:1-3](file://"), "{markdown}");
    assert!(markdown.contains("args.rs#L1-L3)"), "{markdown}");
    assert!(
        !markdown.contains("src/main.rs:"),
        "the place under the cursor is not 'related': {markdown}"
    );
    assert_eq!(
        hover["range"],
        json!({ "start": { "line": 5, "character": 24 }, "end": { "line": 5, "character": 34 } })
    );
    // A blank line and a line past the end have nothing to say.
    assert_eq!(
        hover_at(&mut server, &ws.uri("src/main.rs"), 2, 0)["result"],
        Value::Null
    );
    assert_eq!(
        hover_at(&mut server, &ws.uri("src/main.rs"), 99, 0)["result"],
        Value::Null
    );
    assert_eq!(
        hover_at(
            &mut server,
            &file_uri(&std::env::temp_dir().join("x.rs")),
            0,
            0
        )["result"],
        Value::Null
    );
}

#[test]
fn status_reports_counts_latency_and_memory() {
    let ws = small_workspace();
    let mut server = ready_server(&ws);
    context(&mut server, json!({ "question": "cache" }));
    hover_at(&mut server, &ws.uri("src/main.rs"), 5, 25);
    let status = server.call("ail/status", json!({}));
    assert_eq!(status["state"], "ready");
    assert_eq!(status["files"], 4, "{status}");
    assert!(
        status["chunks"].as_u64().is_some_and(|c| c >= 4),
        "{status}"
    );
    assert_eq!(status["workspace"], ws.root_uri());
    assert!(
        status["rssBytes"].as_u64().is_some_and(|r| r > 0),
        "{status}"
    );
    assert!(
        status["latencyMs"]["count"]
            .as_u64()
            .is_some_and(|c| c >= 2),
        "{status}"
    );
    for p in ["p50", "p95", "p99"] {
        assert!(
            status["latencyMs"][p].as_f64().is_some_and(|v| v > 0.0),
            "{status}"
        );
    }
    assert!(
        status["indexPath"]
            .as_str()
            .is_some_and(|p| p.starts_with(&*ws.cache.path().to_string_lossy())),
        "{status}"
    );
    assert_eq!(status["openDocuments"], 0);
    assert_eq!(status["activeJobs"], 0);
}

#[test]
fn reindex_returns_at_once_and_rebuilds_in_the_background() {
    let ws = small_workspace();
    let mut server = ready_server(&ws);
    let response = server.request("ail/reindex", Value::Null);
    assert_eq!(response["result"], Value::Null, "{response}");
    assert!(response.get("error").is_none(), "{response}");
    let status = server.wait_ready();
    assert_eq!(status["files"], 4, "{status}");
    let answer = context(&mut server, json!({ "question": "evict oldest" }));
    assert_eq!(
        result_paths(&answer).first().map(String::as_str),
        Some("src/cache.rs")
    );
}

#[test]
fn indexing_reports_progress_begin_report_with_file_counts_and_end() {
    let ws = small_workspace();
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    let create = server.wait_message(WAIT, "workDoneProgress/create", |m| {
        m["method"] == "window/workDoneProgress/create"
    });
    let token = create["params"]["token"].clone();
    let end = server.wait_message(WAIT, "progress end", |m| {
        m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
    });
    assert_eq!(end["params"]["token"], token);
    let kinds: Vec<Value> = server
        .notifications
        .iter()
        .filter(|n| n["method"] == "$/progress" && n["params"]["token"] == token)
        .map(|n| n["params"]["value"].clone())
        .collect();
    assert_eq!(
        kinds.first().map(|v| v["kind"].clone()),
        Some(json!("begin")),
        "{kinds:?}"
    );
    assert_eq!(kinds.first().map(|v| v["title"].is_string()), Some(true));
    assert_eq!(
        kinds.last().map(|v| v["kind"].clone()),
        Some(json!("end")),
        "{kinds:?}"
    );
    let reports: Vec<&Value> = kinds.iter().filter(|v| v["kind"] == "report").collect();
    assert!(!reports.is_empty(), "{kinds:?}");
    let mut last = 0;
    for r in &reports {
        let pct = r["percentage"].as_u64().unwrap_or(999);
        assert!(
            pct <= 100 && pct >= last,
            "percentages must grow: {kinds:?}"
        );
        last = pct;
        let message = r["message"].as_str().unwrap_or("");
        let counts = message.rsplit(' ').nth(1).unwrap_or("");
        assert!(
            counts.split('/').count() == 2 && counts.split('/').all(|n| n.parse::<u64>().is_ok()),
            "report message should say N/M files: {message:?}"
        );
    }
    assert!(
        reports.iter().any(|r| r["message"] == "4/4 files"),
        "{kinds:?}"
    );
}

#[test]
fn no_progress_token_is_requested_from_a_client_without_the_capability() {
    let ws = small_workspace();
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize_with(json!({}), json!({}));
    server.wait_ready();
    context(&mut server, json!({ "question": "cache" }));
    server.drain();
    let asked: Vec<Value> = server
        .server_requests()
        .into_iter()
        .filter(|r| {
            r["method"] == "window/workDoneProgress/create"
                || r["method"] == "client/registerCapability"
        })
        .collect();
    assert!(asked.is_empty(), "{asked:?}");
    assert!(!server
        .notifications
        .iter()
        .any(|n| n["method"] == "$/progress"));
}

#[test]
fn a_client_that_never_answers_progress_create_still_gets_hovers_and_answers() {
    let ws = small_workspace();
    let mut server = TestServer::start(
        &ws,
        Options {
            ignore_progress_create: true,
            ..Options::default()
        },
    );
    server.initialize();
    server.wait_message(WAIT, "workDoneProgress/create", |m| {
        m["method"] == "window/workDoneProgress/create"
    });
    server.wait_ready();
    for _ in 0..5 {
        let response = hover_at(&mut server, &ws.uri("src/main.rs"), 5, 25);
        assert!(
            response["result"]["contents"]["value"].is_string(),
            "{response}"
        );
        context(&mut server, json!({ "question": "parse args" }));
    }
    assert!(!server
        .notifications
        .iter()
        .any(|n| n["method"] == "$/progress"));
}

#[test]
fn unknown_settings_warn_and_settings_are_applied() {
    let ws = small_workspace();
    ws.write("big.txt", "word ".repeat(400));
    ws.write("blob.bin", b"\x00\x01\x02binary\x00");
    ws.write("latin1.txt", b"caf\xe9 cr\xe8me\n");
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize_with(
        editor_capabilities(),
        json!({ "initializationOptions": { "colour": "blue", "maxFileSize": 1000, "exclude": ["docs/**"], "persist": "sometimes" } }),
    );
    let warning = server.wait_message(WAIT, "a warning about the unknown setting", |m| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("colour")
    });
    assert_eq!(warning["params"]["type"], 2);
    server.wait_message(WAIT, "a warning about the mistyped setting", |m| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("persist")
    });
    let status = server.wait_ready();
    assert_eq!(status["skipped"]["tooLarge"], 1, "{status}");
    assert_eq!(status["skipped"]["binary"], 1, "{status}");
    assert_eq!(status["skipped"]["notUtf8"], 1, "{status}");
    assert_eq!(
        status["files"], 3,
        "docs/ excluded, big.txt too large: {status}"
    );
}

#[test]
fn a_configuration_change_reopens_the_index_with_the_new_settings() {
    let ws = small_workspace();
    let mut server = ready_server(&ws);
    assert_eq!(server.call("ail/status", Value::Null)["files"], 4);
    server.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "ail": { "exclude": ["*.md"] } } }),
    );
    let status = server.wait_ready();
    assert_eq!(status["files"], 3, "{status}");
    let answer = context(
        &mut server,
        json!({ "question": "running the tests guide" }),
    );
    assert!(
        !result_paths(&answer).contains(&"docs/guide.md".to_string()),
        "{answer}"
    );
}

#[test]
fn a_file_edited_on_disk_is_never_cited_with_its_old_lines() {
    let ws = small_workspace();
    let mut server = ready_server(&ws);
    let before = context(&mut server, json!({ "question": "parse_args argv" }));
    assert_eq!(before["results"][0]["range"]["start"]["line"], 0);
    // The function moves ten lines down.
    let new_text = format!(
        "{}pub fn parse_args(argv: &[String]) -> Vec<String> {{\n    argv.iter().skip(1).cloned().collect()\n}}\n",
        "// padding line\n".repeat(10)
    );
    ws.write("src/args.rs", &new_text);
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [ { "uri": ws.uri("src/args.rs"), "type": 2 } ] }),
    );
    server.wait_ready();
    let after = context(&mut server, json!({ "question": "parse_args argv" }));
    let lines: Vec<&str> = new_text.lines().collect();
    let mut cited_args = false;
    for result in after["results"].as_array().into_iter().flatten() {
        if result["path"] != "src/args.rs" {
            continue;
        }
        cited_args = true;
        let start = result["range"]["start"]["line"].as_u64().unwrap_or(0) as usize;
        let end = result["range"]["end"]["line"].as_u64().unwrap_or(0) as usize;
        let cited = lines
            .get(start..end.min(lines.len()))
            .unwrap_or(&[])
            .join("\n");
        assert!(
            cited.contains("fn parse_args"),
            "cited lines {start}..{end} are stale: {cited:?}"
        );
        let snippet = result["snippet"].as_str().unwrap_or("");
        assert!(
            new_text.contains(snippet),
            "the snippet is not the file's current text: {result}"
        );
    }
    assert!(cited_args, "{after}");
}

#[test]
fn a_deleted_file_is_never_cited_and_a_created_one_is_found() {
    let ws = small_workspace();
    let mut server = ready_server(&ws);
    std::fs::remove_file(ws.root().join("src/cache.rs")).expect("delete");
    ws.write("src/store.rs", "pub fn persist_snapshot_atomically() {}\n");
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [
            { "uri": ws.uri("src/cache.rs"), "type": 3 },
            { "uri": ws.uri("src/store.rs"), "type": 1 }
        ] }),
    );
    let status = server.wait_ready();
    assert_eq!(status["files"], 4, "{status}");
    for question in ["evict oldest cache entries", "cache", "least recently used"] {
        let answer = context(&mut server, json!({ "question": question }));
        assert!(
            !result_paths(&answer).contains(&"src/cache.rs".to_string()),
            "{answer}"
        );
    }
    let answer = context(
        &mut server,
        json!({ "question": "persist snapshot atomically" }),
    );
    assert_eq!(
        result_paths(&answer).first().map(String::as_str),
        Some("src/store.rs"),
        "{answer}"
    );
}

#[test]
fn watched_files_are_registered_dynamically_when_the_client_allows() {
    let ws = small_workspace();
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    let registration = server.wait_message(WAIT, "client/registerCapability", |m| {
        m["method"] == "client/registerCapability"
    });
    let r = &registration["params"]["registrations"][0];
    assert_eq!(r["method"], "workspace/didChangeWatchedFiles");
    assert!(
        r["registerOptions"]["watchers"][0]["globPattern"].is_string(),
        "{registration}"
    );
}

#[test]
fn unsaved_edits_of_an_open_document_become_searchable() {
    let ws = small_workspace();
    let mut server = ready_server(&ws);
    let uri = ws.uri("src/args.rs");
    let text = std::fs::read_to_string(ws.root().join("src/args.rs")).expect("read");
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "rust", "version": 1, "text": text } }),
    );
    let added = "\npub fn reticulate_splines_quickly() {}\n";
    server.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [ { "range": { "start": { "line": 3, "character": 0 }, "end": { "line": 3, "character": 0 } }, "text": added } ]
        }),
    );
    // Re-indexed after the idle debounce: poll until the new function is found.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = context(
            &mut server,
            json!({ "question": "reticulate splines quickly" }),
        );
        let found = answer["results"][0]["snippet"]
            .as_str()
            .is_some_and(|s| s.contains("reticulate_splines_quickly"));
        if found {
            assert_eq!(answer["results"][0]["path"], "src/args.rs");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the edit never became searchable: {answer}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(server.call("ail/status", Value::Null)["openDocuments"], 1);
    server.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(server.call("ail/status", Value::Null)["openDocuments"], 0);
}

#[test]
fn each_workspace_folder_has_its_own_index_and_answers_merge() {
    let a = small_workspace();
    let b = Workspace::new();
    b.write(
        "lib/ledger.py",
        "def reconcile_ledger_entries(entries):\n    return sorted(entries)\n",
    );
    let mut server = TestServer::start(&a, Options::default());
    server.initialize_with(
        editor_capabilities(),
        json!({ "workspaceFolders": [
            { "uri": a.root_uri(), "name": "app" },
            { "uri": b.root_uri(), "name": "books" }
        ] }),
    );
    let status = server.wait_ready();
    assert_eq!(
        status["folders"].as_array().map(Vec::len),
        Some(2),
        "{status}"
    );
    assert_eq!(status["folders"][1]["files"], 1, "{status}");
    let answer = context(
        &mut server,
        json!({ "question": "reconcile ledger entries" }),
    );
    assert_eq!(
        answer["results"][0]["uri"],
        b.uri("lib/ledger.py"),
        "{answer}"
    );
    assert_eq!(answer["results"][0]["path"], "lib/ledger.py");
    let answer = context(
        &mut server,
        json!({ "question": "parse args", "textDocument": { "uri": a.uri("src/main.rs") } }),
    );
    assert!(
        answer["results"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|r| r["uri"].as_str().unwrap_or("").starts_with(&a.root_uri())),
        "{answer}"
    );
    // A folder added later is indexed too.
    let c = Workspace::new();
    c.write("notes.md", "# Quarterly tapestry weaving\n");
    server.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [ { "uri": c.root_uri(), "name": "notes" } ], "removed": [] } }),
    );
    server.wait_ready();
    let answer = context(&mut server, json!({ "question": "tapestry weaving" }));
    assert_eq!(answer["results"][0]["uri"], c.uri("notes.md"), "{answer}");
}

#[test]
fn no_workspace_folder_still_initializes_and_answers_empty_with_a_reason() {
    let cache = tempfile::tempdir().expect("temp dir");
    let cwd = tempfile::tempdir().expect("temp dir");
    let mut server = TestServer::spawn(cache.path(), cwd.path(), Options::default());
    server.initialize_with(editor_capabilities(), json!({ "rootUri": null }));
    let warning = server.notification("window/showMessage");
    assert!(warning["params"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("no workspace folder"));
    let answer = context(&mut server, json!({ "question": "anything at all" }));
    assert_eq!(answer["results"], json!([]));
    assert_eq!(answer["confidence"], 0.0);
    assert!(
        answer["warnings"][0]
            .as_str()
            .unwrap_or("")
            .contains("no workspace folder"),
        "{answer}"
    );
    let hover = hover_at(&mut server, &file_uri(&cwd.path().join("a.rs")), 0, 0);
    assert_eq!(hover["result"], Value::Null);
    assert_eq!(server.call("ail/status", Value::Null)["state"], "ready");
}

#[test]
fn a_panicking_hover_answers_internal_error_and_the_server_goes_on() {
    let ws = small_workspace();
    let mut server = TestServer::start(
        &ws,
        Options {
            env: vec![("AIL_TEST_PANIC".into(), "hover".into())],
            allow_panics: true,
            ..Options::default()
        },
    );
    server.initialize();
    server.wait_ready();
    let response = hover_at(&mut server, &ws.uri("src/main.rs"), 5, 25);
    assert_eq!(error_code(&response), Some(-32603), "{response}");
    assert!(error_message(&response).contains("panicked"), "{response}");
    for _ in 0..10 {
        context(&mut server, json!({ "question": "parse args" }));
    }
    assert_eq!(
        error_code(&hover_at(&mut server, &ws.uri("src/main.rs"), 5, 25)),
        Some(-32603)
    );
    let stderr = server.stderr_with(&["panicked at", "injected test panic in hover", "backtrace"]);
    assert!(stderr.contains("panicked at"), "{stderr}");
    assert!(stderr.contains("injected test panic in hover"), "{stderr}");
    assert!(stderr.contains("backtrace"), "{stderr}");
}

#[test]
fn a_panicking_indexer_is_reported_once_and_requests_keep_working() {
    let ws = small_workspace();
    let mut server = TestServer::start(
        &ws,
        Options {
            env: vec![("AIL_TEST_PANIC".into(), "indexer".into())],
            allow_panics: true,
            allow_error_messages: true,
            ..Options::default()
        },
    );
    server.initialize();
    let message = server.wait_message(WAIT, "an error message", |m| {
        m["method"] == "window/showMessage" && m["params"]["type"] == 1
    });
    assert!(
        message["params"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("panicked"),
        "{message}"
    );
    let status = server.wait_ready_or_failed();
    assert!(
        status["indexError"]
            .as_str()
            .unwrap_or("")
            .contains("panicked"),
        "{status}"
    );
    let answer = context(&mut server, json!({ "question": "parse args" }));
    assert!(answer["results"].is_array());
    assert!(hover_at(&mut server, &ws.uri("src/main.rs"), 5, 25)
        .get("error")
        .is_none());
    server.drain();
    let errors = server
        .notifications
        .iter()
        .filter(|n| n["method"] == "window/showMessage" && n["params"]["type"] == 1)
        .count();
    assert_eq!(errors, 1);
}

trait WaitFailed {
    fn wait_ready_or_failed(&mut self) -> Value;
}

impl WaitFailed for TestServer {
    /// Poll `ail/status` until no pass runs (state ready, or an indexing error recorded).
    fn wait_ready_or_failed(&mut self) -> Value {
        let deadline = Instant::now() + READY_WAIT;
        loop {
            let status = self.call("ail/status", Value::Null);
            if status["state"] == "ready" || status["indexError"].is_string() {
                return status;
            }
            assert!(Instant::now() < deadline, "{status}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn cancelling_a_context_request_answers_once_with_request_cancelled_and_stops_the_work() {
    let ws = small_workspace();
    let mut server = TestServer::start(
        &ws,
        Options {
            env: vec![("AIL_TEST_DELAY_MS".into(), "30000".into())],
            ..Options::default()
        },
    );
    server.initialize();
    server.wait_ready();
    let id = server.send_request("ail/context", json!({ "question": "parse args" }));
    server.notify("$/cancelRequest", json!({ "id": id }));
    let response = server.response(&id);
    assert_eq!(error_code(&response), Some(-32800), "{response}");
    // The blocking work stops too (it would otherwise sleep for 30 s).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let status = server.call("ail/status", Value::Null);
        if status["activeJobs"] == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the cancelled job kept running: {status}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // Cancelling an unknown id does nothing.
    server.notify("$/cancelRequest", json!({ "id": 424242 }));
    assert_eq!(server.call("ail/status", Value::Null)["state"], "ready");
}

#[test]
fn a_duplicate_of_a_pending_request_id_is_invalid_and_both_get_one_answer() {
    let ws = small_workspace();
    let mut server = TestServer::start(
        &ws,
        Options {
            env: vec![("AIL_TEST_DELAY_MS".into(), "1500".into())],
            ..Options::default()
        },
    );
    server.initialize();
    server.wait_ready();
    let id = json!("same-id");
    server.allow_two_answers(&id);
    server.send_request_with_id(
        id.clone(),
        "ail/context",
        json!({ "question": "parse args" }),
    );
    server.send_request_with_id(id.clone(), "ail/context", json!({ "question": "cache" }));
    let first = server.response(&id);
    assert_eq!(
        error_code(&first),
        Some(-32600),
        "the duplicate is answered first: {first}"
    );
    let second = server.response(&id);
    assert_eq!(second["result"]["question"], "parse args", "{second}");
    // String and integer ids alike are answered.
    server.send_request_with_id(json!("text-id"), "ail/status", Value::Null);
    assert!(server.response(&json!("text-id"))["result"].is_object());
    server.send_request_with_id(json!(77), "ail/status", Value::Null);
    assert!(server.response(&json!(77))["result"].is_object());
}

#[test]
fn sixty_four_concurrent_hovers_and_contexts_during_indexing_are_each_answered_once() {
    let ws = small_workspace();
    for i in 0..400 {
        ws.write(
            &format!("gen/module_{i}.rs"),
            format!("/// Generated helper number {i}.\npub fn helper_{i}(x: u64) -> u64 {{\n    x.wrapping_mul({i})\n}}\n"),
        );
    }
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    let mut ids = Vec::new();
    for i in 0..32 {
        ids.push(server.send_request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": ws.uri("src/main.rs") }, "position": { "line": 5, "character": 25 } }),
        ));
        ids.push(server.send_request(
            "ail/context",
            json!({ "question": format!("helper number {i}") }),
        ));
    }
    for id in &ids {
        let response = server.response(id);
        assert!(response.get("error").is_none(), "{response}");
    }
    server.wait_ready();
}

#[test]
fn max_tokens_packs_the_answer_from_the_editors_text_and_refuses_a_bad_budget() {
    let ws = small_workspace();
    let mut server = ready_server(&ws);
    let bad = server.request(
        "ail/context",
        json!({ "question": "cache", "maxTokens": 20 }),
    );
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    assert!(bad["error"]["message"]
        .as_str()
        .unwrap_or("")
        .starts_with("maxTokens:"));
    // An unsaved line in an open document is what a budgeted answer shows.
    let uri = ws.uri("src/cache.rs");
    let text = std::fs::read_to_string(ws.root().join("src/cache.rs"))
        .expect("read")
        .replace(
            "        self.entries.remove(0);\n",
            "        // unsaved: evict from the front\n        self.entries.remove(0);\n",
        );
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "rust", "version": 1, "text": text } }),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = context(
            &mut server,
            json!({ "question": "evict the oldest entry", "maxTokens": 500 }),
        );
        let tokens = answer["tokens"].as_u64().unwrap_or(u64::MAX);
        assert!(tokens <= 500, "{answer}");
        let top = &answer["results"][0];
        if top["snippet"]
            .as_str()
            .is_some_and(|s| s.contains("unsaved: evict from the front"))
        {
            assert_eq!(top["path"], "src/cache.rs");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the buffer's text never showed: {answer}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
