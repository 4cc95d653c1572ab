//! Background indexing for `ail mcp`: one thread per pass over every folder. The first pass
//! opens each engine (loading its persisted index when valid), serves it at once, and
//! catches up with the disk; a rebuild drops the persisted index and swaps its new engine in
//! only when complete, so answers keep coming from the old one meanwhile.

use crate::folders::{Folder, Folders};
use ail_engine::{CancelToken, Engine, EngineConfig, EngineError, RefreshReport};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    First,
    Rebuild,
}

/// Start a pass over every folder on a new thread. A rebuild cancels the passes before it.
pub fn start(folders: &Arc<Folders>, pass: Pass) {
    if folders.stopping.load(Ordering::Acquire) {
        return;
    }
    if pass == Pass::Rebuild {
        for token in folders.passes.lock().iter() {
            token.cancel();
        }
    }
    let cancel = CancelToken::new();
    folders.passes.lock().push(cancel.clone());
    // Busy from now, so that `status` never says "ready" before the pass has begun.
    let busy: Vec<_> = folders.list.iter().map(|f| f.busy()).collect();
    let all = folders.clone();
    let spawned = std::thread::Builder::new()
        .name("ail-index".into())
        .spawn(move || {
            for folder in &all.list {
                if cancel.is_cancelled() {
                    break;
                }
                run_folder(&all, folder, pass, &cancel);
            }
            all.passes.lock().retain(|t| !t.same_as(&cancel));
            drop(busy);
            all.tick();
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start an indexing thread: {e}");
    }
}

fn run_folder(folders: &Folders, folder: &Arc<Folder>, pass: Pass, cancel: &CancelToken) {
    let on_progress = |p| {
        *folder.progress.lock() = Some(p);
        folders.tick();
    };
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        index_folder(folders, folder, pass, cancel, &on_progress)
    }));
    *folder.progress.lock() = None;
    match outcome {
        Ok(Ok(r)) => {
            *folder.failure.lock() = None;
            tracing::info!(
                "indexed {}: {} files, {} chunks ({} read, {} removed) in {:.1}s",
                folder.root.display(),
                r.files,
                r.chunks,
                r.updated,
                r.removed,
                r.seconds
            );
        }
        Ok(Err(EngineError::Cancelled)) => {}
        Ok(Err(e)) => fail(folder, format!("indexing {} failed: {e}", folder.name)),
        Err(_) => fail(
            folder,
            format!(
                "indexing {} panicked; answers use the last good index",
                folder.name
            ),
        ),
    }
}

fn fail(folder: &Folder, message: String) {
    tracing::error!("{message}");
    *folder.failure.lock() = Some(message);
}

fn index_folder(
    folders: &Folders,
    folder: &Arc<Folder>,
    pass: Pass,
    cancel: &CancelToken,
    on_progress: &dyn Fn(ail_engine::Progress),
) -> Result<RefreshReport, EngineError> {
    let engine = match (pass, folder.engine()) {
        (Pass::First, Some(engine)) => engine,
        (Pass::Rebuild, current) => {
            if let Some(path) = current.and_then(|e| e.status().index_path) {
                if let Err(e) = std::fs::remove_file(&path) {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        tracing::warn!("cannot drop the index at {}: {e}", path.display());
                    }
                }
            }
            Arc::new(open_engine(&folders.config, folder)?)
        }
        (Pass::First, None) => Arc::new(open_engine(&folders.config, folder)?),
    };
    if folder.engine().is_none() {
        // The first pass answers from what it has indexed so far.
        folder.set_engine(engine.clone());
    }
    let report = engine.refresh(on_progress, cancel)?;
    folder.set_engine(engine);
    Ok(report)
}

/// An engine with `config`; a model that cannot load falls back to the built-in embedder
/// rather than leaving the folder unindexed.
fn open_engine(config: &EngineConfig, folder: &Folder) -> Result<Engine, EngineError> {
    match Engine::open(&folder.root, config.clone()) {
        Err(EngineError::Model(why)) => {
            tracing::warn!("cannot load the embedding model ({why}); using the built-in embedder");
            *folder.failure.lock() = Some(format!(
                "cannot load the embedding model ({why}); using the built-in embedder"
            ));
            Engine::open(
                &folder.root,
                EngineConfig {
                    model_dir: None,
                    ..config.clone()
                },
            )
        }
        other => other,
    }
}
