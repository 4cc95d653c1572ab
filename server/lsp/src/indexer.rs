//! Background indexing: passes over workspace folders on their own threads, and the
//! re-indexing of single open documents.
//!
//! A pass never blocks a request: engines answer from whatever they hold (partial and
//! flagged during the first pass), and a rebuild swaps in its new engine only when done.
//! Open documents are indexed before the walk (so the files the user is looking at answer
//! first) and again after it (so the editor's unsaved text wins over the disk).

use crate::convert;
use crate::guard::panic_message;
use crate::progress;
use crate::state::State;
use crate::workspace::Folder;
use ail_engine::{CancelToken, Engine, EngineConfig, EngineError, Phase, Progress, RefreshReport};
use parking_lot::Mutex;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tower_lsp_server::ls_types::MessageType;

/// How long watched-file events gather before one refresh handles them all.
const WATCH_DEBOUNCE: Duration = Duration::from_millis(200);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// Open the engine (loading a persisted index when valid) and catch up with the disk.
    First,
    /// Catch up with the disk (after watched-file events).
    Refresh,
    /// A new engine with the current settings, swapped in when it has caught up.
    Reopen,
    /// Like `Reopen`, but the persisted index is dropped first: everything is read again.
    Rebuild,
}

#[derive(Default)]
pub struct Indexer {
    /// Cancel tokens of the passes running now.
    passes: Mutex<Vec<CancelToken>>,
    /// Folders (by root) with a debounced refresh scheduled.
    scheduled: Mutex<Vec<std::path::PathBuf>>,
}

impl Indexer {
    pub fn cancel_all(&self) {
        for token in self.passes.lock().iter() {
            token.cancel();
        }
    }

    /// A token for a new pass, cancelled by `cancel_all` or by the server stopping.
    fn register(&self, stopping: &CancelToken) -> CancelToken {
        let token = stopping.child();
        self.passes.lock().push(token.clone());
        token
    }

    fn unregister(&self, token: &CancelToken) {
        self.passes.lock().retain(|t| !t.same_as(token));
    }
}

/// Start a pass over `folders` on a new thread. `Reopen` and `Rebuild` cancel the passes
/// running before them: their results would be replaced anyway.
pub fn start(state: &Arc<State>, folders: Vec<Arc<Folder>>, pass: Pass) {
    if folders.is_empty() || state.is_stopping() {
        return;
    }
    if matches!(pass, Pass::Reopen | Pass::Rebuild) {
        state.indexer.cancel_all();
    }
    let cancel = state.indexer.register(&state.stopping);
    // Busy from now, so that `ail/status` never says "ready" before the pass has begun.
    let busy: Vec<_> = folders.iter().map(|f| f.busy()).collect();
    let state = state.clone();
    let spawned = std::thread::Builder::new()
        .name("ail-index".to_string())
        .spawn(move || {
            run_pass(&state, &folders, pass, &cancel);
            state.indexer.unregister(&cancel);
            drop(busy);
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start an indexing thread: {e}");
    }
}

/// Refresh `folder` once watched-file events stop arriving for a moment.
pub fn schedule_refresh(state: &Arc<State>, folder: Arc<Folder>) {
    {
        let mut scheduled = state.indexer.scheduled.lock();
        if scheduled.contains(&folder.root) {
            return;
        }
        scheduled.push(folder.root.clone());
    }
    let busy = folder.busy();
    let state2 = state.clone();
    state.runtime.spawn(async move {
        tokio::time::sleep(WATCH_DEBOUNCE).await;
        state2
            .indexer
            .scheduled
            .lock()
            .retain(|r| *r != folder.root);
        start(&state2, vec![folder], Pass::Refresh);
        drop(busy);
    });
}

fn run_pass(state: &Arc<State>, folders: &[Arc<Folder>], pass: Pass, cancel: &CancelToken) {
    let reporter = match pass {
        Pass::Refresh => None,
        _ => progress::start(state, "AIL: indexing", "0/0 files".to_string()),
    };
    let count = folders.len();
    let mut total_files = 0usize;
    for (i, folder) in folders.iter().enumerate() {
        if cancel.is_cancelled() {
            break;
        }
        let on_progress = |p: Progress| {
            if state.hooks.panics_in("indexer") {
                panic!("injected test panic in indexer (AIL_TEST_PANIC)");
            }
            if let Some(r) = &reporter {
                let (pct, message) = describe(p, i, count, &folder.name);
                r.update(pct, message);
            }
        };
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            index_folder(state, folder, pass, cancel, &on_progress)
        }));
        match outcome {
            Ok(Ok(report)) => {
                *folder.failure.lock() = None;
                total_files += report.files;
                tracing::info!(
                    "indexed {}: {} files, {} chunks ({} read, {} removed) in {:.1}s",
                    folder.root.display(),
                    report.files,
                    report.chunks,
                    report.updated,
                    report.removed,
                    report.seconds
                );
            }
            Ok(Err(EngineError::Cancelled)) => {}
            Ok(Err(e)) => fail(
                state,
                folder,
                format!("indexing {} failed: {e}", folder.name),
            ),
            Err(payload) => fail(
                state,
                folder,
                format!(
                    "indexing {} panicked: {}; answers use the last good index",
                    folder.name,
                    panic_message(payload.as_ref())
                ),
            ),
        }
    }
    if let Some(r) = reporter {
        r.finish(format!("{total_files}/{total_files} files"));
    }
}

