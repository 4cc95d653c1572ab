//! Vector search benchmarks: exact scan against the HNSW graph on clustered 512-d vectors —
//! search latency at 10k and 100k, recall@10 of the graph, build rate, memory per vector, and
//! a crossover sweep to choose `DEFAULT_HNSW_CROSSOVER`.
//!
//! One graph and one exact index grow through the sweep sizes (inserting is incremental, so
//! the graph at 20k is the graph at 10k plus 10k more), which keeps the whole run to a few
//! minutes. Run with `cargo bench --bench vector`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ail_engine::vector::synthetic::{ClusterShape, ClusteredSpace, Xorshift64};
use ail_engine::vector::{
    recall_at_k, ExactIndex, HnswIndex, HnswParams, VectorId, VectorIndex, DEFAULT_HNSW_CROSSOVER,
};
use criterion::Criterion;

const DIM: usize = 512;
const K: usize = 10;
/// Sizes the sweep stops at; the criterion benches run at 10k and 100k.
const SWEEP: [usize; 6] = [2_000, 5_000, 10_000, 20_000, 50_000, 100_000];
const CRITERION_SIZES: [usize; 2] = [10_000, 100_000];
const MEMORY_SIZE: usize = 50_000;
/// Search widths tried, narrowest first; the sweep uses the first reaching the target recall.
const EF_LADDER: [usize; 9] = [10, 16, 24, 32, 48, 64, 96, 128, 256];
const TARGET_RECALL: f64 = 0.99;
const QUERIES: usize = 200;

fn keep_all(_: VectorId) -> bool {
    true
}

