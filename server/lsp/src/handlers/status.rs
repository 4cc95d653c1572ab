//! `ail/status`: what is indexed, how big it is, and how fast the server answers.
//!
//! The first folder's engine fills the documented fields (multi-root workspaces also get
//! `folders`, one entry each). `state` is "ready" only when no indexing pass is running or
//! scheduled for any folder, so "ready" means the answers reflect the files as last seen.
//! Optional extra fields: `folders`, `indexError`, `openDocuments`, `activeJobs`, `warnings`.

use crate::guard;
use crate::state::State;
use crate::workspace::Folder;
use ail_protocol::{memory_usage, StatusResult};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tower_lsp_server::jsonrpc::Result;

pub async fn handle(state: &Arc<State>) -> Result<Value> {
    let folders = state.workspace.folders();
    let latency = state.latency.stats();
    let open_documents = state.documents.len();
    let active_jobs = state.active_jobs.clone();
    guard::run(state, "status", move |_| {
        let entries: Vec<Value> = folders.iter().map(|f| folder_status(f)).collect();
        let mut status = match entries.first() {
            Some(first) => first.clone(),
            None => json!({
                "state": "ready", "files": 0, "chunks": 0, "generation": 0, "indexBytes": 0,
                "cache": { "entries": 0, "hits": 0, "misses": 0, "exactHits": 0, "semanticHits": 0, "hitRate": 0.0 },
                "workspace": "",
                "warnings": ["no workspace folder is open"],
            }),
        };
        if entries.len() > 1 {
            let any = |state: &str| entries.iter().any(|e| e["state"] == state);
            status["state"] = json!(if any("indexing") { "indexing" } else { "ready" });
            status["folders"] = Value::Array(entries.clone());
        }
        let memory = memory_usage();
        status["rssBytes"] = json!(memory.rss);
        status["rssAnonBytes"] = json!(memory.anon);
        status["rssFileBytes"] = json!(memory.file);
        status["latencyMs"] = json!(latency);
        // Counted last: this job itself is not one of them.
        status["openDocuments"] = json!(open_documents);
        status["activeJobs"] = json!(active_jobs.load(Ordering::Acquire).saturating_sub(1));
        Ok(status)
    })
    .await
}

fn folder_status(folder: &Folder) -> Value {
    let mut value = match folder.engine_and_generation_base() {
        Some((engine, base)) => {
            let mut s = StatusResult::from_status(&engine.status(), Default::default());
            s.generation += base;
            serde_json::to_value(s).unwrap_or_else(|_| json!({}))
        }
        None => json!({
            "state": "indexing", "files": 0, "chunks": 0, "generation": 0, "indexBytes": 0,
            "workspace": ail_protocol::uri::file_uri(&folder.root),
        }),
    };
    if folder.is_busy() {
        value["state"] = json!("indexing");
    }
    if let Some(why) = folder.failure.lock().clone() {
        value["indexError"] = json!(why);
    }
    value["name"] = json!(folder.name);
    value
}
