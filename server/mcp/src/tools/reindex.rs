//! The `reindex` tool: rebuild every folder's index in the background. With `wait`, the
//! call returns when the rebuild is complete, reporting progress when the call carries a
//! progress token; cancelling the call stops the waiting, not the rebuild.

use super::{answer, Call, Outcome};
use crate::args;
use crate::indexer::{self, Pass};
use serde_json::{json, Value};

pub async fn call(call: Call) -> Outcome {
    let wait =
        match args::only(&call.args, &["wait"]).and_then(|_| args::boolean(&call.args, "wait")) {
            Ok(w) => w.unwrap_or(false),
            Err(message) => return Ok(super::tool_error(message)),
        };
    indexer::start(&call.folders, Pass::Rebuild);
    let mut cancelled = false;
    if wait {
        let mut ticks = call.folders.ticks.subscribe();
        while call.folders.any_busy() {
            if let Some(reporter) = &call.progress {
                reporter.indexing(&call.folders).await;
            }
            tokio::select! {
                _ = call.ct.cancelled() => { cancelled = true; break; }
                changed = ticks.changed() => if changed.is_err() { break; },
            }
        }
        if !cancelled {
            if let Some(reporter) = &call.progress {
                reporter.indexing(&call.folders).await;
            }
        }
    }
    let folders: Vec<Value> = call
        .folders
        .list
        .iter()
        .map(|f| {
            let (files, chunks) = f
                .engine()
                .map(|e| {
                    let s = e.status();
                    (s.files, s.chunks)
                })
                .unwrap_or((0, 0));
            let mut v = json!({
                "name": f.name,
                "workspace": ail_protocol::uri::file_uri(&f.root),
                "state": if f.is_busy() { "indexing" } else { "ready" },
                "files": files, "chunks": chunks,
            });
            if let Some(why) = f.failure.lock().clone() {
                v["indexError"] = json!(why);
            }
            v
        })
        .collect();
    let busy = call.folders.any_busy();
    let structured = json!({
        "state": if busy { "indexing" } else { "ready" },
        "waited": wait && !cancelled,
        "cancelled": cancelled,
        "folders": folders,
    });
    let text = if busy {
        "Rebuilding the index in the background; answers use the old index until it is done."
            .to_string()
    } else {
        let files: u64 = structured["folders"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["files"].as_u64())
            .sum();
        format!("Index rebuilt: {files} files.")
    };
    Ok(answer(text, structured))
}
