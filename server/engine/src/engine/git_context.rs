//! What git adds to an answer: the file's history and blame, permalinks, and the history
//! index completed in the background.

use super::*;

impl Engine {
    /// A hash of the current HEAD commit, for cache validity (`None` without git).
    pub(crate) fn head_hash(&self) -> Option<u64> {
        let git = self.git.as_ref().ok()?;
        let head = git.repo.head_sha().ok()?;
        Some(xxhash_rust::xxh3::xxh3_64(head.as_bytes()))
    }

    /// A permalink on the code host when the file is committed and unchanged since HEAD.
    pub(crate) fn permalink(&self, path: &str, start_line: u32, end_line: u32) -> Option<String> {
        self.git
            .as_ref()
            .ok()?
            .permalinker
            .as_ref()?
            .permalink(path, start_line, end_line)
    }

    /// History of the asked-about file and blame of the asked-about lines.
    pub(crate) fn git_context(
        &self,
        query: &Query,
        blame: Option<PendingBlame>,
        warnings: &mut Vec<String>,
    ) -> (Option<FileHistory>, Option<Vec<BlameHunk>>) {
        let Some(file) = &query.file else {
            return (None, None);
        };
        let git = match &self.git {
            Ok(g) => g,
            Err(reason) => {
                warnings.push(format!("history unavailable: {reason}"));
                return (None, None);
            }
        };
        let t = Instant::now();
        let history = git
            .history
            .read()
            .as_ref()
            .and_then(|h| h.history(file, HISTORY_COMMITS));
        if let Some(h) = history.as_ref().filter(|h| !h.unread.is_empty()) {
            warnings.push(h.unread.describe());
        }
        self.metrics.history.record(ms(t));
        let blame = blame.and_then(|pending| {
            let t = Instant::now();
            let blame = self.finish_blame(pending, file, warnings);
            self.metrics.blame.record(ms(t));
            blame
        });
        (history, blame)
    }

    /// Start blaming the asked-about lines on their own thread, so the blame (seconds for a
    /// file's first one, microseconds once cached) runs while the searches do.
    pub(crate) fn start_blame(&self, query: &Query) -> Option<PendingBlame> {
        let (file, line) = (query.file.as_ref()?, query.line?);
        let git = self.git.as_ref().ok()?;
        let start = line.saturating_sub(BLAME_CONTEXT);
        let end = line + BLAME_CONTEXT + 1;
        let (tx, rx) = std::sync::mpsc::channel();
        let repo = git.repo.clone();
        let path = file.clone();
        std::thread::Builder::new()
            .name("ail-blame".into())
            .spawn(move || {
                let result = repo.blame_range(&path, start, end, None);
                let _ = tx.send(result.map_err(|e| e.to_string()));
            })
            .ok()?;
        Some(PendingBlame {
            rx,
            started: Instant::now(),
        })
    }

    /// The blame started by `start_blame`, waiting until `blame_wait` after its start: a
    /// first blame of a file with a long history takes seconds, so it finishes in the
    /// background and its cached result serves the next answer.
    pub(crate) fn finish_blame(
        &self,
        pending: PendingBlame,
        path: &str,
        warnings: &mut Vec<String>,
    ) -> Option<Vec<BlameHunk>> {
        let left = self
            .config
            .blame_wait
            .saturating_sub(pending.started.elapsed());
        match pending.rx.recv_timeout(left) {
            Ok(Ok(hunks)) => Some(hunks),
            Ok(Err(e)) => {
                tracing::debug!("no blame for {path}: {e}");
                None
            }
            Err(_) => {
                warnings.push("blame pending: computing in the background".to_string());
                None
            }
        }
    }

    /// Read the whole history in the background of a refresh, and persist it.
    pub(crate) fn complete_history(&self, cancel: &CancelToken) {
        let Ok(git) = &self.git else { return };
        // Complete for the HEAD it was built at: nothing to do unless HEAD moved. Asked
        // before copying it, since the copy is as large as the history.
        let head = git.repo.head_sha().ok();
        if let Some(h) = &*git.history.read() {
            if h.is_complete() && head.as_deref().is_none_or(|head| h.head_sha() == head) {
                return;
            }
        }
        let mut working = match git.history.read().clone() {
            Some(mut h) if h.is_complete() => {
                // Follow HEAD, which has moved.
                let Some(head) = head else { return };
                if h.extend_to(&git.repo, &head).is_err() {
                    return;
                }
                h
            }
            Some(h) => h,
            None => match HistoryIndex::read_recent_spilling(
                &git.repo,
                crate::git::RECENT_COMMITS,
                git.history_path.as_deref().and_then(Path::parent),
            ) {
                Ok(h) => h,
                Err(e) => {
                    tracing::info!("no git history: {e}");
                    return;
                }
            },
        };
        if let Err(e) = working.read_all(&git.repo, cancel) {
            tracing::warn!("git history walk stopped: {e}");
        }
        if let Some(path) = &git.history_path {
            freeze_and_persist(&mut working, path, true);
        }
        *git.history.write() = Some(working);
    }

