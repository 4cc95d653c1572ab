//! `initialize`: negotiate the position encoding, read the client's capabilities and
//! settings, and learn the workspace folders. Nothing slow happens here: engines open in
//! the first indexing pass, after `initialized`.

use crate::convert::Encoding;
use crate::settings::Settings;
use crate::state::{ClientCaps, State};
use crate::workspace::Folder;
use std::sync::Arc;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

pub fn handle(state: &Arc<State>, params: InitializeParams) -> Result<InitializeResult> {
    let caps = &params.capabilities;
    let encoding = Encoding::negotiate(
        caps.general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref()),
    );
    *state.encoding.write() = encoding;
    let workspace_caps = caps.workspace.as_ref();
    *state.caps.write() = ClientCaps {
        work_done_progress: caps
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false),
        watched_files_dynamic: workspace_caps
            .and_then(|w| w.did_change_watched_files)
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false),
        configuration: workspace_caps
            .and_then(|w| w.configuration)
            .unwrap_or(false),
    };

    let (settings, warnings) = Settings::parse(
        params.initialization_options.as_ref(),
        &Settings::from_defaults(&state.defaults),
    );
    *state.settings.write() = settings;
    let mut deferred: Vec<(MessageType, String)> = warnings
        .into_iter()
        .map(|w| (MessageType::WARNING, format!("AIL: {w}")))
        .collect();

    for (uri, name) in requested_folders(&params) {
        match Folder::from_uri(&uri, name.as_deref()) {
            Ok(folder) => {
                state.workspace.add(folder);
            }
            Err(why) => deferred.push((MessageType::WARNING, format!("AIL: {why}"))),
        }
    }
    if state.workspace.is_empty() {
        deferred.push((
            MessageType::WARNING,
            "AIL: no workspace folder is open, so there is nothing to index; open a folder to search it".to_string(),
        ));
    }
    state.deferred_messages.lock().extend(deferred);

    Ok(InitializeResult {
        capabilities: capabilities(encoding),
        server_info: Some(ServerInfo {
            name: "ail".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
        offset_encoding: None,
    })
}

/// `workspaceFolders` when given, else the deprecated `rootUri`, else `rootPath`.
#[allow(deprecated)]
fn requested_folders(params: &InitializeParams) -> Vec<(Uri, Option<String>)> {
    if let Some(folders) = params.workspace_folders.as_ref().filter(|f| !f.is_empty()) {
        return folders
            .iter()
            .map(|f| (f.uri.clone(), Some(f.name.clone())))
            .collect();
    }
    if let Some(uri) = &params.root_uri {
        return vec![(uri.clone(), None)];
    }
    params
        .root_path
        .as_deref()
        .filter(|p| !p.is_empty())
        .and_then(Uri::from_file_path)
        .map(|uri| vec![(uri, None)])
        .unwrap_or_default()
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                will_save: None,
                will_save_wait_until: None,
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        experimental: Some(serde_json::json!({
            "ail": { "requests": ["ail/context", "ail/status", "ail/reindex"] }
        })),
        ..Default::default()
    }
}
