//! `ail/debug/documentText` (only with `AIL_TEST_HOOKS=1`): the server's copy of an open
//! document, so tests can check that every edit landed exactly.

use crate::convert::invalid_params;
use crate::state::State;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::Result;

pub fn handle(state: &State, params: Value) -> Result<Value> {
    let uri = params
        .get("uri")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_params("uri: expected the document's URI as a string"))?;
    Ok(match state.documents.snapshot(uri) {
        Some((text, version)) => json!({ "text": text.to_string(), "version": version }),
        None => Value::Null,
    })
}
