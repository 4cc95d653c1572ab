//! `ail mcp`: the engine served over the Model Context Protocol on stdin/stdout, for AI
//! assistants (Claude Code, Codex CLI, Cursor, VS Code...). Four tools: `context`,
//! `history`, `status`, `reindex`. Workspaces index in the background, with the same
//! engine, persisted index and answer cache as `ail lsp`; answers never wait for indexing.
//! The engine knows nothing of MCP: this crate turns tool calls into engine calls and
//! engine results into `ail_protocol` shapes.

mod args;
mod client_config;
mod folders;
mod indexer;
mod schema;
mod server;
mod tools;

pub use client_config::{client_config, CLIENTS};

use ail_engine::EngineConfig;
use std::path::PathBuf;

/// Serve `workspaces` (the current directory when empty) until the client closes stdin.
/// Returns the process exit code: 0 after a normal end, 2 when it could not start.
pub fn run_stdio(config: EngineConfig, workspaces: Vec<PathBuf>) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 2;
        }
    };
    let code = runtime.block_on(server::serve(config, workspaces));
    // A blocked stdin read or a finishing indexing pass must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    code
}
