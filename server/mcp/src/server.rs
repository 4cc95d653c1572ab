//! The MCP server: `initialize` (tools capability), `tools/list`, and `tools/call`
//! dispatched to the tools with the call's cancellation token and progress token.
//! An unknown tool is a protocol error (as the specification asks); everything a model can
//! get wrong in its arguments is a tool error.

use crate::folders::Folders;
use crate::indexer::{self, Pass};
use crate::tools::{self, Call, Reporter, TestHooks};
use ail_engine::EngineConfig;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, InitializeResult, ListToolsResult,
    PaginatedRequestParams, RequestParamsMeta, ServerCapabilities, ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData as McpError, ServerHandler, ServiceExt};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub struct AilMcp {
    folders: Arc<Folders>,
    hooks: TestHooks,
}

const INSTRUCTIONS: &str = "AIL indexes this repository's code and git history. Call \
`context` with a question to find the relevant places (ranked, with code and permalinks) \
before reading files one by one; pass `file` (and `line`) when the question is about a \
specific file. `history` gives a file's commits and blame. The index builds in the \
background: answers flagged index.state \"indexing\" may be incomplete.";

impl ServerHandler for AilMcp {
    fn get_info(&self) -> ServerConfig {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("ail", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(tools::all()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let token = request
            .progress_token()
            .or_else(|| context.meta.get_progress_token());
        let call = Call {
            folders: self.folders.clone(),
            args: request.arguments.clone().unwrap_or_default(),
            ct: context.ct.clone(),
            progress: token.map(|t| Reporter::new(context.peer.clone(), t)),
            hooks: self.hooks,
        };
        let outcome = match request.name.as_ref() {
            "context" => tools::context::call(call).await,
            "history" => tools::history::call(call).await,
            "status" => tools::status::call(call).await,
            "reindex" => tools::reindex::call(call).await,
            other => {
                return Err(McpError::invalid_params(
                    format!(
                        "unknown tool {other:?}: the tools are context, history, status, reindex"
                    ),
                    None,
                ))
            }
        };
        Ok(outcome
            .unwrap_or_else(|message| tools::tool_error(format!("internal error: {message}")))
            .into())
    }
}

/// Open the folders, start indexing, and serve stdin/stdout until the client goes away.
pub async fn serve(config: EngineConfig, workspaces: Vec<PathBuf>) -> i32 {
    let folders = match Folders::open(config, workspaces) {
        Ok(f) => Arc::new(f),
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    indexer::start(&folders, Pass::First);
    // Building the o200k tokenizer takes a moment: do it now, not in the first answer.
    let _ = std::thread::Builder::new()
        .name("ail-tokenizer".into())
        .spawn(|| ail_protocol::budget::count_tokens("warm up"));
    let server = AilMcp {
        folders: folders.clone(),
        hooks: TestHooks::from_env(),
    };
    let code = match server.serve(rmcp::transport::stdio()).await {
        Ok(running) => match running.waiting().await {
            Ok(reason) => {
                tracing::info!("MCP session ended: {reason:?}");
                0
            }
            Err(e) => {
                tracing::error!("the MCP session failed: {e}");
                1
            }
        },
        Err(e) => {
            tracing::info!("no MCP session: {e}");
            0
        }
    };
    folders.stop();
    code
}
