//! Blame of a line range: who last changed each line, with edited lines reported as not
//! committed.
//!
//! The blame is computed for the HEAD version of the file, for the requested lines only, and
//! remembered per (path, HEAD) line by line, so later ranges and later edits reuse it. The text
//! the user sees (the editor's buffer, else the file on disk) is diffed against HEAD's blob to
//! map its lines to HEAD lines; lines with no HEAD counterpart are not committed. That mapping
//! is remembered per (path, HEAD, content hash). This is what libgit2's `blame_buffer` does,
//! but without needing a whole-file reference blame first.
//!
//! libgit2's blame is slower than `git blame -L`: 20 lines of a 2,000-line file with 1,930
//! revisions took 2.5 s with libgit2 and 1.8 s with the command (`cargo bench --bench git`),
//! so the `git` command is used when it runs, libgit2 otherwise. Either way the first blame of
//! a long-lived file is slow: callers should compute it off the request path.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};

use git2::{BlameOptions, DiffOptions, ObjectType, Oid, Patch};
use lru::LruCache;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use super::repo::{head_blob_id, head_oid, GitRepo};
use super::{rfc3339_utc, sha_hex, sha_of, GitError, Sha};

/// The id reported for lines that differ from HEAD.
pub const NOT_COMMITTED_SHA: &str = "0000000000000000000000000000000000000000";
/// The author reported for lines that differ from HEAD (as `git blame` says).
pub const NOT_COMMITTED_AUTHOR: &str = "Not Committed Yet";

/// Files whose HEAD blame is remembered (line attributions of a 2,000-line file: 8 KB).
const HEAD_BLAME_CAPACITY: usize = 64;
/// Buffer -> HEAD line maps remembered.
const LINE_MAP_CAPACITY: usize = 64;
/// Text on disk larger than this is not blamed line by line (the index skips it anyway).
const BLAME_MAX_BYTES: u64 = 16 << 20;

/// How blame is computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BlameBackend {
    /// The `git` command when it runs, libgit2 when it does not or fails.
    #[default]
    Auto,
    /// Only the `git` command.
    Cli,
    /// Only libgit2.
    Libgit2,
}

/// Consecutive lines last changed by the same commit (or not committed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlameHunk {
    pub start_line: u32,
    /// Exclusive.
    pub end_line: u32,
    /// 40 hex digits; all zeros when not committed.
    pub sha: String,
    pub author: String,
    /// Author date, RFC 3339 UTC; empty when not committed.
    pub date: String,
    pub summary: String,
    pub committed: bool,
}

#[derive(Clone, Debug, Default)]
struct BlameCommit {
    sha: Sha,
    author: String,
    time: i64,
    summary: String,
}

/// What is known of one file's blame at one HEAD.
struct HeadBlame {
    /// Per HEAD line: 0 = not computed yet, else 1 + index into `commits`.
    lines: Vec<u32>,
    commits: Vec<BlameCommit>,
    by_sha: HashMap<Sha, u32>,
}

impl HeadBlame {
    fn new(line_count: usize) -> Self {
        HeadBlame {
            lines: vec![0; line_count],
            commits: Vec::new(),
            by_sha: HashMap::new(),
        }
    }

    fn record(&mut self, line: usize, commit: &BlameCommit) {
        let idx = match self.by_sha.get(&commit.sha) {
            Some(&i) => i,
            None => {
                let i = self.commits.len() as u32;
                self.commits.push(commit.clone());
                self.by_sha.insert(commit.sha, i);
                i
            }
        };
        if let Some(slot) = self.lines.get_mut(line) {
            *slot = idx + 1;
        }
    }

    fn commit_at(&self, line: usize) -> Option<&BlameCommit> {
        let slot = *self.lines.get(line)?;
        slot.checked_sub(1)
            .and_then(|i| self.commits.get(i as usize))
    }
}

/// Which HEAD line each line of the text shown to the user is (None: not in HEAD).
enum LineMap {
    /// The text is HEAD's.
    Identity,
    /// Per text line: 0 = not committed, else 1 + HEAD line.
    Mapped(Vec<u32>),
}

