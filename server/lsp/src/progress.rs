//! `$/progress` for indexing: begin, reports with a percentage and "N/M files", end.
//!
//! The indexing thread only ever writes the latest state into a watch channel; a spawned
//! task owns the conversation with the client. That task first asks
//! `window/workDoneProgress/create` and waits for the answer — if the client never answers,
//! only this task waits: indexing, handlers and the reader go on.

use crate::state::State;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::watch;
use tower_lsp_server::ls_types::{NumberOrString, ProgressToken};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub percentage: u32,
    pub message: String,
    pub finished: bool,
}

/// The indexing side of one progress token.
pub struct ProgressSender {
    tx: watch::Sender<Snapshot>,
}

impl ProgressSender {
    /// Record the latest state; percentages never go backwards.
    pub fn update(&self, percentage: u32, message: String) {
        self.tx.send_modify(|s| {
            s.percentage = s.percentage.max(percentage.min(100));
            s.message = message;
        });
    }

    pub fn finish(&self, message: String) {
        self.tx.send_modify(|s| {
            s.percentage = 100;
            s.message = message;
            s.finished = true;
        });
    }
}

impl Drop for ProgressSender {
    /// A pass that ends without saying so (a panic) still ends its progress.
    fn drop(&mut self) {
        self.tx.send_if_modified(|s| {
            let was = s.finished;
            s.finished = true;
            !was
        });
    }
}

static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

/// Start reporting under a new token, if the client supports work-done progress.
pub fn start(state: &State, title: &str, first_message: String) -> Option<ProgressSender> {
    if !state.caps().work_done_progress {
        return None;
    }
    let (tx, rx) = watch::channel(Snapshot {
        percentage: 0,
        message: first_message,
        finished: false,
    });
    let token = NumberOrString::String(format!(
        "ail/indexing/{}",
        NEXT_TOKEN.fetch_add(1, Ordering::Relaxed)
    ));
    let client = state.client.clone();
    let title = title.to_string();
    state.runtime.spawn(report(client, token, title, rx));
    Some(ProgressSender { tx })
}

async fn report(
    client: tower_lsp_server::Client,
    token: ProgressToken,
    title: String,
    mut rx: watch::Receiver<Snapshot>,
) {
    if let Err(e) = client.create_work_done_progress(token.clone()).await {
        tracing::debug!("the client refused a progress token: {e}");
        return;
    }
    let first = rx.borrow_and_update().clone();
    let progress = client
        .progress(token, title)
        .with_percentage(first.percentage)
        .with_message(first.message.clone())
        .begin()
        .await;
    // Always one report, even when indexing finished before the token was created.
    let mut last = first;
    progress
        .report_with_message(last.message.clone(), last.percentage)
        .await;
    while !last.finished {
        if rx.changed().await.is_err() {
            break;
        }
        let now = rx.borrow_and_update().clone();
        if now != last {
            progress
                .report_with_message(now.message.clone(), now.percentage)
                .await;
        }
        last = now;
    }
    progress.finish_with_message(last.message).await;
}
