//! `ail/context`: ranked, cited places for a question about the workspace.
//!
//! Params are checked field by field so that an `InvalidParams` error names the field and
//! says why. Decisions the protocol leaves open:
//! - `position` without `question` asks about the identifier under the cursor (else the
//!   trimmed line); it needs `textDocument` to know which file.
//! - A `textDocument` outside every workspace folder is `InvalidParams` ("outside every
//!   workspace folder"): answering it from unrelated folders would mislead.
//! - With no workspace folder at all, the answer is empty with confidence 0 and a warning.
//! - With a `textDocument`, its folder answers; without one, every folder does and the
//!   results are merged by score.
//! - With `maxTokens` the answer is packed to that budget (`ail_protocol::budget`), reading
//!   each place's code from the editor's buffer when the file is open, else from disk
//!   through its folder; without `limit`, as many places are asked for as the budget may hold.

use crate::convert::{self, invalid_params};
use crate::cursor;
use crate::documents;
use crate::guard;
use crate::indexer;
use crate::state::State;
use crate::workspace::Folder;
use ail_engine::answer::{DEFAULT_LIMIT, MAX_LIMIT};
use ail_engine::Query;
use ail_protocol::budget::{self, Focus, MAX_MAX_TOKENS, MIN_MAX_TOKENS};
use ail_protocol::{ContextParams, ContextResult, Position, ResultItem};
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;
use tower_lsp_server::jsonrpc::{self, Result};

pub async fn handle(state: &Arc<State>, params: Value) -> Result<ContextResult> {
    let started = Instant::now();
    let params = parse(params)?;
    let max_tokens = check_max_tokens(params.max_tokens)?;
    let limit = match (params.limit, max_tokens) {
        (None, Some(_)) => MAX_LIMIT,
        (limit, _) => check_limit(limit)?,
    };
    let question = params
        .question
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_string);
    if question.is_none() && params.position.is_none() {
        return Err(invalid_params(
            "question: empty; ask something, or give textDocument and position to ask about the identifier there",
        ));
    }
    let uri = params.text_document.map(|d| d.uri);
    let target = match &uri {
        Some(uri) => locate(state, uri)?,
        None => None,
    };
    let position = params.position;
    // Everything read from the open documents is read now, as of this request.
    let open_line = match (&question, &uri, position) {
        (None, Some(uri), Some(pos)) => state.documents.line(uri, pos.line),
        _ => None,
    };
    let encoding = state.encoding();
    let max_size = state.settings.read().max_file_size;
    let folders: Vec<Arc<Folder>> = match &target {
        Some(t) => vec![t.folder.clone()],
        None => state.workspace.folders(),
    };
    let delay = state.hooks.context_delay;
    let shared = state.clone();

    let result = guard::run(state, "context", move |cancel| {
        if !delay.is_zero() && cancel.sleep(delay) {
            return Err(jsonrpc::Error::request_cancelled());
        }
        // Edits that arrived before this request are part of what it asks about.
        indexer::index_pending_documents(&shared, &folders);
        let question = match question {
            Some(q) => q,
            None => {
                let pos = position.unwrap_or(Position {
                    line: 0,
                    character: 0,
                });
                let line = match (open_line, &target) {
                    (Some(line), _) => line,
                    (None, Some(t)) => {
                        documents::line_on_disk(&t.folder.root, &t.rel, pos.line, max_size)
                    }
                    (None, None) => {
                        return Err(invalid_params(
                            "position: needs textDocument (inside a workspace folder) to know which file it is in",
                        ))
                    }
                };
                let line = line.unwrap_or_default();
                cursor::subject_at(&line, convert::byte_in_line(&line, pos.character, encoding))
                    .map(|s| s.text)
                    .ok_or_else(|| {
                        invalid_params(format!(
                            "position: line {} has no identifier or text at character {}; give a question",
                            pos.line, pos.character
                        ))
                    })?
            }
        };
        if folders.is_empty() {
            return Ok(convert::empty_context_result(
                &question,
                "no workspace folder is open",
                "ready",
            ));
        }
        let mut parts = Vec::new();
        let mut loading = Vec::new();
        for folder in &folders {
            let Some((engine, generation_base)) = folder.engine_and_generation_base() else {
                loading.push(folder.name.clone());
                continue;
            };
            let here = target.as_ref().filter(|t| Arc::ptr_eq(&t.folder, folder));
            let query = Query {
                question: question.clone(),
                file: here.map(|t| t.rel.clone()),
                line: here.and(position).map(|p| p.line),
                limit,
                ..Default::default()
            };
            let answer = engine
                .query_with_cancel(&query, cancel)
                .map_err(|e| convert::query_error(&e))?;
            let mut part = convert::context_result(&answer, engine.root());
            part.index.generation += generation_base;
            parts.push((folder.name.clone(), part));
        }
        if parts.is_empty() {
            return Ok(convert::empty_context_result(
                &question,
                "the workspace index is still loading",
                "indexing",
            ));
        }
        let mut merged = convert::merge_context_results(&question, parts, limit);
        for name in loading {
            merged
                .warnings
                .push(format!("{name}: index still loading, not searched"));
        }
        if let Some(max_tokens) = max_tokens {
            // In the form results carry their uris.
            let focus_uri = target
                .as_ref()
                .map(|t| ail_protocol::uri::file_uri(&t.folder.root.join(&t.rel)));
            let focus = focus_uri.as_deref().zip(position).map(|(uri, p)| Focus {
                uri,
                line: p.line,
            });
            budget::pack(&mut merged, max_tokens, focus, &|item| {
                place_text(&shared, item, max_size)
            });
        }
        Ok(merged)
    })
    .await;
    if result.is_ok() {
        state.latency.record(started.elapsed());
    }
    result
}