/// Resident set size in bytes (Linux); 0 elsewhere, and the RSS figures then read 0.
fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Median single-query latency over `queries` (each run once, after one warm-up pass).
fn median_latency(queries: &[Vec<f32>], mut search: impl FnMut(&[f32])) -> Duration {
    queries.iter().take(20).for_each(|q| search(q));
    let mut times: Vec<Duration> = queries
        .iter()
        .map(|q| {
            let start = Instant::now();
            search(q);
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ids(results: Vec<(VectorId, f32)>) -> Vec<VectorId> {
    results.into_iter().map(|(id, _)| id).collect()
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

struct SweepRow {
    size: usize,
    exact_sequential: Duration,
    exact_parallel: Duration,
    hnsw: Option<(usize, f64, Duration)>,
}

fn main() {
    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    let params = HnswParams::default();
    let space = ClusteredSpace::new(DIM, ClusterShape::topics(500), 42);
    let queries = space.sample(QUERIES, 7);
    let exact = ExactIndex::with_dim(DIM);
    let graph = HnswIndex::new(DIM, params, SWEEP[SWEEP.len() - 1]);
    let mut rng = Xorshift64::new(1);
    let mut inserted = 0usize;
    let (mut exact_rss, mut graph_rss) = (0usize, 0usize);
    let (mut build_time, mut built) = (Duration::ZERO, 0usize);
    let mut rows = Vec::new();

    println!(
        "vector bench: {DIM}-d clustered (500 topics), k={K}, {QUERIES} queries, {params:?}, \
         {} cores",
        available_cores()
    );
    for &size in &SWEEP {
        let batch: Vec<(VectorId, Vec<f32>)> = (inserted..size)
            .map(|id| (id as VectorId, space.sample_one(&mut rng)))
            .collect();
        inserted = size;

        let before = rss_bytes();
        for (id, v) in &batch {
            exact.insert(*id, v);
        }
        let after_exact = rss_bytes();
        let start = Instant::now();
        let added = graph.insert_batch(batch);
        build_time += start.elapsed();
        built += added;
        exact_rss += after_exact.saturating_sub(before);
        graph_rss += rss_bytes().saturating_sub(after_exact);
        println!(
            "[{size}] graph build: {built} vectors in {:.1} s, {:.0} vectors/s overall",
            build_time.as_secs_f64(),
            built as f64 / build_time.as_secs_f64()
        );

        if size == MEMORY_SIZE {
            println!(
                "[{size}] memory per vector: exact {} B held, {} B RSS delta; \
                 hnsw {} B held (estimate), {} B RSS delta",
                exact.memory_bytes() / size,
                exact_rss / size,
                graph.memory_bytes() / size,
                graph_rss / size
            );
        }

        let truth: Vec<Vec<VectorId>> = queries
            .iter()
            .map(|q| ids(exact.search(q, K, &keep_all)))
            .collect();
        let recall_at = |ef: usize| {
            let found: Vec<Vec<VectorId>> = queries
                .iter()
                .map(|q| ids(graph.search_with_ef(q, K, ef, &keep_all)))
                .collect();
            recall_at_k(&truth, &found, K)
        };
        let ladder: Vec<(usize, f64)> = EF_LADDER.iter().map(|&ef| (ef, recall_at(ef))).collect();
        println!(
            "[{size}] hnsw recall@{K} by ef: {}",
            ladder
                .iter()
                .map(|(ef, r)| format!("{ef}:{r:.4}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        println!(
            "[{size}] hnsw recall@{K} at default ef_search {}: {:.4}",
            graph.ef_search(),
            recall_at(graph.ef_search())
        );

        let sequential = ExactIndex::from_parts(exact.to_parts())
            .map(|e| e.with_parallel_threshold(usize::MAX))
            .expect("parts of a live index are valid");
        let parallel = ExactIndex::from_parts(exact.to_parts())
            .map(|e| e.with_parallel_threshold(1))
            .expect("parts of a live index are valid");
        let exact_sequential = median_latency(&queries, |q| {
            black_box(sequential.search(q, K, &keep_all));
        });
        let exact_parallel = median_latency(&queries, |q| {
            black_box(parallel.search(q, K, &keep_all));
        });
        drop((sequential, parallel));
        let hnsw = ladder
            .iter()
            .find(|(_, r)| *r >= TARGET_RECALL)
            .map(|&(ef, r)| {
                let latency = median_latency(&queries, |q| {
                    black_box(graph.search_with_ef(q, K, ef, &keep_all));
                });
                (ef, r, latency)
            });
        rows.push(SweepRow {
            size,
            exact_sequential,
            exact_parallel,
            hnsw,
        });

        if CRITERION_SIZES.contains(&size) {
            // Calibrate on queries other than the measured ones, as a caller would.
            let calibration = space.sample(100, 8 + size as u64);
            let (ef, calibrated) =
                graph.calibrate_ef_search(&exact, &calibration, K, TARGET_RECALL);
            println!(
                "[{size}] calibrated ef_search {ef} (recall {calibrated:.4} on calibration \
                 queries, {:.4} on the measured ones)",
                recall_at(ef)
            );
            let mut group = criterion.benchmark_group(format!("search_{}k", size / 1000));
            let mut next = 0usize;
            group.bench_function("exact", |b| {
                b.iter(|| {
                    next = (next + 1) % queries.len();
                    black_box(exact.search(&queries[next], K, &keep_all))
                })
            });
            group.bench_function("hnsw", |b| {
                b.iter(|| {
                    next = (next + 1) % queries.len();
                    black_box(graph.search(&queries[next], K, &keep_all))
                })
            });
            group.finish();
            graph.set_ef_search(params.ef_search);
        }
    }

    println!("\ncrossover sweep (median latency per query, k={K}, recall target {TARGET_RECALL}):");
    println!(
        "{:>8} {:>12} {:>12} {:>6} {:>8} {:>12}",
        "vectors", "exact seq", "exact par", "ef", "recall", "hnsw"
    );
    let mut crossover = None;
    for row in &rows {
        let exact_best = row.exact_sequential.min(row.exact_parallel);
        let hnsw = match row.hnsw {
            Some((ef, recall, latency)) => {
                if crossover.is_none() && latency < exact_best {
                    crossover = Some(row.size);
                }
                format!("{ef:>6} {recall:>8.4} {:>10.0}us", micros(latency))
            }
            None => format!("{:>6} {:>8} {:>12}", "-", "<target", "-"),
        };
        println!(
            "{:>8} {:>10.0}us {:>10.0}us {hnsw}",
            row.size,
            micros(row.exact_sequential),
            micros(row.exact_parallel)
        );
    }
    match crossover {
        Some(size) => println!(
            "first sweep size where hnsw beats exact at recall >= {TARGET_RECALL}: {size} \
             (DEFAULT_HNSW_CROSSOVER is {DEFAULT_HNSW_CROSSOVER})"
        ),
        None => println!("hnsw never beat exact at recall >= {TARGET_RECALL} in this sweep"),
    }

    criterion.final_summary();
}

fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