impl LineMap {
    fn head_line(&self, line: usize) -> Option<usize> {
        match self {
            LineMap::Identity => Some(line),
            LineMap::Mapped(map) => map
                .get(line)
                .and_then(|&l| l.checked_sub(1))
                .map(|l| l as usize),
        }
    }
}

/// The user's text as seen against HEAD's.
struct TextView {
    map: LineMap,
    text_lines: usize,
    head_lines: usize,
}

/// The blame caches of one repository.
pub(crate) struct BlameState {
    heads: Mutex<LruCache<(String, Sha), HeadBlame>>,
    line_maps: Mutex<LruCache<(String, Sha, u64), Arc<TextView>>>,
}

impl BlameState {
    pub(crate) fn new() -> Self {
        let cap = |n: usize| NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN);
        BlameState {
            heads: Mutex::new(LruCache::new(cap(HEAD_BLAME_CAPACITY))),
            line_maps: Mutex::new(LruCache::new(cap(LINE_MAP_CAPACITY))),
        }
    }
}

impl GitRepo {
    /// Blame lines `start_line..end_line` (0-based, end exclusive) of a workspace file as the
    /// user sees it: `buffer` is the editor's unsaved text; without it the file on disk is
    /// used. Lines that differ from HEAD are reported with [`NOT_COMMITTED_SHA`] and
    /// [`NOT_COMMITTED_AUTHOR`]. A range past the end is clipped. Err(NotTracked) when the
    /// file is not in HEAD.
    pub fn blame_range(
        &self,
        path: &str,
        start_line: u32,
        end_line: u32,
        buffer: Option<&str>,
    ) -> Result<Vec<BlameHunk>, GitError> {
        let repo_path = self.repo_path(path);
        // The text shown to the user; None when it is HEAD's (an unchanged file on disk is
        // recognised from its stat, without reading it).
        let from_disk;
        let text: Option<&[u8]> = match buffer {
            Some(text) => Some(text.as_bytes()),
            None if self.is_unchanged_since_head(path) => None,
            None => {
                // Never a named pipe, never through a link out of the workspace.
                from_disk = crate::safe_path::open_no_block(&self.workdir().join(&repo_path))
                    .ok()
                    .and_then(|(file, _)| {
                        crate::safe_path::read_capped(file, BLAME_MAX_BYTES).ok()
                    });
                from_disk.as_deref()
            }
        };

        let (head, blob_id) = {
            let repo = self.shared.repo.lock();
            let head = head_oid(&repo)?;
            let blob_id = head_blob_id(&repo, &repo_path)
                .ok_or_else(|| GitError::NotTracked(path.to_string()))?;
            (head, blob_id)
        };
        let head = sha_of(head).ok_or_else(|| GitError::Git("unsupported object id".into()))?;
        let key = (repo_path.clone(), head);
        let known_head_lines = self
            .shared
            .blame
            .heads
            .lock()
            .peek(&key)
            .map(|b| b.lines.len());
        let view = match text {
            Some(text) => self.text_view(&repo_path, head, blob_id, text)?,
            // The text is HEAD's (or the file is gone from disk: show HEAD's lines).
            None => {
                let n = match known_head_lines {
                    Some(n) => n,
                    None => line_count(self.shared.repo.lock().find_blob(blob_id)?.content()),
                };
                Arc::new(TextView {
                    map: LineMap::Identity,
                    text_lines: n,
                    head_lines: n,
                })
            }
        };
        let (line_map, text_lines, head_lines) = (&view.map, view.text_lines, view.head_lines);

        let end = (end_line as usize).min(text_lines);
        let start = start_line as usize;
        if start >= end {
            return Ok(Vec::new());
        }

        // HEAD lines of the range whose blame is not known yet.
        let missing = {
            let mut heads = self.shared.blame.heads.lock();
            let entry = heads.get_or_insert_mut(key.clone(), || HeadBlame::new(head_lines));
            let mut lo = usize::MAX;
            let mut hi = 0usize;
            for line in start..end {
                if let Some(h) = line_map.head_line(line) {
                    if entry.lines.get(h) == Some(&0) {
                        lo = lo.min(h);
                        hi = hi.max(h + 1);
                    }
                }
            }
            (lo < hi).then_some((lo, hi))
        };
        if let Some((lo, hi)) = missing {
            let attributed = self.blame_head_lines(&repo_path, head, lo, hi)?;
            let mut heads = self.shared.blame.heads.lock();
            let entry = heads.get_or_insert_mut(key.clone(), || HeadBlame::new(head_lines));
            for (line, commit) in &attributed {
                entry.record(*line, commit);
            }
        }

        let mut heads = self.shared.blame.heads.lock();
        let Some(entry) = heads.get(&key) else {
            return Err(GitError::Git("blame cache lost its entry".into()));
        };
        let mut hunks: Vec<BlameHunk> = Vec::new();
        for line in start..end {
            let commit = line_map.head_line(line).and_then(|h| entry.commit_at(h));
            let hunk = match commit {
                Some(c) => BlameHunk {
                    start_line: line as u32,
                    end_line: line as u32 + 1,
                    sha: sha_hex(&c.sha),
                    author: c.author.clone(),
                    date: rfc3339_utc(c.time),
                    summary: c.summary.clone(),
                    committed: true,
                },
                None => BlameHunk {
                    start_line: line as u32,
                    end_line: line as u32 + 1,
                    sha: NOT_COMMITTED_SHA.to_string(),
                    author: NOT_COMMITTED_AUTHOR.to_string(),
                    date: String::new(),
                    summary: String::new(),
                    committed: false,
                },
            };
            match hunks.last_mut() {
                Some(last) if last.sha == hunk.sha && last.end_line == hunk.start_line => {
                    last.end_line = hunk.end_line;
                }
                _ => hunks.push(hunk),
            }
        }
        Ok(hunks)
    }

