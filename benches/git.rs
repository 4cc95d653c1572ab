//! Git archaeology speed on a synthetic 5,000-commit repository: time until recent history is
//! available, full-walk rate, per-path history lookups, and range blame (first and cached,
//! with the `git` command and with libgit2).
//!
//! Run: `cargo bench --bench git`. The repository is written once per run with
//! `git fast-import` (the bench crate does not link libgit2 itself), which takes a few seconds;
//! set `AIL_GIT_BENCH_REPO=/some/dir` to keep it there and reuse it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ail_engine::git::{BlameBackend, GitRepo, HistoryIndex, RECENT_COMMITS};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;

const COMMITS: usize = 5_000;
const BIG_FILE: &str = "src/big.rs";
const BIG_LINES: usize = 2_000;
const SMALL_FILES: usize = 300;
const AUTHORS: [(&str, &str); 8] = [
    ("Ann Author", "ann@example.com"),
    ("Bob Builder", "bob@example.com"),
    ("Cy Coder", "cy@example.com"),
    ("Di Debugger", "di@example.com"),
    ("Ed Editor", "ed@example.com"),
    ("Flo Fixer", "flo@example.com"),
    ("Gus Gardener", "gus@example.com"),
    ("Hal Hacker", "hal@example.com"),
];

/// A small deterministic generator, so every run builds the same repository.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn small_path(i: usize) -> String {
    format!("src/mod{:02}/file{:03}.rs", i % 30, i)
}

fn small_content(i: usize, rev: usize) -> String {
    let mut s = format!("// file {i}, revision {rev}\n");
    for k in 0..40 {
        s.push_str(&format!("fn f{i}_{k}() -> usize {{ {} }}\n", k * rev % 97));
    }
    s
}

fn push_file(stream: &mut Vec<u8>, path: &str, content: &str) {
    let _ = writeln!(stream, "M 100644 inline {path}\ndata {}", content.len());
    stream.extend_from_slice(content.as_bytes());
    stream.push(b'\n');
}

/// Write the fast-import stream: 5,000 commits by 8 authors, each touching 2-4 small files
/// of 300, and 40% of them editing three lines of a 2,000-line file.
fn fast_import_stream() -> Vec<u8> {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut big: Vec<String> = (0..BIG_LINES)
        .map(|i| format!("    let v{i:04} = step({i}, 0);"))
        .collect();
    let big_text = |lines: &Vec<String>| lines.join("\n") + "\n";
    let mut stream = Vec::with_capacity(64 << 20);
    for c in 0..COMMITS {
        let (name, email) = AUTHORS[rng.below(AUTHORS.len())];
        let time = 1_600_000_000 + c as u64 * 3_600;
        let message = format!("Change {c}: adjust things\n");
        let _ = writeln!(stream, "commit refs/heads/main\nmark :{}", c + 1);
        let _ = writeln!(stream, "author {name} <{email}> {time} +0000");
        let _ = writeln!(stream, "committer {name} <{email}> {time} +0000");
        let _ = writeln!(stream, "data {}\n{message}", message.len());
        if c == 0 {
            push_file(&mut stream, BIG_FILE, &big_text(&big));
            for i in 0..SMALL_FILES {
                push_file(&mut stream, &small_path(i), &small_content(i, 0));
            }
            continue;
        }
        let _ = writeln!(stream, "from :{c}");
        if rng.below(10) < 4 {
            for _ in 0..3 {
                let k = rng.below(BIG_LINES);
                big[k] = format!("    let v{k:04} = step({k}, {c});");
            }
            push_file(&mut stream, BIG_FILE, &big_text(&big));
        }
        for _ in 0..2 + rng.below(3) {
            let i = rng.below(SMALL_FILES);
            push_file(&mut stream, &small_path(i), &small_content(i, c));
        }
    }
    stream
}

fn git(dir: &Path, args: &[&str], stdin: Option<&[u8]>) {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("git runs");
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(bytes).expect("fast-import stream written");
    }
    let status = child.wait().expect("git finishes");
    assert!(status.success(), "git {args:?} failed");
}

