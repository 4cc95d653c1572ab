//! `initialized`: tell the user what `initialize` could not, watch the workspace's files,
//! and start indexing. Everything that waits on the client is spawned.

use crate::indexer::{self, Pass};
use crate::state::State;
use std::sync::Arc;
use tower_lsp_server::ls_types::Registration;

pub fn handle(state: &Arc<State>) {
    let messages: Vec<_> = std::mem::take(&mut *state.deferred_messages.lock());
    for (typ, message) in messages {
        state.show_message(typ, message);
    }
    if state.caps().watched_files_dynamic {
        let client = state.client.clone();
        state.runtime.spawn(async move {
            let registration = Registration {
                id: "ail-watched-files".to_string(),
                method: "workspace/didChangeWatchedFiles".to_string(),
                register_options: Some(serde_json::json!({
                    "watchers": [ { "globPattern": "**/*" } ]
                })),
            };
            if let Err(e) = client.register_capability(vec![registration]).await {
                tracing::warn!("the client did not let us watch files: {e}");
            }
        });
    }
    indexer::start(state, state.workspace.folders(), Pass::First);
}
