//! One module per LSP request or notification, named after the method. `server.rs` routes
//! to them; they convert through `convert` and call the engine.

pub mod context;
pub mod debug_document_text;
pub mod did_change;
pub mod did_change_configuration;
pub mod did_change_watched_files;
pub mod did_change_workspace_folders;
pub mod did_close;
pub mod did_open;
pub mod did_save;
pub mod hover;
pub mod initialize;
pub mod initialized;
pub mod reindex;
pub mod shutdown;
pub mod status;