    /// How the user's text maps to HEAD's, remembered per (path, HEAD, content hash).
    fn text_view(
        &self,
        repo_path: &str,
        head: Sha,
        blob_id: Oid,
        text: &[u8],
    ) -> Result<Arc<TextView>, GitError> {
        let key = (
            repo_path.to_string(),
            head,
            xxhash_rust::xxh3::xxh3_64(text),
        );
        if let Some(view) = self.shared.blame.line_maps.lock().get(&key) {
            return Ok(view.clone());
        }
        let view = {
            let repo = self.shared.repo.lock();
            let blob = repo.find_blob(blob_id)?;
            let map = if Oid::hash_object(ObjectType::Blob, text).ok() == Some(blob_id) {
                LineMap::Identity
            } else {
                map_lines(blob.content(), text)?
            };
            Arc::new(TextView {
                map,
                text_lines: line_count(text),
                head_lines: line_count(blob.content()),
            })
        };
        self.shared.blame.line_maps.lock().put(key, view.clone());
        Ok(view)
    }

    /// Blame HEAD lines `lo..hi` (0-based) of a repository path: (HEAD line, commit) pairs.
    fn blame_head_lines(
        &self,
        repo_path: &str,
        head: Sha,
        lo: usize,
        hi: usize,
    ) -> Result<Vec<(usize, BlameCommit)>, GitError> {
        let use_cli = match self.blame_backend {
            BlameBackend::Libgit2 => false,
            BlameBackend::Cli => true,
            BlameBackend::Auto => git_command_available(),
        };
        if use_cli {
            match blame_with_command(self.workdir(), repo_path, &sha_hex(&head), lo, hi) {
                Ok(lines) => return Ok(lines),
                Err(why) if self.blame_backend == BlameBackend::Auto => {
                    tracing::debug!(%why, "git blame failed; using libgit2");
                }
                Err(why) => return Err(GitError::Git(why)),
            }
        }
        self.blame_with_libgit2(repo_path, head, lo, hi)
    }

