//! AIL's language server: the only crate that knows LSP. It converts positions and URIs,
//! keeps open documents, runs indexing in the background and dispatches requests to the
//! engine.
//!
//! # Why tower-lsp-server 0.23
//!
//! `tower-lsp` has had no release since 2023; `tower-lsp-server` is its maintained
//! continuation (used by Biome, Oxc and Harper), with the same `LanguageServer` trait in
//! native `async fn`, custom methods through `LspService::build(..).custom_method(..)`,
//! `$/cancelRequest` answered with RequestCancelled, the initialize/shutdown/exit state
//! machine, and progress helpers. It is pinned to `~0.23` because 0.24 changes the types
//! crate again. What it does not do, this crate does:
//!
//! - it ends the session on the first undecodable frame, so `transport` frames stdin
//!   itself and only passes checked messages on;
//! - it does not catch panics, so every request's work runs under `guard::run`;
//! - cancelling drops a request's future but not its blocking work, so jobs get a flag;
//! - handlers run concurrently, so document changes are applied before any `.await`;
//! - a handler awaiting a client reply can deadlock the reader, so such calls are spawned.
//!
//! # Code map
//!
//! `transport` (stdin/stdout, framing) -> `server` (the router) -> `handlers::*` (one per
//! method) -> `convert` (the LSP/engine boundary) -> the engine. `state` holds what the
//! handlers share; `documents`, `workspace`, `indexer`, `progress`, `settings`, `guard`,
//! `metrics` and `cursor` are the parts it is made of.

#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod convert;
mod cursor;
mod documents;
mod guard;
mod handlers;
mod hooks;
mod indexer;
mod metrics;
mod progress;
mod server;
mod settings;
mod state;
mod transport;
mod workspace;

use ail_engine::EngineConfig;

/// Serve LSP on stdin/stdout until the client exits. Returns the process exit code: 0 after
/// `shutdown` and `exit`, 1 when input ends otherwise, 2 when the server cannot start.
pub fn run_stdio(defaults: EngineConfig) -> i32 {
    guard::install_panic_hook();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("ail-lsp")
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!("cannot start the async runtime: {e}");
            return 2;
        }
    };
    let code = runtime.block_on(transport::serve_stdio(defaults));
    // Blocking work still running (an engine call past its cancel check) must not hold
    // the process open: the client has already been answered.
    runtime.shutdown_background();
    code
}
