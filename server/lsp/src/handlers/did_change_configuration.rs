//! `workspace/didChangeConfiguration`: re-read the settings. Clients that only say "it
//! changed" (settings `null`) are asked for the `ail` section, from a spawned task. Index
//! settings that changed reopen every engine in the background.

use crate::indexer::{self, Pass};
use crate::settings::Settings;
use crate::state::State;
use serde_json::Value;
use std::sync::Arc;
use tower_lsp_server::ls_types::{ConfigurationItem, DidChangeConfigurationParams, MessageType};

pub fn handle(state: &Arc<State>, params: DidChangeConfigurationParams) {
    let pushed = match &params.settings {
        Value::Null => false,
        Value::Object(map) => !map.is_empty(),
        _ => true,
    };
    if pushed {
        apply(state, &params.settings);
    } else if state.caps().configuration {
        let state = state.clone();
        tokio::spawn(async move {
            let items = vec![ConfigurationItem {
                scope_uri: None,
                section: Some("ail".to_string()),
            }];
            match state.client.configuration(items).await {
                Ok(values) => {
                    if let Some(value) = values.first() {
                        apply(&state, value);
                    }
                }
                Err(e) => tracing::warn!("the client did not send its AIL settings: {e}"),
            }
        });
    }
}

/// Settings are read over the defaults, so a setting the user removed returns to its default.
fn apply(state: &Arc<State>, value: &Value) {
    let (new, warnings) = Settings::parse(Some(value), &Settings::from_defaults(&state.defaults));
    for w in warnings {
        state.show_message(MessageType::WARNING, format!("AIL: {w}"));
    }
    let reindex = {
        let mut current = state.settings.write();
        let reindex = current.affects_index(&new);
        *current = new;
        reindex
    };
    if reindex {
        tracing::info!("index settings changed: reopening the workspace folders");
        indexer::start(state, state.workspace.folders(), Pass::Reopen);
    } else {
        // Cache switches apply to the running engines at once.
        let cache = state.settings.read().cache_config();
        for engine in state.workspace.folders().iter().filter_map(|f| f.engine()) {
            engine.set_cache_config(cache.clone());
        }
    }
}