    fn blame_with_libgit2(
        &self,
        repo_path: &str,
        head: Sha,
        lo: usize,
        hi: usize,
    ) -> Result<Vec<(usize, BlameCommit)>, GitError> {
        // A handle of our own: libgit2's blame can take a second on a long history.
        let repo = self.open_handle()?;
        let mut opts = BlameOptions::new();
        opts.newest_commit(Oid::from_bytes(&head)?)
            .use_mailmap(true)
            .min_line(lo + 1)
            .max_line(hi);
        let blame = repo.blame_file(Path::new(repo_path), Some(&mut opts))?;
        let mut out = Vec::with_capacity(hi - lo);
        for hunk in blame.iter() {
            let Some(sha) = sha_of(hunk.final_commit_id()) else {
                continue;
            };
            let (author, time) = match hunk.final_signature() {
                Some(sig) => (
                    String::from_utf8_lossy(sig.name_bytes()).into_owned(),
                    sig.when().seconds(),
                ),
                None => (String::new(), 0),
            };
            let commit = BlameCommit {
                sha,
                author,
                time,
                summary: hunk
                    .summary_bytes()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .unwrap_or_default(),
            };
            let first = hunk.final_start_line().saturating_sub(1);
            for line in first..first + hunk.lines_in_hunk() {
                if (lo..hi).contains(&line) {
                    out.push((line, commit.clone()));
                }
            }
        }
        Ok(out)
    }
}

/// Whether `git --version` runs, asked once per process.
fn git_command_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        Command::new("git")
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// `git blame --porcelain -L` of HEAD lines `lo..hi` at commit `head`.
fn blame_with_command(
    workdir: &Path,
    repo_path: &str,
    head: &str,
    lo: usize,
    hi: usize,
) -> Result<Vec<(usize, BlameCommit)>, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(workdir)
        // Same answer as libgit2: no ignore-revs file (a missing one would fail), no textconv.
        .args([
            "-c",
            "blame.ignoreRevsFile=",
            "blame",
            "--porcelain",
            "--no-textconv",
            "-L",
        ])
        .arg(format!("{},{}", lo + 1, hi))
        .arg(head)
        .arg("--")
        .arg(repo_path)
        // The repository is the one at `workdir`, whatever the caller's environment says.
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_OBJECT_DIRECTORY")
        .env_remove("GIT_ALTERNATE_OBJECT_DIRECTORIES")
        .env_remove("GIT_COMMON_DIR")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("git blame: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("git blame: {}", stderr.trim()));
    }
    parse_porcelain(&output.stdout)
}

/// Parse `git blame --porcelain`: a header `<sha> <orig line> <final line> [<count>]` per
/// line, the commit's fields the first time it appears, then the line itself after a tab.
fn parse_porcelain(out: &[u8]) -> Result<Vec<(usize, BlameCommit)>, String> {
    let mut commits: HashMap<Sha, BlameCommit> = HashMap::new();
    let mut lines: Vec<(usize, Sha)> = Vec::new();
    let mut current: Option<Sha> = None;
    for raw in out.split(|&b| b == b'\n') {
        if raw.is_empty() || raw[0] == b'\t' {
            continue;
        }
        if let Some(sha) = header_sha(raw) {
            let mut fields = raw[41..].split(|&b| b == b' ');
            let _orig = fields.next();
            let final_line = fields
                .next()
                .and_then(|f| std::str::from_utf8(f).ok())
                .and_then(|f| f.parse::<usize>().ok())
                .ok_or("git blame: malformed header")?;
            lines.push((final_line.saturating_sub(1), sha));
            commits.entry(sha).or_insert_with(|| BlameCommit {
                sha,
                ..BlameCommit::default()
            });
            current = Some(sha);
            continue;
        }
        let Some(commit) = current.and_then(|sha| commits.get_mut(&sha)) else {
            continue;
        };
        let (key, value) = match raw.iter().position(|&b| b == b' ') {
            Some(i) => (&raw[..i], &raw[i + 1..]),
            None => (raw, &[][..]),
        };
        match key {
            b"author" => commit.author = String::from_utf8_lossy(value).into_owned(),
            b"author-time" => {
                commit.time = std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
            }
            b"summary" => commit.summary = String::from_utf8_lossy(value).into_owned(),
            _ => {}
        }
    }
    Ok(lines
        .into_iter()
        .filter_map(|(line, sha)| commits.get(&sha).map(|c| (line, c.clone())))
        .collect())
}

/// The commit id of a porcelain header line, if `raw` is one.
fn header_sha(raw: &[u8]) -> Option<Sha> {
    if raw.len() < 42 || raw[40] != b' ' {
        return None;
    }
    let mut sha = [0u8; 20];
    for (i, pair) in raw[..40].chunks(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        sha[i] = (hi * 16 + lo) as u8;
    }
    Some(sha)
}

