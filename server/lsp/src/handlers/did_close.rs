//! `textDocument/didClose`: forget the text; the index goes back to the file on disk.
//! Closing a document that is not open is harmless.

use crate::convert;
use crate::indexer;
use crate::state::State;
use std::sync::Arc;
use tower_lsp_server::ls_types::DidCloseTextDocumentParams;

pub fn handle(state: &Arc<State>, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri;
    if !state.documents.close(uri.as_str()) {
        tracing::info!("ignored closing {}, which is not open", uri.as_str());
        return;
    }
    if let Some(path) = convert::uri_to_path(&uri) {
        let state = state.clone();
        tokio::task::spawn_blocking(move || indexer::reindex_from_disk(&state, &path));
    }
}