/// Remember the failure for `ail/status` and tell the user once.
fn fail(state: &State, folder: &Folder, message: String) {
    tracing::error!("{message}");
    *folder.failure.lock() = Some(message.clone());
    state.show_message(MessageType::ERROR, format!("AIL: {message}"));
}

/// The overall percentage and the message for one engine progress report.
fn describe(p: Progress, folder: usize, folders: usize, name: &str) -> (u32, String) {
    let within = match p.phase {
        Phase::Walking => 0.0,
        Phase::Indexing => 90.0 * p.done as f64 / p.total.max(1) as f64,
        Phase::Embedding => 92.0,
        Phase::Saving => 96.0,
    };
    let pct = (folder as f64 * 100.0 + within) / folders.max(1) as f64;
    let files = match p.phase {
        Phase::Walking => "walking: 0/0 files".to_string(),
        Phase::Indexing => format!("{}/{} files", p.done, p.total),
        Phase::Embedding => format!("embedding: {}/{} files", p.total, p.total),
        Phase::Saving => "saving the index: 1/1 files".to_string(),
    };
    let message = if folders > 1 {
        format!("{name}: {files}")
    } else {
        files
    };
    (pct.floor() as u32, message)
}

fn index_folder(
    state: &Arc<State>,
    folder: &Arc<Folder>,
    pass: Pass,
    cancel: &CancelToken,
    on_progress: &dyn Fn(Progress),
) -> Result<RefreshReport, EngineError> {
    let current = folder.engine();
    let engine = match (pass, current) {
        (Pass::First | Pass::Refresh, Some(engine)) => engine,
        (Pass::Rebuild, current) => {
            if let Some(path) = current.and_then(|e| e.status().index_path) {
                if let Err(e) = std::fs::remove_file(&path) {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        tracing::warn!("cannot drop the index at {}: {e}", path.display());
                    }
                }
            }
            // The serving engine answers until the new one is done: the new pass gets
            // the part of the budget this process does not already hold.
            let mut config = state.engine_config();
            let held = ail_protocol::memory_usage().anon as usize;
            let floor = (ail_engine::config::MIN_MEMORY_BUDGET_MB as usize) << 20;
            config.memory_budget = config.memory_budget.saturating_sub(held).max(floor);
            Arc::new(open_engine(state, &folder.root, config)?)
        }
        _ => Arc::new(open_engine(state, &folder.root, state.engine_config())?),
    };
    if folder.engine().is_none() {
        // The first pass serves partial answers at once.
        folder.set_engine(engine.clone());
    }
    if pass != Pass::Refresh {
        index_open_documents(state, folder, &engine);
    }
    let report = engine.refresh(on_progress, cancel)?;
    if !folder
        .engine()
        .is_some_and(|current| Arc::ptr_eq(&current, &engine))
    {
        folder.set_engine(engine.clone());
    }
    index_open_documents(state, folder, &engine);
    Ok(report)
}

