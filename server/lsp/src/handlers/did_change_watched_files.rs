//! `workspace/didChangeWatchedFiles`: files changed on disk by anything but the editor.
//!
//! A deleted file leaves the index at once. Created and changed files are picked up by a
//! debounced refresh of their folder, which walks with the same ignore rules as the first
//! pass and re-reads only files whose size or mtime changed: indexing a path straight from
//! the event would also index build output and other ignored files that editors report.
//! Open documents are skipped: the editor's text is the truth for them.

use crate::convert;
use crate::indexer;
use crate::state::State;
use crate::workspace::Folder;
use std::sync::Arc;
use tower_lsp_server::ls_types::{DidChangeWatchedFilesParams, FileChangeType};

pub fn handle(state: &Arc<State>, params: DidChangeWatchedFilesParams) {
    let mut deleted: Vec<(Arc<Folder>, String)> = Vec::new();
    let mut to_refresh: Vec<Arc<Folder>> = Vec::new();
    for event in params.changes {
        if state.documents.snapshot(event.uri.as_str()).is_some() {
            continue;
        }
        let Some(path) = convert::uri_to_path(&event.uri) else {
            continue;
        };
        let Some((folder, rel)) = state.workspace.locate(&path) else {
            continue;
        };
        if rel.split('/').any(|part| part == ".git") || rel.is_empty() {
            continue;
        }
        if event.typ == FileChangeType::DELETED {
            deleted.push((folder, rel));
        } else if !to_refresh.iter().any(|f| Arc::ptr_eq(f, &folder)) {
            to_refresh.push(folder);
        }
    }
    // Busy before this handler returns, so `ail/status` cannot say "ready" in between.
    let busy: Vec<_> = deleted.iter().map(|(f, _)| f.busy()).collect();
    for folder in to_refresh {
        indexer::schedule_refresh(state, folder);
    }
    if deleted.is_empty() {
        return;
    }
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        for (folder, rel) in deleted {
            let removed = folder.engine().is_some_and(|e| e.remove_file(&rel));
            if !removed {
                // Not an indexed file: perhaps a directory, whose files a walk will miss.
                indexer::schedule_refresh(&state, folder);
            }
        }
        drop(busy);
    });
}
