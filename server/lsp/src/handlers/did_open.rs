//! `textDocument/didOpen`: keep the text, and index it right away (open documents first).

use crate::indexer;
use crate::state::State;
use std::sync::Arc;
use tower_lsp_server::ls_types::DidOpenTextDocumentParams;

pub fn handle(state: &Arc<State>, params: DidOpenTextDocumentParams) {
    let doc = params.text_document;
    let uri = doc.uri.as_str().to_string();
    state.documents.open(&uri, &doc.text, doc.version);
    let state = state.clone();
    tokio::task::spawn_blocking(move || indexer::reindex_document(&state, &uri));
}
