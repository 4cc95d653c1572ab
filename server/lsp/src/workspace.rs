//! The workspace folders the client opened, one engine each, and which folder a path
//! belongs to. An engine appears once its folder's first indexing pass has opened it, and is
//! swapped whole when a rebuild finishes, so readers always hold a complete one.

use crate::convert;
use ail_engine::Engine;
use parking_lot::{Mutex, RwLock};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tower_lsp_server::ls_types::Uri;

/// The engine serving a folder, and what its generations count from.
struct Current {
    engine: Arc<Engine>,
    /// Added to the engine's own index generation in everything the server reports, so
    /// that a generation never goes back when `ail/reindex` or new settings swap in a new
    /// engine (whose count starts over): a client waiting for a newer one gets it.
    generation_base: u64,
}

pub struct Folder {
    /// The URI as the client sent it.
    pub uri: String,
    pub name: String,
    /// Canonical path of the folder.
    pub root: PathBuf,
    engine: RwLock<Option<Current>>,
    /// Indexing passes running or scheduled for this folder.
    busy: AtomicUsize,
    /// Why the last indexing pass failed, until one succeeds.
    pub failure: Mutex<Option<String>>,
}

impl Folder {
    pub fn new(uri: String, name: String, root: PathBuf) -> Folder {
        Folder {
            uri,
            name,
            root,
            engine: RwLock::new(None),
            busy: AtomicUsize::new(0),
            failure: Mutex::new(None),
        }
    }

    /// A folder for a client's workspace folder URI: it must name a local directory.
    pub fn from_uri(uri: &Uri, name: Option<&str>) -> Result<Folder, String> {
        let path = convert::uri_to_path(uri).ok_or_else(|| {
            format!(
                "workspace folder {} is not a file:// URI; ignored",
                uri.as_str()
            )
        })?;
        let root = std::fs::canonicalize(&path)
            .ok()
            .filter(|p| p.is_dir())
            .ok_or_else(|| {
                format!(
                    "workspace folder {} is not a directory; ignored",
                    path.display()
                )
            })?;
        let name = name
            .map(str::to_string)
            .or_else(|| root.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| root.display().to_string());
        Ok(Folder::new(uri.as_str().to_string(), name, root))
    }

    pub fn engine(&self) -> Option<Arc<Engine>> {
        self.engine.read().as_ref().map(|c| c.engine.clone())
    }

    /// The engine and the base its generations are reported from (see `Current`).
    pub fn engine_and_generation_base(&self) -> Option<(Arc<Engine>, u64)> {
        self.engine
            .read()
            .as_ref()
            .map(|c| (c.engine.clone(), c.generation_base))
    }

    /// Serve from `engine` from now on. A new engine continues the generations past the
    /// last one its predecessor reported.
    pub fn set_engine(&self, engine: Arc<Engine>) {
        let mut slot = self.engine.write();
        let generation_base = match slot.as_ref() {
            None => 0,
            Some(c) if Arc::ptr_eq(&c.engine, &engine) => c.generation_base,
            Some(c) => c.generation_base + c.engine.status().generation + 1,
        };
        *slot = Some(Current {
            engine,
            generation_base,
        });
    }

    /// `path` relative to this folder, if inside it.
    pub fn relative(&self, path: &Path) -> Option<String> {
        convert::relative_to(&self.root, path)
    }

    /// Mark the folder busy until the returned guard drops (a pass runs or is scheduled).
    pub fn busy(self: &Arc<Self>) -> BusyGuard {
        self.busy.fetch_add(1, Ordering::AcqRel);
        BusyGuard(self.clone())
    }

    pub fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Acquire) > 0
    }
}

pub struct BusyGuard(Arc<Folder>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

#[derive(Default)]
pub struct Workspace {
    folders: RwLock<Vec<Arc<Folder>>>,
}

impl Workspace {
    pub fn folders(&self) -> Vec<Arc<Folder>> {
        self.folders.read().clone()
    }

    pub fn is_empty(&self) -> bool {
        self.folders.read().is_empty()
    }

    /// Add a folder unless one with the same root is there. Returns the added folder.
    pub fn add(&self, folder: Folder) -> Option<Arc<Folder>> {
        let mut folders = self.folders.write();
        if folders.iter().any(|f| f.root == folder.root) {
            return None;
        }
        let folder = Arc::new(folder);
        folders.push(folder.clone());
        Some(folder)
    }

    /// Remove the folder the client knows as `uri` (or whose root is `root`).
    pub fn remove(&self, uri: &str, root: Option<&Path>) -> bool {
        let mut folders = self.folders.write();
        let before = folders.len();
        folders.retain(|f| f.uri != uri && Some(f.root.as_path()) != root);
        folders.len() != before
    }

    /// The folder holding `path` (the innermost one when folders nest) and the path
    /// relative to it.
    pub fn locate(&self, path: &Path) -> Option<(Arc<Folder>, String)> {
        self.folders
            .read()
            .iter()
            .filter_map(|f| f.relative(path).map(|rel| (f.clone(), rel)))
            .max_by_key(|(f, _)| f.root.components().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_innermost_folder_owns_a_path() {
        let ws = Workspace::default();
        let outer = PathBuf::from("/nonexistent-ail/repo");
        ws.add(Folder::new("file:///o".into(), "o".into(), outer.clone()));
        ws.add(Folder::new(
            "file:///i".into(),
            "i".into(),
            outer.join("sub"),
        ));
        let (folder, rel) = ws
            .locate(&outer.join("sub").join("a.rs"))
            .unwrap_or_else(|| unreachable!());
        assert_eq!((folder.name.as_str(), rel.as_str()), ("i", "a.rs"));
        let (folder, rel) = ws
            .locate(&outer.join("b.rs"))
            .unwrap_or_else(|| unreachable!());
        assert_eq!((folder.name.as_str(), rel.as_str()), ("o", "b.rs"));
        assert!(ws.locate(Path::new("/elsewhere/c.rs")).is_none());
        assert!(ws
            .add(Folder::new("x".into(), "x".into(), outer.clone()))
            .is_none());
        assert!(ws.remove("file:///nope", Some(&outer)));
        assert!(ws.remove("file:///i", None));
        assert!(ws.is_empty());
    }
}
