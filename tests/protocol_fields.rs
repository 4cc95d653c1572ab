//! `docs/protocol.md` and the server agree: every field the server sends in `ail/context`
//! and `ail/status` is in the documented example, every documented field is sent (or is
//! documented as conditional), and every warning the page quotes is one the code can emit.
//! The answers come from the real binary over real pipes, in a real git repository.

mod support;

use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;
use support::*;

fn protocol_doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/protocol.md");
    std::fs::read_to_string(&path).expect("docs/protocol.md")
}

/// The text of the section under the `## ` heading that contains `title`.
fn section<'a>(doc: &'a str, title: &str) -> &'a str {
    let start = doc
        .find(&format!("## {title}"))
        .unwrap_or_else(|| panic!("no section {title}"));
    let rest = &doc[start + 3..];
    let end = rest.find("\n## ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

/// The ```json blocks of a section, parsed.
fn json_blocks(section: &str) -> Vec<Value> {
    section
        .split("```json")
        .skip(1)
        .map(|block| {
            let body = block.split("```").next().unwrap_or("");
            serde_json::from_str(body)
                .unwrap_or_else(|e| panic!("a JSON example does not parse ({e}):\n{body}"))
        })
        .collect()
}

/// Every key path in `value`: `results[].range.start.line`, `stagesMs.total.p50`, ...
fn key_paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                out.insert(path.clone());
                key_paths(child, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                key_paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

fn paths_of(value: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    key_paths(value, "", &mut out);
    out
}

/// Objects whose keys are data: their example shows some keys, the server sends others.
const MAPS: &[&str] = &["filesByKind"];

/// Served and documented agree, except fields the page documents as present only when
/// they apply (`conditional`, with everything under them).
fn assert_agree(what: &str, served: &Value, documented: &Value, conditional: &[&str]) {
    let served = paths_of(served);
    let documented = paths_of(documented);
    // Below a map (kinds to counts), the keys are data, not field names.
    let in_map = |p: &str| MAPS.iter().any(|m| p.starts_with(&format!("{m}.")));
    let undocumented: Vec<&String> = served
        .difference(&documented)
        .filter(|p| !in_map(p))
        .collect();
    assert!(
        undocumented.is_empty(),
        "{what}: the server sends fields docs/protocol.md does not show: {undocumented:?}"
    );
    let is_conditional = |p: &str| {
        conditional
            .iter()
            .any(|c| p == *c || p.starts_with(&format!("{c}.")) || p.starts_with(&format!("{c}[]")))
    };
    let unsent: Vec<&String> = documented
        .difference(&served)
        .filter(|p| !is_conditional(p) && !in_map(p))
        .collect();
    assert!(
        unsent.is_empty(),
        "{what}: docs/protocol.md shows fields the server does not send: {unsent:?}"
    );
}

#[test]
fn the_documented_fields_are_the_served_fields() {
    let ws = Workspace::new();
    ws.write(
        "src/cache.rs",
        "pub struct Cache {\n    entries: Vec<u32>,\n}\n\nimpl Cache {\n    /// Drop the oldest entry.\n    pub fn evict_oldest(&mut self) {\n        self.entries.remove(0);\n    }\n}\n",
    );
    git(&ws, &["init", "-q", "-b", "main"]);
    git(&ws, &["add", "."]);
    git(&ws, &["commit", "-q", "-m", "Add the cache"]);
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    server.wait_ready();
    let answer = server.call(
        "ail/context",
        json!({
            "question": "how are the oldest entries evicted",
            "textDocument": { "uri": ws.uri("src/cache.rs") },
            "position": { "line": 6, "character": 12 }
        }),
    );
    // Once more, so the latency figures in the status have something in them.
    server.call("ail/context", json!({ "question": "cache entries" }));
    let status = server.call("ail/status", Value::Null);

    let doc = protocol_doc();
    let context = json_blocks(section(&doc, "Request `ail/context`"));
    assert_eq!(context.len(), 2, "a params example and a result example");
    assert!(
        answer["history"].is_object() && answer["blame"].is_array(),
        "the answer has every part: {answer}"
    );
    assert_agree(
        "ail/context",
        &answer,
        &context[1],
        &["warnings", "results[].copies"],
    );

    let status_doc = json_blocks(section(&doc, "Request `ail/status`"));
    assert_eq!(status_doc.len(), 1);
    assert_agree(
        "ail/status",
        &status,
        &status_doc[0],
        &["git.reason", "fallbacks"],
    );
}

/// All `.rs` text under `dir`.
fn sources(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).expect("read source dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).expect("read source"));
        }
    }
}

#[test]
fn every_warning_the_page_quotes_is_one_the_code_emits() {
    let doc = protocol_doc();
    let context = section(&doc, "Request `ail/context`");
    let bullet_start = context.find("- `warnings`:").expect("the warnings bullet");
    let bullet = &context[bullet_start..];
    let bullet = &bullet[..bullet[2..].find("\n- ").map_or(bullet.len(), |i| i + 2)];
    let bullet = bullet.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut code = String::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("server"),
        &mut code,
    );
    let mut quoted = 0;
    for example in bullet.split("`\"").skip(1) {
        let example = example.split("\"`").next().unwrap_or("");
        quoted += 1;
        // The fixed words of the message: what is left between numbers, names and `...`.
        for piece in example.split(|c: char| c.is_ascii_digit() || ":.;()".contains(c)) {
            let piece = piece.trim().trim_end_matches(',');
            if piece.split_whitespace().count() >= 2 {
                assert!(
                    code.contains(piece),
                    "docs/protocol.md quotes the warning {example:?}, but no code says {piece:?}"
                );
            }
        }
    }
    assert!(quoted >= 4, "{bullet}");
}
