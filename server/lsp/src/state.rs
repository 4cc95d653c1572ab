//! Everything the server knows, shared by all handlers: the client handle, the negotiated
//! encoding and capabilities, settings, workspace folders with their engines, open
//! documents, request metrics and the flags that stop background work.

use crate::convert::Encoding;
use crate::documents::Documents;
pub use crate::hooks::TestHooks;
use crate::indexer::Indexer;
use crate::metrics::Latency;
use crate::settings::Settings;
use crate::workspace::Workspace;
use ail_engine::{CancelToken, EngineConfig};
use parking_lot::{Mutex, RwLock};
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::Arc;
use tower_lsp_server::ls_types::MessageType;
use tower_lsp_server::Client;

/// What the client said it can do, as far as the server cares.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientCaps {
    pub work_done_progress: bool,
    pub watched_files_dynamic: bool,
    pub configuration: bool,
}

pub struct State {
    pub client: Client,
    /// The command line's configuration, under the client's settings.
    pub defaults: EngineConfig,
    pub settings: RwLock<Settings>,
    pub encoding: RwLock<Encoding>,
    pub caps: RwLock<ClientCaps>,
    pub workspace: Workspace,
    pub documents: Documents,
    pub latency: Latency,
    /// Blocking request jobs running right now.
    pub active_jobs: Arc<AtomicUsize>,
    pub shutdown_requested: AtomicBool,
    /// Cancelled on shutdown, exit or end of input: every job and indexing pass holds a
    /// child of it, so all of them stop.
    pub stopping: CancelToken,
    /// Messages for the user that arrived before the client could be told (during
    /// `initialize`); sent on `initialized`.
    pub deferred_messages: Mutex<Vec<(MessageType, String)>>,
    pub hooks: TestHooks,
    pub indexer: Indexer,
    /// For background threads that need to talk to the client.
    pub runtime: tokio::runtime::Handle,
}

impl State {
    pub fn new(client: Client, mut defaults: EngineConfig, hooks: TestHooks) -> State {
        if let Some(budget) = hooks.latency_budget_ms {
            defaults.budgets.p95_ms = budget;
        }
        State {
            client,
            settings: RwLock::new(Settings::from_defaults(&defaults)),
            defaults,
            encoding: RwLock::new(Encoding::Utf16),
            caps: RwLock::new(ClientCaps::default()),
            workspace: Workspace::default(),
            documents: Documents::default(),
            latency: Latency::default(),
            active_jobs: Arc::new(AtomicUsize::new(0)),
            shutdown_requested: AtomicBool::new(false),
            stopping: CancelToken::new(),
            deferred_messages: Mutex::new(Vec::new()),
            hooks,
            indexer: Indexer::default(),
            runtime: tokio::runtime::Handle::current(),
        }
    }

    pub fn encoding(&self) -> Encoding {
        *self.encoding.read()
    }

    pub fn caps(&self) -> ClientCaps {
        *self.caps.read()
    }

    pub fn engine_config(&self) -> EngineConfig {
        self.settings.read().engine_config(&self.defaults)
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.is_cancelled()
    }

    /// Stop all background work: indexing passes and request jobs see it at their next check.
    pub fn stop_everything(&self) {
        self.stopping.cancel();
        self.indexer.cancel_all();
    }

    /// Show `message` to the user without waiting: from any thread, at any time.
    pub fn show_message(&self, typ: MessageType, message: String) {
        let client = self.client.clone();
        self.runtime.spawn(async move {
            client.show_message(typ, message).await;
        });
    }
}