/// The text of a result's file: the editor's buffer when it is open, else the file on disk,
/// read through the folder that indexed it (never a link out of it).
fn place_text(state: &State, item: &ResultItem, max_size: u64) -> Option<String> {
    if let Some((text, _)) = state.documents.snapshot(&item.uri) {
        return Some(text.to_string());
    }
    let path = convert::uri_text_to_path(&item.uri)?;
    let (folder, rel) = state.workspace.locate(&path)?;
    let bytes = ail_engine::safe_path::read_regular(&folder.root, &rel, max_size).ok()?;
    String::from_utf8(bytes).ok()
}

struct Target {
    folder: Arc<Folder>,
    rel: String,
}

/// The folder and relative path of `uri`. Outside every folder is an error, except when
/// there are no folders at all (then every answer is empty anyway).
fn locate(state: &State, uri: &str) -> Result<Option<Target>> {
    let path = convert::uri_text_to_path(uri)
        .ok_or_else(|| invalid_params(format!("textDocument.uri: not a file:// URI: {uri}")))?;
    match state.workspace.locate(&path) {
        Some((folder, rel)) => Ok(Some(Target { folder, rel })),
        None if state.workspace.is_empty() => Ok(None),
        None => Err(invalid_params(format!(
            "textDocument.uri: {uri} is outside every workspace folder"
        ))),
    }
}

fn check_limit(limit: Option<i64>) -> Result<usize> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if n >= 1 && n <= MAX_LIMIT as i64 => Ok(n as usize),
        Some(n) => Err(invalid_params(format!(
            "limit: must be between 1 and {MAX_LIMIT}, got {n}"
        ))),
    }
}

fn check_max_tokens(max_tokens: Option<i64>) -> Result<Option<usize>> {
    match max_tokens {
        None => Ok(None),
        Some(n) if n >= MIN_MAX_TOKENS as i64 && n <= MAX_MAX_TOKENS as i64 => Ok(Some(n as usize)),
        Some(n) => Err(invalid_params(format!(
            "maxTokens: must be between {MIN_MAX_TOKENS} and {MAX_MAX_TOKENS}, got {n}"
        ))),
    }
}

/// Check the shape field by field, then read the documented type.
fn parse(params: Value) -> Result<ContextParams> {
    let Value::Object(map) = &params else {
        return Err(invalid_params(
            "params: expected an object such as {\"question\": \"how are chunks ranked?\"}",
        ));
    };
    let field = |name: &str| map.get(name).filter(|v| !v.is_null());
    if field("question").is_some_and(|q| !q.is_string()) {
        return Err(invalid_params("question: expected a string"));
    }
    if let Some(doc) = field("textDocument") {
        if !doc.get("uri").is_some_and(Value::is_string) {
            return Err(invalid_params(
                "textDocument.uri: expected {\"uri\": \"file:///...\"}",
            ));
        }
    }
    if let Some(pos) = field("position") {
        let part = |name: &str| {
            pos.get(name)
                .and_then(Value::as_u64)
                .is_some_and(|n| n <= u32::MAX as u64)
        };
        if !(part("line") && part("character")) {
            return Err(invalid_params(
                "position: expected {\"line\": n, \"character\": n} with non-negative integers",
            ));
        }
    }
    if field("limit").is_some_and(|l| !(l.is_i64() || l.is_u64())) {
        return Err(invalid_params(format!(
            "limit: expected an integer between 1 and {MAX_LIMIT}"
        )));
    }
    let limit_too_big = field("limit")
        .and_then(Value::as_u64)
        .is_some_and(|n| n > i64::MAX as u64);
    if limit_too_big {
        return Err(invalid_params(format!(
            "limit: must be between 1 and {MAX_LIMIT}"
        )));
    }
    if let Some(n) = field("maxTokens") {
        if !(n.is_i64() || n.is_u64()) || n.as_u64().is_some_and(|n| n > i64::MAX as u64) {
            return Err(invalid_params(format!(
                "maxTokens: expected an integer between {MIN_MAX_TOKENS} and {MAX_MAX_TOKENS}"
            )));
        }
    }
    serde_json::from_value(params).map_err(|e| invalid_params(format!("params: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(params: Value) -> String {
        let checked = parse(params)
            .and_then(|p| check_limit(p.limit).map(|_| p))
            .and_then(|p| check_max_tokens(p.max_tokens).map(|_| p));
        match checked {
            Ok(_) => String::new(),
            Err(e) => e.message.to_string(),
        }
    }

    #[test]
    fn invalid_params_name_the_field_at_fault() {
        assert!(message(json!("why")).starts_with("params:"));
        assert!(message(json!({"question": 3})).starts_with("question:"));
        assert!(
            message(json!({"question": "q", "textDocument": {}})).starts_with("textDocument.uri:")
        );
        assert!(message(json!({"question": "q", "position": "x"})).starts_with("position:"));
        assert!(
            message(json!({"question": "q", "position": {"line": -1, "character": 0}}))
                .starts_with("position:")
        );
        assert!(message(json!({"question": "q", "limit": "ten"})).starts_with("limit:"));
        assert!(message(json!({"question": "q", "limit": 0})).starts_with("limit:"));
        assert!(message(json!({"question": "q", "limit": 101})).starts_with("limit:"));
        assert_eq!(
            message(json!({"question": "q", "limit": 100, "position": null})),
            ""
        );
        assert!(message(json!({"question": "q", "maxTokens": "lots"})).starts_with("maxTokens:"));
        assert!(message(json!({"question": "q", "maxTokens": 99})).starts_with("maxTokens:"));
        assert!(message(json!({"question": "q", "maxTokens": 1.5})).starts_with("maxTokens:"));
        assert_eq!(message(json!({"question": "q", "maxTokens": 2000})), "");
    }
}
