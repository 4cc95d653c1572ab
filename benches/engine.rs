//! Engine speed benchmark: whole-query latency (criterion, plus p50/p95/p99 over 1,000
//! queries timed by hand, with the answer cache off and on), question-embedding time and
//! chunking throughput, on one workspace indexed once in memory.
//!
//! The workspace is `$AIL_BENCH_WORKSPACE`, else `bench-data/django` when it has been
//! fetched (`benches/fetch_workspace.sh`), else this repository.

use ail_engine::cache::CacheConfig;
use ail_engine::chunk::{chunk_file, Language};
use ail_engine::{Engine, EngineConfig, Query, Retrieval};
use criterion::{Criterion, SamplingMode};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Questions of the kinds people ask: concepts, exact names, phrases from docs, vague
/// requests. Some fit Django, some fit this repository; all are cycled in every mode.
const QUESTIONS: &[&str] = &[
    "how are model fields validated",
    "where is the database connection opened",
    "parse command line arguments",
    "how does caching work",
    "get_object_or_404",
    "render a template with a context",
    "middleware that checks csrf tokens",
    "how are migrations applied",
    "url routing and path converters",
    "serialize objects to json",
    "where are errors logged",
    "hash a user password",
    "how is the index persisted to disk",
    "split camelCase and snake_case identifiers",
    "send an email with attachments",
    "QuerySet filter exclude",
    "how are chunks ranked",
    "convert a naive datetime to an aware one",
    "read settings from the environment",
    "test client request and response",
];

/// Queries timed by hand for the percentiles, per mode...
const TIMED_QUERIES: usize = 1000;
/// ...unless they take longer than this, so that a slow build or a busy machine still
/// finishes in a few minutes. The table says how many were timed.
const TIMED_BUDGET: Duration = Duration::from_secs(40);
/// Files larger than this are left out of the chunking measurement, as the engine does.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

fn main() -> Result<(), String> {
    let (root, source) = workspace();
    println!("workspace: {} ({source})", root.display());

    // AIL_BENCH_PARALLEL=1 runs each question's two searches on two threads, to measure
    // what that buys over the default (one after the other).
    let config = EngineConfig {
        persist: false,
        parallel_stages: std::env::var_os("AIL_BENCH_PARALLEL").is_some(),
        ..EngineConfig::default()
    };
    println!(
        "lexical and vector search: {}",
        if config.parallel_stages {
            "in parallel"
        } else {
            "in sequence"
        }
    );
    let threads = config.index_threads;
    let engine = Engine::open(&root, config).map_err(|e| e.to_string())?;
    let report = engine
        .refresh(&|_| {}, &ail_engine::CancelToken::new())
        .map_err(|e| e.to_string())?;
    println!(
        "indexed {} files, {} chunks in {:.2} s on {threads} threads (in memory, not persisted)",
        report.files, report.chunks, report.seconds
    );

    timed_queries(&engine)?;
    chunking_throughput(&root);

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let mut group = criterion.benchmark_group("query");
    // Flat sampling: a query takes milliseconds, so linear sampling would overrun.
    group.sample_size(20).sampling_mode(SamplingMode::Flat);
    let cases = [
        ("hybrid", Retrieval::Hybrid, None),
        ("lexical", Retrieval::Lexical, None),
        ("vector", Retrieval::Vector, None),
        (
            "hybrid-with-file",
            Retrieval::Hybrid,
            some_indexed_file(&engine),
        ),
    ];
    for (name, retrieval, file) in cases {
        let queries = queries(retrieval, file);
        let mut next = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                let query = &queries[next % queries.len()];
                next += 1;
                engine.set_cache_config(cache_off());
                black_box(engine.query(query).ok())
            })
        });
    }
    engine.set_cache_config(CacheConfig::default());
    let queries = queries(Retrieval::Hybrid, None);
    // Fill the cache first, or criterion's warm-up would measure the misses.
    for q in &queries {
        let _ = engine.query(q);
    }
    let mut next = 0;
    group.bench_function("hybrid-cached", |b| {
        b.iter(|| {
            let query = &queries[next % queries.len()];
            next += 1;
            black_box(engine.query(query).ok())
        })
    });
    group.finish();
    criterion.final_summary();
    Ok(())
}

/// Answer cache off. Setting it also empties the cache of question embeddings, so the
/// next query computes everything; the benches set it before every uncached query.
fn cache_off() -> CacheConfig {
    CacheConfig {
        enabled: false,
        ..CacheConfig::default()
    }
}

