//! `workspace/didChangeWorkspaceFolders`: forget removed folders, index added ones.

use crate::convert;
use crate::indexer::{self, Pass};
use crate::state::State;
use crate::workspace::Folder;
use std::sync::Arc;
use tower_lsp_server::ls_types::{DidChangeWorkspaceFoldersParams, MessageType};

pub fn handle(state: &Arc<State>, params: DidChangeWorkspaceFoldersParams) {
    for removed in &params.event.removed {
        let root = convert::uri_to_path(&removed.uri).and_then(|p| std::fs::canonicalize(p).ok());
        state
            .workspace
            .remove(removed.uri.as_str(), root.as_deref());
    }
    let mut added = Vec::new();
    for folder in &params.event.added {
        match Folder::from_uri(&folder.uri, Some(&folder.name)) {
            Ok(folder) => added.extend(state.workspace.add(folder)),
            Err(why) => state.show_message(MessageType::WARNING, format!("AIL: {why}")),
        }
    }
    indexer::start(state, added, Pass::First);
}