fn build_repository(dir: &Path) {
    let started = Instant::now();
    git(dir, &["init", "-q", "-b", "main"], None);
    git(
        dir,
        &["fast-import", "--quiet"],
        Some(&fast_import_stream()),
    );
    git(dir, &["reset", "-q", "--hard", "main"], None);
    eprintln!(
        "built {COMMITS}-commit repository in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn open(dir: &Path, backend: BlameBackend) -> GitRepo {
    let mut repo = GitRepo::open(dir).expect("the bench repository opens");
    repo.set_blame_backend(backend);
    repo
}

fn bench_git(c: &mut Criterion) {
    // AIL_GIT_BENCH_REPO=/some/dir keeps the repository there and reuses it on later runs.
    let tmp = tempfile::tempdir().expect("temp dir");
    let kept = std::env::var_os("AIL_GIT_BENCH_REPO").map(std::path::PathBuf::from);
    let dir = kept.as_deref().unwrap_or(tmp.path());
    if !dir.join(".git").exists() {
        std::fs::create_dir_all(dir).expect("bench repository directory");
        build_repository(dir);
    }
    let repo = open(dir, BlameBackend::Auto);

    let mut walk = c.benchmark_group("git_history");
    walk.sample_size(10).warm_up_time(Duration::from_secs(1));
    walk.bench_function("open_and_read_recent_100", |b| {
        b.iter(|| {
            let repo = open(dir, BlameBackend::Auto);
            black_box(HistoryIndex::read_recent(&repo, RECENT_COMMITS).expect("recent history"))
        })
    });
    walk.throughput(Throughput::Elements(COMMITS as u64));
    walk.bench_function("full_walk_5000_commits", |b| {
        b.iter(|| {
            let mut index = HistoryIndex::read_recent(&repo, 0).expect("index");
            black_box(
                index
                    .read_all(&repo, &ail_engine::CancelToken::new())
                    .expect("walk"),
            )
        })
    });
    walk.finish();

    let rss_before = rss_kib();
    let mut index = HistoryIndex::read_recent(&repo, RECENT_COMMITS).expect("index");
    index
        .read_all(&repo, &ail_engine::CancelToken::new())
        .expect("walk");
    let bytes = index.to_bytes();
    eprintln!(
        "full index: {} commits, {} bytes persisted, RSS {} -> {} KiB",
        index.status().commits,
        bytes.len(),
        rss_before.unwrap_or(0),
        rss_kib().unwrap_or(0)
    );
    let big_history = index.history(BIG_FILE, 20).expect("big file history");
    eprintln!(
        "{BIG_FILE}: {} commits, {} authors",
        big_history.total_commits,
        big_history.authors.len()
    );

    let mut lookup = c.benchmark_group("git_lookup");
    lookup.warm_up_time(Duration::from_secs(1));
    lookup.bench_function("history_big_file_limit_20", |b| {
        b.iter(|| black_box(index.history(black_box(BIG_FILE), 20)))
    });
    lookup.bench_function("history_small_file_limit_20", |b| {
        b.iter(|| black_box(index.history(black_box("src/mod07/file007.rs"), 20)))
    });
    lookup.bench_function("persisted_index_load", |b| {
        b.iter(|| black_box(HistoryIndex::from_bytes(&bytes, None).expect("loads")))
    });
    lookup.finish();

    let mut blame = c.benchmark_group("git_blame_20_lines");
    blame.sample_size(10).warm_up_time(Duration::from_secs(1));
    for (name, backend) in [
        ("cli", BlameBackend::Cli),
        ("libgit2", BlameBackend::Libgit2),
    ] {
        blame.bench_function(format!("{name}_first"), |b| {
            b.iter_batched(
                || open(dir, backend),
                |repo| {
                    black_box(
                        repo.blame_range(BIG_FILE, 1_000, 1_020, None)
                            .expect("blame"),
                    )
                },
                BatchSize::PerIteration,
            )
        });
    }
    let warm = open(dir, BlameBackend::Auto);
    warm.blame_range(BIG_FILE, 1_000, 1_020, None)
        .expect("blame");
    blame.bench_function("cached", |b| {
        b.iter(|| {
            black_box(
                warm.blame_range(BIG_FILE, 1_000, 1_020, None)
                    .expect("blame"),
            )
        })
    });
    let mut edited = std::fs::read_to_string(dir.join(BIG_FILE)).expect("big file");
    edited.insert_str(0, "// typed in the editor\n");
    warm.blame_range(BIG_FILE, 1_000, 1_020, Some(&edited))
        .expect("blame");
    blame.bench_function("cached_with_edited_buffer", |b| {
        b.iter(|| {
            black_box(
                warm.blame_range(BIG_FILE, 1_000, 1_020, Some(&edited))
                    .expect("blame"),
            )
        })
    });
    blame.finish();
}

criterion_group!(benches, bench_git);
criterion_main!(benches);
