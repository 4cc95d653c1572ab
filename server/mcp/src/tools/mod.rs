//! The four tools: their definitions (name, description, schemas, hints) and what a call
//! shares with every tool: its arguments, cancellation, progress reporting, and how a result
//! or a tool error is written.

pub mod context;
pub mod history;
pub mod reindex;
pub mod status;

use crate::args::Args;
use crate::folders::Folders;
use crate::schema;
use ail_engine::Phase;
use rmcp::model::{
    CallToolResult, ContentBlock, ProgressNotificationParam, ProgressToken, Tool, ToolAnnotations,
};
use rmcp::service::{Peer, RoleServer};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Everything one tool call works with.
pub struct Call {
    pub folders: Arc<Folders>,
    pub args: Args,
    /// Cancelled by `notifications/cancelled` for this request.
    pub ct: CancellationToken,
    pub progress: Option<Reporter>,
    pub hooks: TestHooks,
}

/// A tool's answer, or the message of a tool error (which names the argument at fault).
pub type Outcome = Result<CallToolResult, String>;

pub fn all() -> Vec<Tool> {
    let read_only = ToolAnnotations::new()
        .read_only(true)
        .destructive(false)
        .idempotent(true)
        .open_world(false);
    vec![
        Tool::new(
            "context",
            "Find the places in this repository's code that answer a question, ranked, with \
             their code, citations (permalinks), a confidence and a summary; with a file \
             (and line), also that file's git history and blame. Call it before reading or \
             changing code you have not seen: to locate where something is implemented, \
             configured or tested, or to see related code around a file. The answer fits \
             maxTokens; while the repository is still being indexed it is flagged \
             (index.state \"indexing\") and may miss places.",
            schema::object(schema::context_input()),
        )
        .with_title("Repository context")
        .with_raw_output_schema(schema::object(schema::context_output()))
        .with_annotations(read_only.clone()),
        Tool::new(
            "history",
            "A file's git history (recent commits with authors, dates and summaries; who \
             changed it most) and, for a line range, the blame of those lines. Call it to \
             learn why code is the way it is, who knows it, or what changed recently.",
            schema::object(schema::history_input()),
        )
        .with_title("File history and blame")
        .with_raw_output_schema(schema::object(schema::history_output()))
        .with_annotations(read_only.clone()),
        Tool::new(
            "status",
            "What is indexed (files, chunks, skipped files), whether indexing is still \
             running and how far it got, where the index lives, the answer cache's hit rate \
             and answer latency. Call it when answers look incomplete or stale.",
            schema::object(schema::empty_input()),
        )
        .with_title("Index status")
        .with_raw_output_schema(schema::object(schema::status_output()))
        .with_annotations(read_only),
        Tool::new(
            "reindex",
            "Rebuild the index of every workspace folder from scratch, in the background; \
             answers keep coming from the old index until the new one is complete. Rarely \
             needed (changes on disk are picked up); call it when status reports an \
             index error or answers cite code that no longer exists.",
            schema::object(schema::reindex_input()),
        )
        .with_title("Rebuild the index")
        .with_raw_output_schema(schema::object(schema::reindex_output()))
        .with_annotations(
            ToolAnnotations::new()
                .read_only(false)
                .destructive(false)
                .idempotent(true)
                .open_world(false),
        ),
    ]
}

pub fn tool_error(message: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message.into())])
}

/// A result with `text` for the model to read and `structured` for programs.
pub fn answer(text: String, structured: Value) -> CallToolResult {
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(structured);
    result
}

/// Sends `notifications/progress` for the call's progress token; the value only grows.
pub struct Reporter {
    pub peer: Peer<RoleServer>,
    pub token: ProgressToken,
    last: parking_lot::Mutex<f64>,
}

impl Reporter {
    pub fn new(peer: Peer<RoleServer>, token: ProgressToken) -> Reporter {
        Reporter {
            peer,
            token,
            last: parking_lot::Mutex::new(-1.0),
        }
    }

    /// Report the indexing of `folders` as a percentage; skipped when it did not grow.
    pub async fn indexing(&self, folders: &Folders) {
        let (pct, message) = indexing_progress(folders);
        {
            let mut last = self.last.lock();
            if pct <= *last {
                return;
            }
            *last = pct;
        }
        let param = ProgressNotificationParam::new(self.token.clone(), pct)
            .with_total(100.0)
            .with_message(message);
        if let Err(e) = self.peer.notify_progress(param).await {
            tracing::debug!("cannot send progress: {e}");
        }
    }
}

/// Overall indexing progress of every folder (0..100) and a message such as
/// "indexing: 120/400 files".
pub fn indexing_progress(folders: &Folders) -> (f64, String) {
    let n = folders.list.len().max(1) as f64;
    let mut pct = 0.0;
    let mut messages = Vec::new();
    for f in &folders.list {
        let (within, message) = match *f.progress.lock() {
            None if f.is_busy() => (0.0, "starting".to_string()),
            None => (100.0, "ready".to_string()),
            Some(p) => match p.phase {
                Phase::Walking => (1.0, "walking the files".to_string()),
                Phase::Indexing => (
                    1.0 + 89.0 * p.done as f64 / p.total.max(1) as f64,
                    format!("indexing: {}/{} files", p.done, p.total),
                ),
                Phase::Embedding => (92.0, "embedding".to_string()),
                Phase::Saving => (96.0, "saving the index".to_string()),
            },
        };
        pct += within / n;
        messages.push(if folders.list.len() > 1 {
            format!("{}: {message}", f.name)
        } else {
            message
        });
    }
    ((pct * 10.0).floor() / 10.0, messages.join("; "))
}

/// Test-only switches, read from the environment once at start (the same ones as `ail lsp`).
#[derive(Clone, Copy, Debug, Default)]
pub struct TestHooks {
    /// `AIL_TEST_HOOKS=1` and `AIL_TEST_DELAY_MS=N`: `context` waits N ms, watching for
    /// cancellation, before asking the engine. Makes cancellation observable in tests.
    pub context_delay: Duration,
}

impl TestHooks {
    pub fn from_env() -> TestHooks {
        let enabled = std::env::var("AIL_TEST_HOOKS").is_ok_and(|v| v == "1");
        let context_delay = std::env::var("AIL_TEST_DELAY_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|_| enabled)
            .map_or(Duration::ZERO, Duration::from_millis);
        TestHooks { context_delay }
    }
}

/// Run blocking engine work off the async threads; a panic becomes a tool error.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => {
            tracing::error!("a tool call panicked: {e}");
            Err("internal error: the call failed; the server is still running, try again".into())
        }
        Err(e) => Err(format!("internal error: {e}")),
    }
}