/// Lines as git counts them: a final line without a newline still counts.
fn line_count(text: &[u8]) -> usize {
    let newlines = text.iter().filter(|&&b| b == b'\n').count();
    newlines + usize::from(text.last().is_some_and(|&b| b != b'\n'))
}

/// Diff HEAD's text against the user's and map each user line to its HEAD line.
fn map_lines(head: &[u8], text: &[u8]) -> Result<LineMap, GitError> {
    let mut opts = DiffOptions::new();
    opts.context_lines(0).force_text(true);
    let patch = Patch::from_buffers(head, None, text, None, Some(&mut opts))?;
    let text_lines = line_count(text);
    let head_lines = line_count(head);
    let mut map = vec![0u32; text_lines];
    let (mut old, mut new) = (0usize, 0usize);
    let copy_until =
        |map: &mut Vec<u32>, old: &mut usize, new: &mut usize, old_end: usize, new_end: usize| {
            while *old < old_end && *new < new_end {
                if let Some(slot) = map.get_mut(*new) {
                    *slot = *old as u32 + 1;
                }
                *old += 1;
                *new += 1;
            }
        };
    for h in 0..patch.num_hunks() {
        let (hunk, _) = patch.hunk(h)?;
        let (os, ol) = (hunk.old_start() as usize, hunk.old_lines() as usize);
        let (ns, nl) = (hunk.new_start() as usize, hunk.new_lines() as usize);
        // With no context, an empty side's start is the line *before* the change.
        let old_start = if ol == 0 { os } else { os.saturating_sub(1) };
        let new_start = if nl == 0 { ns } else { ns.saturating_sub(1) };
        copy_until(&mut map, &mut old, &mut new, old_start, new_start);
        old = old_start + ol;
        new = new_start + nl;
    }
    copy_until(&mut map, &mut old, &mut new, head_lines, text_lines);
    Ok(LineMap::Mapped(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_count_counts_a_last_line_without_newline() {
        assert_eq!(line_count(b""), 0);
        assert_eq!(line_count(b"a"), 1);
        assert_eq!(line_count(b"a\n"), 1);
        assert_eq!(line_count(b"a\nb"), 2);
        assert_eq!(line_count(b"\n\n"), 2);
    }

    #[test]
    fn line_map_marks_inserted_and_changed_lines() {
        let head = b"a\nb\nc\nd\ne\n";
        // insert x before b, change d to D, delete e, append z
        let text = b"a\nx\nb\nc\nD\nz\n";
        let LineMap::Mapped(map) = map_lines(head, text).unwrap() else {
            panic!("expected a mapped line map");
        };
        // a->0, x new, b->1, c->2, D new, z new
        assert_eq!(map, vec![1, 0, 2, 3, 0, 0]);
    }

    #[test]
    fn line_map_handles_deletions_only() {
        let head = b"a\nb\nc\nd\n";
        let text = b"a\nd\n";
        let LineMap::Mapped(map) = map_lines(head, text).unwrap() else {
            panic!("expected a mapped line map");
        };
        assert_eq!(map, vec![1, 4]);
    }

    #[test]
    fn porcelain_parse_reads_header_fields_once_per_commit() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let out = format!(
            "{a} 1 1 2\nauthor Ann\nauthor-mail <ann@x>\nauthor-time 1700000000\nauthor-tz +0000\nsummary first\nfilename f\n\tline1\n{a} 2 2\n\tline2\n{b} 3 3 1\nauthor Bob\nauthor-time 1700000100\nsummary second\nboundary\nfilename f\n\tline3\n"
        );
        let lines = parse_porcelain(out.as_bytes()).unwrap();
        let got: Vec<(usize, &str, i64, &str)> = lines
            .iter()
            .map(|(l, c)| (*l, c.author.as_str(), c.time, c.summary.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, "Ann", 1_700_000_000, "first"),
                (1, "Ann", 1_700_000_000, "first"),
                (2, "Bob", 1_700_000_100, "second")
            ]
        );
    }
}
