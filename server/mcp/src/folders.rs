//! The workspace folders `ail mcp` serves: each one's engine (absent until it is opened),
//! the progress of the indexing pass running over it, and the gate that turns a file
//! argument into a workspace-relative path (or refuses it).

use ail_engine::{CancelToken, Engine, EngineConfig, Progress};
use parking_lot::{Mutex, RwLock};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

pub struct Folder {
    /// Canonical.
    pub root: PathBuf,
    pub name: String,
    engine: RwLock<Option<Arc<Engine>>>,
    /// The latest report of the pass running over this folder; `None` when idle.
    pub progress: Mutex<Option<Progress>>,
    /// Passes started or running over this folder.
    busy: AtomicUsize,
    /// Why the last pass failed, if it did.
    pub failure: Mutex<Option<String>>,
}

impl Folder {
    pub fn engine(&self) -> Option<Arc<Engine>> {
        self.engine.read().clone()
    }

    pub fn set_engine(&self, engine: Arc<Engine>) {
        *self.engine.write() = Some(engine);
    }

    pub fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Acquire) > 0
    }

    /// Mark the folder busy until the guard is dropped.
    pub fn busy(self: &Arc<Self>) -> BusyGuard {
        self.busy.fetch_add(1, Ordering::AcqRel);
        BusyGuard(self.clone())
    }

    /// `path` relative to this folder when its symlink-resolved form is inside it, as the
    /// engine judges it (`Engine::relative_path`, the same gate before the engine opens).
    pub fn relative(&self, path: &Path) -> Option<String> {
        match self.engine() {
            Some(engine) => engine.relative_path(path),
            None => ail_engine::safe_path::relative_inside(&self.root, path),
        }
    }
}

pub struct BusyGuard(Arc<Folder>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

pub struct Folders {
    pub list: Vec<Arc<Folder>>,
    pub config: EngineConfig,
    /// Bumped on every progress report and at the end of every pass.
    pub ticks: watch::Sender<u64>,
    /// Cancel flags of the passes running now.
    pub passes: Mutex<Vec<CancelToken>>,
    pub stopping: AtomicBool,
}

impl Folders {
    /// The folders at `dirs` (the current directory when empty); each must exist.
    pub fn open(config: EngineConfig, dirs: Vec<PathBuf>) -> Result<Folders, String> {
        let dirs = if dirs.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            dirs
        };
        let mut list: Vec<Arc<Folder>> = Vec::new();
        for dir in dirs {
            let root = std::fs::canonicalize(&dir)
                .ok()
                .filter(|p| p.is_dir())
                .ok_or_else(|| {
                    format!(
                        "no such directory: {} (pass an existing folder to --workspace)",
                        dir.display()
                    )
                })?;
            if list.iter().any(|f| f.root == root) {
                continue;
            }
            let name = root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| root.display().to_string());
            list.push(Arc::new(Folder {
                root,
                name,
                engine: RwLock::new(None),
                progress: Mutex::new(None),
                busy: AtomicUsize::new(0),
                failure: Mutex::new(None),
            }));
        }
        Ok(Folders {
            list,
            config,
            ticks: watch::channel(0).0,
            passes: Mutex::new(Vec::new()),
            stopping: AtomicBool::new(false),
        })
    }

    pub fn tick(&self) {
        self.ticks.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn any_busy(&self) -> bool {
        self.list.iter().any(|f| f.is_busy())
    }

    /// Stop every indexing pass at its next check.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        for token in self.passes.lock().iter() {
            token.cancel();
        }
    }

    /// The folder holding `file` (absolute, or relative to a workspace folder) and its
    /// workspace-relative path. The error names the argument and says why.
    pub fn locate_file(&self, arg: &str, file: &str) -> Result<(Arc<Folder>, String), String> {
        if file.trim().is_empty() || file.contains('\0') {
            return Err(format!(
                "{arg}: empty; give a file path inside the workspace"
            ));
        }
        let path = Path::new(file);
        let found = self
            .list
            .iter()
            .filter_map(|f| {
                let candidate = if path.is_absolute() {
                    path.to_path_buf()
                } else {
                    f.root.join(path)
                };
                f.relative(&candidate).map(|rel| (f.clone(), rel))
            })
            .max_by_key(|(f, _)| f.root.components().count());
        let Some((folder, rel)) = found else {
            return Err(format!(
                "{arg}: {file} is outside the workspace ({}); give a path inside it",
                self.roots()
            ));
        };
        if rel.is_empty() {
            return Err(format!(
                "{arg}: {file} is the workspace folder itself; give a file in it"
            ));
        }
        match std::fs::metadata(folder.root.join(&rel)) {
            Ok(m) if m.is_file() => Ok((folder, rel)),
            Ok(_) => Err(format!("{arg}: {file} is not a regular file")),
            Err(_) => Err(format!(
                "{arg}: no such file in the workspace: {file} (paths are relative to {})",
                self.roots()
            )),
        }
    }

    fn roots(&self) -> String {
        self.list
            .iter()
            .map(|f| f.root.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
