//! `textDocument/didSave`: index the saved document now, without waiting for the debounce.

use crate::indexer;
use crate::state::State;
use std::sync::Arc;
use tower_lsp_server::ls_types::DidSaveTextDocumentParams;

pub fn handle(state: &Arc<State>, params: DidSaveTextDocumentParams) {
    let uri = params.text_document.uri.as_str().to_string();
    let state = state.clone();
    tokio::task::spawn_blocking(move || indexer::reindex_document(&state, &uri));
}
