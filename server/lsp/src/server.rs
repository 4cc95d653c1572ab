//! The router: which handler serves each LSP method, and how it runs.
//!
//! - Document notifications (`didOpen`, `didChange`, `didClose`) mutate the open documents
//!   synchronously, before any `.await`, so edits apply in arrival order.
//! - Requests that compute (`hover`, `ail/context`, `ail/status`) do their work through
//!   `guard::run`: on a blocking thread, panic-guarded, cancellable.
//! - Everything else is quick and synchronous, and runs under `guard::contain`.
//! - Anything that needs a reply from the client (progress tokens, watcher registration,
//!   configuration pulls) is spawned and never awaited by a handler.

use crate::guard::{contain, contain_request};
use crate::handlers;
use crate::state::{State, TestHooks};
use ail_engine::EngineConfig;
use ail_protocol::ContextResult;
use serde_json::Value;
use std::sync::Arc;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{ClientSocket, LanguageServer, LspService};

pub struct Backend {
    pub state: Arc<State>,
}

/// The service with AIL's custom methods; `ail/debug/*` only when the test hooks are on.
pub fn build(defaults: EngineConfig, hooks: TestHooks) -> (LspService<Backend>, ClientSocket) {
    let debug = hooks.enabled;
    let builder = LspService::build(|client| Backend {
        state: Arc::new(State::new(client, defaults, hooks)),
    })
    .custom_method("ail/context", Backend::context)
    .custom_method("ail/status", Backend::status)
    .custom_method("ail/reindex", Backend::reindex);
    let builder = if debug {
        builder.custom_method("ail/debug/documentText", Backend::debug_document_text)
    } else {
        builder
    };
    builder.finish()
}

impl Backend {
    async fn context(&self, params: Value) -> Result<ContextResult> {
        handlers::context::handle(&self.state, params).await
    }

    /// Params are ignored (`null`, `{}` or none are all fine).
    async fn status(&self, _params: Value) -> Result<Value> {
        handlers::status::handle(&self.state).await
    }

    async fn reindex(&self, _params: Value) -> Result<Value> {
        contain_request("ail/reindex", || handlers::reindex::handle(&self.state))
    }

    async fn debug_document_text(&self, params: Value) -> Result<Value> {
        contain_request("ail/debug/documentText", || {
            handlers::debug_document_text::handle(&self.state, params)
        })
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        contain_request("initialize", || {
            handlers::initialize::handle(&self.state, params)
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        contain("initialized", || handlers::initialized::handle(&self.state));
    }

    async fn shutdown(&self) -> Result<()> {
        contain_request("shutdown", || handlers::shutdown::handle(&self.state))
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        contain("didOpen", || {
            handlers::did_open::handle(&self.state, params)
        });
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        contain("didChange", || {
            handlers::did_change::handle(&self.state, params)
        });
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        contain("didSave", || {
            handlers::did_save::handle(&self.state, params)
        });
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        contain("didClose", || {
            handlers::did_close::handle(&self.state, params)
        });
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        handlers::hover::handle(&self.state, params).await
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        contain("didChangeConfiguration", || {
            handlers::did_change_configuration::handle(&self.state, params)
        });
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        contain("didChangeWatchedFiles", || {
            handlers::did_change_watched_files::handle(&self.state, params)
        });
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        contain("didChangeWorkspaceFolders", || {
            handlers::did_change_workspace_folders::handle(&self.state, params)
        });
    }
}
