//! `ail/reindex`: rebuild every folder's index from scratch in the background and answer
//! at once. The old index keeps answering until the new one is complete.

use crate::indexer::{self, Pass};
use crate::state::State;
use serde_json::Value;
use std::sync::Arc;
use tower_lsp_server::jsonrpc::Result;

pub fn handle(state: &Arc<State>) -> Result<Value> {
    indexer::start(state, state.workspace.folders(), Pass::Rebuild);
    Ok(Value::Null)
}
