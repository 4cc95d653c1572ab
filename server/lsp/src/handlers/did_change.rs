//! `textDocument/didChange`: apply the edits now, in arrival order, and re-index the
//! document once the user pauses.

use crate::documents::ChangeOutcome;
use crate::state::State;
use std::sync::Arc;
use std::time::Duration;
use tower_lsp_server::ls_types::DidChangeTextDocumentParams;

/// Idle time after the last edit before the document is indexed again.
const EDIT_DEBOUNCE: Duration = Duration::from_millis(300);

pub fn handle(state: &Arc<State>, params: DidChangeTextDocumentParams) {
    let uri = params.text_document.uri.as_str().to_string();
    let version = params.text_document.version;
    match state
        .documents
        .change(&uri, version, &params.content_changes, state.encoding())
    {
        ChangeOutcome::Applied(edits) => reindex_when_idle(state, uri, edits),
        ChangeOutcome::Stale { current, got } => {
            tracing::warn!("ignored a change to {uri}: version {got} is not newer than {current}")
        }
        ChangeOutcome::NotOpen => {
            tracing::info!("ignored a change to {uri}, which is not open")
        }
    }
}

fn reindex_when_idle(state: &Arc<State>, uri: String, edits: u64) {
    let state = state.clone();
    tokio::spawn(async move {
        tokio::time::sleep(EDIT_DEBOUNCE).await;
        if state.documents.edits(&uri) != Some(edits) {
            return; // a later edit schedules its own
        }
        let _ = tokio::task::spawn_blocking(move || crate::indexer::reindex_document(&state, &uri))
            .await;
    });
}
