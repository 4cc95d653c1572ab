//! The `history` tool: a file's commits and authors and, for a line range, its blame. The
//! file must be inside the workspace (checked by the engine's path gate); only git reads it.

use super::{answer, blocking, Call, Outcome};
use crate::args;
use crate::schema::DEFAULT_HISTORY_COMMITS;
use ail_engine::engine::MAX_HISTORY_COMMITS;
use ail_protocol::{blame_json, history_json};
use serde_json::json;

pub async fn call(call: Call) -> Outcome {
    match run(call).await {
        Ok(result) => Ok(result),
        Err(message) => Ok(super::tool_error(message)),
    }
}

async fn run(call: Call) -> Outcome {
    let a = &call.args;
    args::only(a, &["file", "startLine", "endLine", "maxCommits"])?;
    let file =
        args::string(a, "file")?.ok_or("file: required; give a file path inside the workspace")?;
    let (folder, rel) = call.folders.locate_file("file", &file)?;
    let start = args::integer(a, "startLine", 1, u32::MAX as i64)?;
    let end = args::integer(a, "endLine", 1, u32::MAX as i64)?;
    let lines = match (start, end) {
        (None, None) => None,
        (None, Some(_)) => return Err("startLine: required with endLine".into()),
        (Some(s), None) => Some((s as u32 - 1, s as u32)),
        (Some(s), Some(e)) if e < s => return Err(format!("endLine: {e} is before startLine {s}")),
        (Some(s), Some(e)) => Some((s as u32 - 1, e as u32)),
    };
    let commits = args::integer(a, "maxCommits", 1, MAX_HISTORY_COMMITS as i64)?
        .map_or(DEFAULT_HISTORY_COMMITS, |n| n as usize);
    let Some(engine) = folder.engine() else {
        let structured = json!({
            "path": rel, "history": null, "blame": null,
            "warnings": ["the workspace is still opening; try again in a moment"],
        });
        return Ok(answer(text(&structured), structured));
    };
    let path = rel.clone();
    let found = blocking(move || Ok(engine.file_context(&rel, lines, commits))).await?;
    let structured = json!({
        "path": path,
        "history": found.history.as_ref().map(history_json),
        "blame": found.blame.as_ref().map(|b| blame_json(b)),
        "warnings": found.warnings,
    });
    Ok(answer(text(&structured), structured))
}

/// The history and blame as a few lines of text.
fn text(structured: &serde_json::Value) -> String {
    let mut blocks = Vec::new();
    if let Some(h) = ail_protocol::render::history_text(&structured["history"]) {
        blocks.push(h);
    }
    if let Some(b) = ail_protocol::render::blame_text(&structured["blame"]) {
        blocks.push(b);
    }
    for w in structured["warnings"].as_array().into_iter().flatten() {
        blocks.push(format!("Warning: {}\n", w.as_str().unwrap_or("")));
    }
    if blocks.is_empty() {
        blocks.push(format!(
            "No history for {}.\n",
            structured["path"].as_str().unwrap_or("")
        ));
    }
    blocks.join("\n")
}
