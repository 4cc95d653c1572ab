//! `shutdown`: answer at once and stop background work; `exit` then ends the process with
//! code 0 (the transport checks the flag set here).

use crate::state::State;
use std::sync::atomic::Ordering;
use tower_lsp_server::jsonrpc::Result;

pub fn handle(state: &State) -> Result<()> {
    state.shutdown_requested.store(true, Ordering::Release);
    state.stop_everything();
    Ok(())
}