/// The workspace to measure and where it came from.
fn workspace() -> (PathBuf, &'static str) {
    if let Some(dir) = std::env::var_os("AIL_BENCH_WORKSPACE").filter(|d| !d.is_empty()) {
        return (PathBuf::from(dir), "from AIL_BENCH_WORKSPACE");
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let django = repo.join("bench-data/django");
    if django.is_dir() {
        return (django, "Django, fetched by benches/fetch_workspace.sh");
    }
    (
        repo.to_path_buf(),
        "this repository; run benches/fetch_workspace.sh to measure on Django",
    )
}

fn queries(retrieval: Retrieval, file: Option<String>) -> Vec<Query> {
    QUESTIONS
        .iter()
        .map(|q| Query {
            question: q.to_string(),
            file: file.clone(),
            line: file.as_ref().map(|_| 0),
            limit: 10,
            retrieval,
        })
        .collect()
}

/// A file the index holds, found by asking for one.
fn some_indexed_file(engine: &Engine) -> Option<String> {
    let answer = engine.query(&queries(Retrieval::Hybrid, None)[0]).ok()?;
    answer.results.first().map(|hit| hit.path.clone())
}

/// Whole-query latency percentiles per retrieval mode with nothing cached, the same for
/// repeated questions answered from the answer cache, and the engine's own measure of
/// its question-embedding stage.
fn timed_queries(engine: &Engine) -> Result<(), String> {
    println!();
    println!(
        "| mode | queries | p50 ms | p95 ms | p99 ms | max ms | embed p50 ms | embed p99 ms |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let modes = [
        ("hybrid", Retrieval::Hybrid, false),
        ("lexical", Retrieval::Lexical, false),
        ("vector", Retrieval::Vector, false),
        ("hybrid, repeated (answer cache)", Retrieval::Hybrid, true),
    ];
    for (name, retrieval, cached) in modes {
        let queries = queries(retrieval, None);
        engine.set_cache_config(if cached {
            CacheConfig::default()
        } else {
            cache_off()
        });
        // One untimed pass so that first-touch costs do not land in the tail (and, with
        // the cache on, so that every question has been seen).
        for q in &queries {
            let _ = engine.query(q);
        }
        let mut total_ms = Vec::with_capacity(TIMED_QUERIES);
        let mut embed_ms = Vec::with_capacity(TIMED_QUERIES);
        let budget = Instant::now();
        for i in 0..TIMED_QUERIES {
            if budget.elapsed() > TIMED_BUDGET {
                break;
            }
            let query = &queries[i % queries.len()];
            if !cached {
                engine.set_cache_config(cache_off());
            }
            let started = Instant::now();
            let answer = engine.query(query).map_err(|e| e.to_string())?;
            total_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            embed_ms.push(answer.timings.embed);
            black_box(answer);
        }
        total_ms.sort_by(f64::total_cmp);
        embed_ms.sort_by(f64::total_cmp);
        let embed = |p| {
            if cached {
                "-".to_string()
            } else {
                format!("{:.3}", percentile(&embed_ms, p))
            }
        };
        println!(
            "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} |",
            total_ms.len(),
            percentile(&total_ms, 50.0),
            percentile(&total_ms, 95.0),
            percentile(&total_ms, 99.0),
            total_ms.last().copied().unwrap_or(0.0),
            embed(50.0),
            embed(99.0),
        );
    }
    engine.set_cache_config(cache_off());
    println!();
    Ok(())
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Chunk every text file of the workspace, single-threaded, and report the rate.
fn chunking_throughput(root: &Path) {
    let mut files = Vec::new();
    collect_text_files(root, &mut files);
    let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();
    if bytes == 0 {
        println!("chunking: no text files found");
        return;
    }
    // Repeat for a steadier figure, but keep the whole measurement short.
    let mut best = f64::INFINITY;
    let mut chunks = 0;
    let budget = Instant::now();
    for _ in 0..3 {
        let started = Instant::now();
        chunks = 0;
        for (path, text) in &files {
            chunks += black_box(chunk_file(Language::from_path(path), text)).len();
        }
        best = best.min(started.elapsed().as_secs_f64());
        if budget.elapsed() > Duration::from_secs(10) {
            break;
        }
    }
    println!(
        "chunking: {} files, {:.1} MiB -> {} chunks in {:.2} s on one thread: {:.1} MiB/s, {:.0} files/s",
        files.len(),
        bytes as f64 / (1024.0 * 1024.0),
        chunks,
        best,
        bytes as f64 / (1024.0 * 1024.0) / best,
        files.len() as f64 / best,
    );
    println!();
}

/// UTF-8 files under `dir`, skipping hidden entries, symbolic links, oversized files and
/// build output, roughly as the engine's walk does.
fn collect_text_files(dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || matches!(&*name, "target" | "node_modules" | "bench-data") {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            collect_text_files(&path, out);
        } else if kind.is_file() {
            if entry.metadata().map_or(true, |m| m.len() > MAX_FILE_BYTES) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue; // not UTF-8
            };
            if text.contains('\0') {
                continue;
            }
            out.push((path.to_string_lossy().into_owned(), text));
        }
    }
}