/// Open an engine with the current settings. A model that cannot load falls back to the
/// built-in embedder, with a warning, rather than leaving the folder unindexed.
fn open_engine(state: &State, root: &Path, config: EngineConfig) -> Result<Engine, EngineError> {
    let engine = open_engine_with_model_fallback(state, root, config)?;
    engine.set_cache_config(state.settings.read().cache_config());
    Ok(engine)
}

fn open_engine_with_model_fallback(
    state: &State,
    root: &Path,
    config: EngineConfig,
) -> Result<Engine, EngineError> {
    match Engine::open(root, config.clone()) {
        Err(EngineError::Model(why)) => {
            state.show_message(
                MessageType::WARNING,
                format!(
                    "AIL: cannot load the embedding model ({why}); using the built-in embedder"
                ),
            );
            Engine::open(
                root,
                EngineConfig {
                    model_dir: None,
                    ..config
                },
            )
        }
        other => other,
    }
}

/// Index the editor's text of every open document inside `folder`.
fn index_open_documents(state: &State, folder: &Arc<Folder>, engine: &Engine) {
    for uri in state.documents.uris() {
        let Some(path) = convert::uri_text_to_path(&uri) else {
            continue;
        };
        match state.workspace.locate(&path) {
            Some((owner, rel)) if Arc::ptr_eq(&owner, folder) => {
                index_document_text(state, &uri, engine, &rel);
            }
            _ => {}
        }
    }
}

/// Re-index one open document from its newest text (debounced edits, saves).
pub fn reindex_document(state: &State, uri: &str) {
    let Some(path) = convert::uri_text_to_path(uri) else {
        return;
    };
    let Some((folder, rel)) = state.workspace.locate(&path) else {
        return;
    };
    let Some(engine) = folder.engine() else {
        return; // the first pass will pick it up
    };
    index_document_text(state, uri, &engine, &rel);
}

fn index_document_text(state: &State, uri: &str, engine: &Engine, rel: &str) {
    let Some(lock) = state.documents.index_lock(uri) else {
        return;
    };
    let _in_order = lock.lock();
    // Read the text under the lock: whoever holds it last indexes the newest text.
    let Some((text, edits)) = state.documents.snapshot_for_index(uri) else {
        return;
    };
    engine.update_file(rel, Some(&text.to_string()));
    state.documents.mark_indexed(uri, edits);
}

/// Before a question about `folders` is answered: index every open document in them whose
/// newest edits are not indexed yet (the debounce has not fired, or `didOpen`'s indexing
/// has not run), so the answer sees every change that arrived before the question.
pub fn index_pending_documents(state: &State, folders: &[Arc<Folder>]) {
    for uri in state.documents.pending() {
        let Some(path) = convert::uri_text_to_path(&uri) else {
            continue;
        };
        let Some((folder, rel)) = state.workspace.locate(&path) else {
            continue;
        };
        if !folders.iter().any(|f| Arc::ptr_eq(f, &folder)) {
            continue;
        }
        if let Some(engine) = folder.engine() {
            index_document_text(state, &uri, &engine, &rel);
        }
    }
}

/// A closed document goes back to its disk content (its unsaved edits are gone).
pub fn reindex_from_disk(state: &State, path: &Path) {
    if let Some((folder, rel)) = state.workspace.locate(path) {
        if let Some(engine) = folder.engine() {
            engine.update_file(&rel, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_messages_count_files_and_percentages_grow_across_folders() {
        let p = |phase, done, total| Progress { phase, done, total };
        assert_eq!(
            describe(p(Phase::Indexing, 50, 100), 0, 1, "a"),
            (45, "50/100 files".to_string())
        );
        let (pct, msg) = describe(p(Phase::Indexing, 0, 10), 1, 2, "b");
        assert_eq!((pct, msg.as_str()), (50, "b: 0/10 files"));
        assert_eq!(describe(p(Phase::Saving, 0, 1), 0, 1, "a").0, 96);
    }
}
