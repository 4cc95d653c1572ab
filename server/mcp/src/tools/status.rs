//! The `status` tool: `ail/status` for every folder (the first one's fields at the top,
//! all of them under `folders`), with the running pass's progress and any index error.

use super::{answer, Call, Outcome};
use crate::args;
use crate::folders::Folder;
use ail_engine::Phase;
use ail_protocol::{memory_usage, MemoryUsage, StatusResult};
use serde_json::{json, Value};

pub async fn call(call: Call) -> Outcome {
    if let Err(message) = args::only(&call.args, &[]) {
        return Ok(super::tool_error(message));
    }
    if let Some(reporter) = &call.progress {
        if call.folders.any_busy() {
            reporter.indexing(&call.folders).await;
        }
    }
    let memory = memory_usage();
    let entries: Vec<Value> = call
        .folders
        .list
        .iter()
        .map(|f| folder_status(f, memory))
        .collect();
    let mut status = entries.first().cloned().unwrap_or_else(|| json!({}));
    if entries.iter().any(|e| e["state"] == "indexing") {
        status["state"] = json!("indexing");
    }
    status["folders"] = Value::Array(entries);
    Ok(answer(text(&status), status))
}

/// One folder's `ail/status` object; before its engine has opened, zeros and "indexing".
pub fn folder_status(folder: &Folder, memory: MemoryUsage) -> Value {
    let mut value = match folder.engine() {
        Some(engine) => serde_json::to_value(StatusResult::from_status(&engine.status(), memory))
            .unwrap_or_else(|_| json!({})),
        None => json!({
            "state": "indexing", "files": 0, "chunks": 0, "generation": 0, "indexBytes": 0,
            "rssBytes": memory.rss, "rssAnonBytes": memory.anon, "rssFileBytes": memory.file,
            "cache": {"entries": 0, "hits": 0, "misses": 0, "exactHits": 0, "semanticHits": 0, "hitRate": 0.0},
            "latencyMs": {"count": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0},
            "workspace": ail_protocol::uri::file_uri(&folder.root),
            "skipped": {"binary": 0, "tooLarge": 0, "notUtf8": 0, "unreadable": 0, "symlink": 0, "special": 0},
            "embedder": "", "vectorIndex": "",
            "git": {"state": "reading", "commits": 0},
            "requests": 0, "errors": 0, "stagesMs": {},
        }),
    };
    if folder.is_busy() {
        value["state"] = json!("indexing");
    }
    if let Some(p) = *folder.progress.lock() {
        let phase = match p.phase {
            Phase::Walking => "walking",
            Phase::Indexing => "indexing",
            Phase::Embedding => "embedding",
            Phase::Saving => "saving",
        };
        value["indexing"] = json!({"phase": phase, "done": p.done, "total": p.total});
    }
    if let Some(why) = folder.failure.lock().clone() {
        value["indexError"] = json!(why);
    }
    value["name"] = json!(folder.name);
    value
}

fn text(status: &Value) -> String {
    let mut s = String::new();
    for f in status["folders"].as_array().into_iter().flatten() {
        s.push_str(&format!(
            "{} ({}): {}, {} files, {} chunks",
            f["name"].as_str().unwrap_or(""),
            f["workspace"].as_str().unwrap_or(""),
            f["state"].as_str().unwrap_or(""),
            f["files"],
            f["chunks"]
        ));
        if let Some(p) = f.get("indexing") {
            s.push_str(&format!(
                " ({} {}/{})",
                p["phase"].as_str().unwrap_or(""),
                p["done"],
                p["total"]
            ));
        }
        s.push_str(&format!(
            "; cache hit rate {:.2}; p50 {} ms, p95 {} ms",
            f["cache"]["hitRate"].as_f64().unwrap_or(0.0),
            f["latencyMs"]["p50"],
            f["latencyMs"]["p95"]
        ));
        if let Some(path) = f["indexPath"].as_str() {
            s.push_str(&format!("; index at {path}"));
        }
        if let Some(e) = f["indexError"].as_str() {
            s.push_str(&format!("; error: {e}"));
        }
        s.push('\n');
    }
    s
}