    /// What git offers this workspace, for status output.
    pub fn git_status(&self) -> GitStatus {
        match &self.git {
            Err(reason) => GitStatus {
                state: "unavailable",
                commits: 0,
                reason: Some(reason.clone()),
            },
            Ok(g) => match g.history.read().as_ref() {
                None => GitStatus {
                    state: "reading",
                    commits: 0,
                    reason: None,
                },
                Some(h) => {
                    let s = h.status();
                    GitStatus {
                        state: if s.complete { "ready" } else { "reading" },
                        commits: s.commits,
                        reason: s.reason,
                    }
                }
            },
        }
    }
}

/// Commits listed per history.
pub(crate) const HISTORY_COMMITS: usize = 10;

/// Lines blamed on each side of the asked-about line.
pub(crate) const BLAME_CONTEXT: u32 = 2;

/// A blame running on its own thread for the answer being computed.
pub(crate) struct PendingBlame {
    rx: std::sync::mpsc::Receiver<Result<Vec<BlameHunk>, String>>,
    started: Instant,
}

/// Everything git gives an answer.
pub(crate) struct GitContext {
    pub(crate) repo: GitRepo,
    pub(crate) history: RwLock<Option<HistoryIndex>>,
    pub(crate) permalinker: Option<Permalinker>,
    pub(crate) history_path: Option<PathBuf>,
}

/// What git offers a workspace.
#[derive(Clone, Debug, PartialEq)]
pub struct GitStatus {
    /// "ready", "reading" or "unavailable".
    pub state: &'static str,
    pub commits: usize,
    pub reason: Option<String>,
}

pub(crate) fn open_git(
    root: &Path,
    config: &EngineConfig,
    index_path: Option<&Path>,
) -> Result<GitContext, String> {
    let repo = GitRepo::open(root).map_err(|e| e.reason)?;
    let permalinker = Permalinker::from_repo(&repo, &config.permalinks);
    let history_path = index_path
        .and_then(|p| p.parent())
        .map(|d| d.join("history.bin"));
    let persisted = history_path
        .as_ref()
        .and_then(|p| crate::index_file::read_index_file(p).ok())
        .and_then(|bytes| {
            let paths = history_path.as_deref().map(paths_file);
            HistoryIndex::from_bytes(&bytes, paths.as_deref()).ok()
        })
        .and_then(|mut h| {
            let head = repo.head_sha().ok()?;
            h.extend_to(&repo, &head).ok()?;
            Some(h)
        });
    let spill_dir = history_path.as_deref().and_then(Path::parent);
    let mut history = persisted.or_else(|| {
        HistoryIndex::read_recent_spilling(&repo, crate::git::RECENT_COMMITS, spill_dir).ok()
    });
    // A history read whole at once (a short one, or one commit of a generated or vendored
    // tree) goes to its file now, before the first pass needs the memory.
    if let (Some(h), Some(path)) = (history.as_mut(), &history_path) {
        freeze_and_persist(h, path, false);
    }
    Ok(GitContext {
        repo,
        history: RwLock::new(history),
        permalinker,
        history_path,
    })
}

/// Where the history's paths are read in place, beside its persisted index at `history`.
fn paths_file(history: &Path) -> PathBuf {
    history.with_file_name("history-paths.bin")
}

/// Paths held in memory before a complete history moves them to its frozen table again.
const FREEZE_MIN_HELD: usize = 1024;

/// Move a complete history's paths to the table read in place beside `path` (see
/// `HistoryIndex::freeze_paths`), then persist the history at `path`: whenever `always`,
/// otherwise only when the paths moved.
fn freeze_and_persist(history: &mut HistoryIndex, path: &Path, always: bool) {
    // At the first start the index's folder is not there yet.
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let froze = match history.freeze_paths(&paths_file(path), FREEZE_MIN_HELD) {
        Ok(froze) => froze,
        Err(e) => {
            tracing::warn!("git history paths kept in memory: {e}");
            false
        }
    };
    if always || froze {
        if let Err(e) = crate::index_file::write_atomically(path, &history.to_bytes()) {
            tracing::warn!("could not persist git history to {}: {e}", path.display());
        }
    }
}
