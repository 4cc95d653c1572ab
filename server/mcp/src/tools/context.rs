//! The `context` tool: `ail/context` for a model. Arguments are checked one by one; the
//! answer is always packed to a token budget (`maxTokens`, default 4000), its text is what
//! the budget counts, and its structured content is the `ail/context` object.
//!
//! With a `file`, its folder answers; without one, every folder does and the answers are
//! merged. A place's code is read only through its folder and the engine's path gate
//! (`safe_path::read_regular`), for paths the engine itself indexed.

use super::{answer, blocking, Call, Outcome};
use crate::args;
use crate::folders::Folder;
use crate::schema::DEFAULT_MAX_TOKENS;
use ail_engine::answer::MAX_LIMIT;
use ail_engine::{CancelToken, Query, QueryError};
use ail_protocol::budget::{self, Focus, MAX_MAX_TOKENS, MIN_MAX_TOKENS};
use ail_protocol::merge::{empty_context_result, merge_context_results};
use ail_protocol::uri::file_uri;
use ail_protocol::{render, ContextResult, ResultItem};
use std::sync::Arc;

struct Request {
    question: String,
    target: Option<(Arc<Folder>, String)>,
    line: Option<u32>,
    limit: usize,
    max_tokens: usize,
}

fn parse(call: &Call) -> Result<Request, String> {
    let a = &call.args;
    args::only(a, &["question", "file", "line", "limit", "maxTokens"])?;
    let question = args::string(a, "question")?
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty())
        .ok_or("question: required; ask something, e.g. \"where are sessions expired\"")?;
    let target = match args::string(a, "file")? {
        Some(file) => Some(call.folders.locate_file("file", &file)?),
        None => None,
    };
    let line = args::integer(a, "line", 1, u32::MAX as i64)?;
    if line.is_some() && target.is_none() {
        return Err("line: needs file, to know which file the line is in".into());
    }
    let limit = args::integer(a, "limit", 1, MAX_LIMIT as i64)?;
    let max_tokens = args::integer(a, "maxTokens", MIN_MAX_TOKENS as i64, MAX_MAX_TOKENS as i64)?;
    Ok(Request {
        question,
        target,
        line: line.map(|l| l as u32 - 1),
        limit: limit.map_or(MAX_LIMIT, |l| l as usize),
        max_tokens: max_tokens.map_or(DEFAULT_MAX_TOKENS, |n| n as usize),
    })
}

pub async fn call(call: Call) -> Outcome {
    let request = match parse(&call) {
        Ok(r) => r,
        Err(message) => return Ok(super::tool_error(message)),
    };
    if let Some(reporter) = &call.progress {
        if call.folders.any_busy() {
            reporter.indexing(&call.folders).await;
        }
    }
    let folders: Vec<Arc<Folder>> = match &request.target {
        Some((folder, _)) => vec![folder.clone()],
        None => call.folders.list.clone(),
    };
    let max_file_size = call.folders.config.max_file_size;
    // The engine's cancel token follows the call's.
    let cancel = CancelToken::new();
    let (ct, engine_cancel) = (call.ct.clone(), cancel.clone());
    let follow = tokio::spawn(async move {
        ct.cancelled().await;
        engine_cancel.cancel();
    });
    let delay = call.hooks.context_delay;
    let result = blocking(move || {
        if !delay.is_zero() && cancel.sleep(delay) {
            return Err("cancelled".to_string());
        }
        answer_blocking(&request, &folders, max_file_size, &cancel)
    })
    .await;
    follow.abort();
    match result {
        Ok(wire) => {
            let structured = serde_json::to_value(&wire).map_err(|e| e.to_string())?;
            Ok(answer(render::context_text(&wire), structured))
        }
        Err(message) => Ok(super::tool_error(message)),
    }
}

fn answer_blocking(
    request: &Request,
    folders: &[Arc<Folder>],
    max_file_size: u64,
    cancelled: &CancelToken,
) -> Result<ContextResult, String> {
    let mut parts = Vec::new();
    let mut loading = Vec::new();
    for folder in folders {
        let Some(engine) = folder.engine() else {
            loading.push(folder.name.clone());
            continue;
        };
        let here = request
            .target
            .as_ref()
            .filter(|(f, _)| Arc::ptr_eq(f, folder));
        let query = Query {
            question: request.question.clone(),
            file: here.map(|(_, rel)| rel.clone()),
            line: here.and(request.line),
            limit: request.limit,
            ..Default::default()
        };
        let answer = engine
            .query_with_cancel(&query, cancelled)
            .map_err(|e| match e {
                QueryError::EmptyQuestion | QueryError::QuestionTooLong(_) => {
                    format!("question: {e}")
                }
                QueryError::BadLimit(_) => format!("limit: {e}"),
                QueryError::Cancelled => "cancelled".to_string(),
            })?;
        parts.push((
            folder.name.clone(),
            ContextResult::from_answer(&answer, engine.root()),
        ));
    }
    let mut wire = if parts.is_empty() {
        empty_context_result(
            &request.question,
            "the workspace index is still loading",
            "indexing",
        )
    } else {
        merge_context_results(&request.question, parts, request.limit)
    };
    for name in loading {
        wire.warnings
            .push(format!("{name}: index still loading, not searched"));
    }
    let focus_uri = request
        .target
        .as_ref()
        .map(|(f, rel)| file_uri(&f.root.join(rel)));
    let focus = focus_uri
        .as_deref()
        .zip(request.line)
        .map(|(uri, line)| Focus { uri, line });
    budget::pack(&mut wire, request.max_tokens, focus, &|item| {
        place_text(folders, item, max_file_size)
    });
    Ok(wire)
}

/// The current text of a result's file, read through the folder that indexed it.
fn place_text(folders: &[Arc<Folder>], item: &ResultItem, max_size: u64) -> Option<String> {
    let folder = folders
        .iter()
        .find(|f| file_uri(&f.root.join(&item.path)) == item.uri)?;
    let bytes = ail_engine::safe_path::read_regular(&folder.root, &item.path, max_size).ok()?;
    String::from_utf8(bytes).ok()
}
