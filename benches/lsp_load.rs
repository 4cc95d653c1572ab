//! Load benchmark of the language server: the release `ail lsp` driven over stdio by many
//! `ail/context` requests in flight, hovers, a question mix for the answer cache (exact
//! repeats, rewrites, novel questions) with a check of every cached answer against a fresh
//! one, and a long run with cache clears that watches the server's memory. Time to ready,
//! latency percentiles per phase, hit rates by tier and by kind of request, false hits and
//! RSS go into one markdown table.
//!
//! The workspace is `$AIL_BENCH_WORKSPACE`, else `bench-data/django` when it has been
//! fetched (`benches/fetch_workspace.sh`), else this repository. The cache directory is a
//! fresh temporary directory, so the time to ready is a cold index.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const READY_TIMEOUT: Duration = Duration::from_secs(600);
/// The most one response may take before the benchmark gives up on the server.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(120);
const REQUESTS_PER_PHASE: usize = 400;
const HOVERS: usize = 200;
const HOVER_FILES: usize = 10;
const CACHE_BASE_QUESTIONS: usize = 200;
/// Share of novel questions in the cache phase.
const NOVEL_SHARE: f64 = 0.3;
/// How many requests after a question's first asking its repeat and its two rewrites come.
const REPEAT_GAP: usize = 4;
const REWRITE_CASE_GAP: usize = 9;
const REWRITE_WORDS_GAP: usize = 14;
/// Differing answers printed to stderr by the false-hit check, for each kind of request.
const FALSE_HITS_SHOWN_PER_KIND: usize = 2;
/// The memory phase: queries in all, the cache cleared after every `RSS_CLEAR_EVERY` (the
/// first such block is the warm-up), a few in flight.
const RSS_QUERIES: usize = 1000;
const RSS_CLEAR_EVERY: usize = 100;
const RSS_IN_FLIGHT: usize = 4;
/// The most RSS may grow between the end of the warm-up and the end of the memory phase.
const RSS_GROWTH_GOAL: f64 = 10.0;
/// Hit rate the requests that can hit (repeats and rewrites) should reach.
const HIT_RATE_GOAL: f64 = 90.0;
const LIMITS: &[u64] = &[1, 3, 5, 8, 10, 15, 20, 30, 50];

/// Questions of different kinds (concepts, exact names, vague requests); most fit Django,
/// a few fit this repository, so either workspace gets a mix of strong and weak matches.
const QUESTIONS: &[&str] = &[
    "how are model fields validated",
    "where is the database connection opened",
    "get_object_or_404",
    "how does the cache framework pick a backend",
    "render a template with a context",
    "middleware that checks csrf tokens",
    "how are migrations applied to the database",
    "url routing and path converters",
    "serialize a queryset to json",
    "where are exceptions logged",
    "password hashing algorithms",
    "how does the admin build a changelist",
    "signal dispatch and receivers",
    "QuerySet.select_related",
    "how is a form cleaned",
    "session expiry",
    "send an email with attachments",
    "timezone aware datetimes",
    "static files storage with hashed names",
    "ForeignKey on_delete behaviour",
    "transaction atomic savepoints",
    "how does the test client log in a user",
    "content types framework generic relations",
    "paginate a list of objects",
    "translation of strings with gettext",
    "where is the request body parsed",
    "file upload handlers",
    "management command argument parsing",
    "permission checks for a user",
    "SQL compiler for aggregates",
    "how are database indexes created",
    "sitemaps",
    "cookie signing",
    "the response streaming iterator",
    "where is the settings module loaded",
    "class based views dispatch",
    "postgres specific fields",
    "how are answers cached",
    "parse the language server frames",
    "chunk a source file into symbols",
];

/// Subjects and phrasings for the cache phase, combined into a few hundred distinct
/// questions so that first askings are misses.
const SUBJECTS: &[&str] = &[
    "model field validation",
    "database connections",
    "template rendering",
    "csrf middleware",
    "migration operations",
    "url resolvers",
    "json serializers",
    "password hashers",
    "admin changelist",
    "signals",
    "select_related",
    "form cleaning",
    "session backends",
    "email messages",
    "timezone conversion",
    "static files finders",
    "foreign keys",
    "atomic transactions",
    "the test client",
    "generic relations",
    "pagination",
    "gettext translation",
    "request parsing",
    "upload handlers",
    "management commands",
    "user permissions",
    "aggregates",
    "index creation",
    "sitemap generation",
    "signed cookies",
    "streaming responses",
    "settings loading",
    "view dispatch",
    "array fields",
    "query expressions",
    "cache keys",
    "authentication backends",
    "message storage",
    "redirect responses",
    "content negotiation",
];
const PHRASINGS: &[&str] = &[
    "how does {} work",
    "where is {} implemented",
    "explain {}",
    "what calls {}",
    "tests for {}",
    "errors raised by {}",
    "configuration of {}",
    "{} edge cases",
    "who uses {}",
    "settings that change {}",
    "the main class behind {}",
    "bugs around {}",
    "why does {} fail",
    "examples of {}",
    "documentation for {}",
];
/// Words the stop-word rewrite inserts between two words of a question.
const INSERTED_STOP_WORDS: &[&str] = &["the", "a", "how", "of", "to", "in", "and", "is"];
/// Function words, which the word-swap rewrite leaves in place: it swaps content words.
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "the", "how", "does", "do", "is", "are", "of", "to", "in", "for", "by", "on",
    "with", "what", "where", "who", "why", "which", "that", "and", "or", "behind", "around",
];

/// The kinds of request in the cache phase, in the order the table lists them.
const KINDS: &[&str] = &[
    "first",
    "repeat",
    "rewrite-case",
    "rewrite-stopword",
    "rewrite-swap",
    "novel",
];
/// The kinds that ask a question already answered, so they can be served from the cache.
const CAN_HIT: &[&str] = &["repeat", "rewrite-case", "rewrite-stopword", "rewrite-swap"];

fn main() {
    let workspace = bench_workspace();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let load_at_start = load_average();
    println!("workspace: {} ({cores} cores)", workspace.display());
    println!("load average at start (1, 5, 15 min): {load_at_start}");
    let files = sample_files(&workspace, HOVER_FILES);
    if files.is_empty() {
        eprintln!("no source files found in {}", workspace.display());
        std::process::exit(1);
    }
    let cache_dir = tempfile::tempdir().expect("temp cache dir");
    let mut server = Server::start(&workspace, cache_dir.path());
    let mut rows: Vec<(String, String)> = Vec::new();

    // Time to ready: from `initialized` to the first `ail/status` that says so.
    let root_uri = ail_protocol::uri::file_uri(&workspace);
    let init = server.call(
        "initialize",
        json!({
            "processId": std::process::id(),
            "rootUri": root_uri,
            "workspaceFolders": [{ "uri": root_uri, "name": "bench" }],
            "capabilities": {
                "window": { "workDoneProgress": true },
                "general": { "positionEncodings": ["utf-16"] }
            }
        }),
    );
    assert!(init.get("result").is_some(), "initialize failed: {init}");
    server.notify("initialized", json!({}));
    let started = Instant::now();
    let status = loop {
        let status = server.call("ail/status", Value::Null)["result"].clone();
        if status["state"] == "ready" {
            break status;
        }
        if started.elapsed() > READY_TIMEOUT {
            panic!("not ready after {READY_TIMEOUT:?}: {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let ready = started.elapsed();
    println!(
        "ready in {:.1} s: {} files, {} chunks",
        ready.as_secs_f64(),
        status["files"],
        status["chunks"]
    );
    rows.push((
        format!(
            "time to ready (cold, {} files, {} chunks)",
            status["files"], status["chunks"]
        ),
        format!("{:.1} s", ready.as_secs_f64()),
    ));
    let progress_creates = server.progress_creates();

    // A few untimed questions so first-use costs are not in the first phase.
    let mut rng = XorShift::new(7);
    let warmup: Vec<Value> = (0..10)
        .map(|i| json!({ "question": QUESTIONS[i * 3 % QUESTIONS.len()] }))
        .collect();
    server.run_closed_loop("ail/context", warmup, 1);

    // Uncached load at two concurrency levels.
    set_cache(&mut server, false);
    for in_flight in [25, 100] {
        let params: Vec<Value> = (0..REQUESTS_PER_PHASE)
            .map(|_| context_params(&mut rng, &files))
            .collect();
        let began = Instant::now();
        let outcomes = server.run_closed_loop("ail/context", params, in_flight);
        let wall = began.elapsed();
        let lat: Vec<Duration> = outcomes.iter().map(|o| o.latency).collect();
        let errors = outcomes.iter().filter(|o| o.error).count();
        // With the cache off every answer must have been computed.
        let served_from_cache = outcomes.iter().filter(|o| o.cached()).count();
        println!(
            "ail/context x{} with {in_flight} in flight: {:.1} s, {errors} errors",
            outcomes.len(),
            wall.as_secs_f64()
        );
        rows.push((
            format!("`ail/context`, cache off, {in_flight} in flight, p50 / p95 / p99"),
            format!(
                "{} ({} req, {:.0} req/s, {errors} errors, {served_from_cache} from cache)",
                percentiles(&lat),
                outcomes.len(),
                outcomes.len() as f64 / wall.as_secs_f64(),
            ),
        ));
    }
    set_cache(&mut server, true);

    // Hover, one at a time as an editor sends them, after one untimed pass over the files.
    let hover_targets = hover_positions(&mut rng, &files, HOVERS);
    let warm: Vec<Value> = files.iter().map(|f| hover_params(&f.uri, 0, 0)).collect();
    server.run_closed_loop("textDocument/hover", warm, 1);
    let outcomes = server.run_closed_loop("textDocument/hover", hover_targets, 1);
    let lat: Vec<Duration> = outcomes.iter().map(|o| o.latency).collect();
    let errors = outcomes.iter().filter(|o| o.error).count();
    let empty = outcomes.iter().filter(|o| o.result.is_null()).count();
    rows.push((
        format!(
            "hover, warm, {HOVERS} in {} files, p50 / p95 / p99",
            files.len()
        ),
        format!("{} ({errors} errors, {empty} empty)", percentiles(&lat)),
    ));

    cache_phase(&mut server, &mut rng, &mut rows);
    memory_phase(&mut server, &mut rng, &files, &mut rows);

    let hwm = proc_status_kib(server.pid(), "VmHWM");
    rows.push((
        "server peak RSS (VmHWM, whole run)".to_string(),
        hwm.map_or("unavailable".to_string(), mib),
    ));
    rows.push((
        "`window/workDoneProgress/create` requests answered".to_string(),
        progress_creates.to_string(),
    ));

    let code = server.shutdown();
    rows.push((
        "exit code after shutdown + exit".to_string(),
        code.map_or("none (killed)".to_string(), |c| c.to_string()),
    ));

    let load_at_end = load_average();
    println!("load average at end (1, 5, 15 min): {load_at_end}");
    rows.insert(
        0,
        (
            "machine: cores; load average (1, 5, 15 min) at start / at end".to_string(),
            format!("{cores} cores; {load_at_start} / {load_at_end}"),
        ),
    );

    println!();
    println!("| measure | value |");
    println!("|---|---|");
    for (k, v) in &rows {
        println!("| {k} | {v} |");
    }
}

/// The answer cache: first askings, exact repeats, two rewrites of each question and novel
/// questions, one at a time so a repeat never races the answer it should hit. Then every
/// answer that came from the cache is asked again with the cache off and compared with the
/// fresh answer.
fn cache_phase(server: &mut Server, rng: &mut XorShift, rows: &mut Vec<(String, String)>) {
    let (base, schedule) = cache_schedule(rng);
    let before = server.call("ail/status", Value::Null)["result"].clone();
    let params: Vec<Value> = schedule.iter().map(|r| r.params.clone()).collect();
    let began = Instant::now();
    let outcomes = server.run_closed_loop("ail/context", params, 1);
    let wall = began.elapsed();
    let after = server.call("ail/status", Value::Null)["result"].clone();
    assert_eq!(
        outcomes.len(),
        schedule.len(),
        "a cache-phase response is missing"
    );
    let novel = schedule.iter().filter(|r| r.kind == "novel").count();
    println!(
        "cache phase: {} requests ({novel} novel) in {:.1} s",
        outcomes.len(),
        wall.as_secs_f64()
    );
    for kind in ["rewrite-case", "rewrite-stopword", "rewrite-swap"] {
        let examples: Vec<String> = schedule
            .iter()
            .filter(|r| r.kind == kind)
            .take(3)
            .filter_map(|r| Some(format!("{:?} -> {}", base[r.base?], r.params["question"])))
            .collect();
        println!("  {kind}, e.g. {}", examples.join("; "));
    }

    // False hits: every cached answer against a fresh one to the same params, asked with the
    // cache off (which empties it). The first askings that were misses are asked again too,
    // as a control: if those change, fresh answers are not stable and a difference is not
    // necessarily the cache's doing.
    let served: Vec<usize> = (0..outcomes.len())
        .filter(|&i| outcomes[i].cached())
        .collect();
    let control: Vec<usize> = (0..outcomes.len())
        .filter(|&i| schedule[i].kind == "first" && outcomes[i].tier() == "miss")
        .collect();
    set_cache(server, false);
    let again: Vec<Value> = served
        .iter()
        .chain(&control)
        .map(|&i| schedule[i].params.clone())
        .collect();
    let fresh = server.run_closed_loop("ail/context", again, 1);
    set_cache(server, true);
    assert_eq!(
        fresh.len(),
        served.len() + control.len(),
        "a re-asked response is missing"
    );
    let (fresh_served, fresh_control) = fresh.split_at(served.len());

    // The answers computed in the phase, to tell which question's entry a hit was served
    // from: the latest earlier miss with the same places.
    let computed: Vec<(usize, Vec<Place>)> = (0..outcomes.len())
        .filter(|&i| outcomes[i].tier() == "miss")
        .map(|i| (i, places(&outcomes[i].result)))
        .collect();
    let source_of = |i: usize, cached: &[Place]| {
        computed
            .iter()
            .rev()
            .find(|(j, p)| *j < i && p.as_slice() == cached)
            .map(|(j, _)| *j)
    };
    let mut false_hit = vec![false; outcomes.len()];
    let mut recheck_failed = 0;
    let (mut own_source, mut other_source, mut unknown_source) = (0, 0, 0);
    let mut shown: HashMap<&str, usize> = HashMap::new();
    for (&i, f) in served.iter().zip(fresh_served) {
        if f.error || f.cached() {
            recheck_failed += 1;
            continue;
        }
        let (cached, now) = (places(&outcomes[i].result), places(&f.result));
        if cached == now {
            continue;
        }
        false_hit[i] = true;
        let (tier, request) = (outcomes[i].tier(), &schedule[i]);
        let source = source_of(i, &cached);
        let same_base =
            source.is_some_and(|j| request.base.is_some() && schedule[j].base == request.base);
        match source {
            Some(_) if same_base => own_source += 1,
            Some(_) => other_source += 1,
            None => unknown_source += 1,
        }
        let n = shown.entry(request.kind).or_default();
        if *n < FALSE_HITS_SHOWN_PER_KIND {
            *n += 1;
            let question = request.params["question"].as_str().unwrap_or("");
            eprintln!("false hit ({tier} tier, {}): {question:?}", request.kind);
            match source {
                Some(j) => eprintln!(
                    "  served the answer computed for {} ({}{})",
                    schedule[j].params["question"],
                    schedule[j].kind,
                    if same_base {
                        ", the same base question"
                    } else {
                        ""
                    }
                ),
                None => eprintln!("  served an answer no earlier miss of the phase had"),
            }
            eprintln!("  cached: {}", show_places(&cached));
            eprintln!("  fresh:  {}", show_places(&now));
        }
    }
    let changed = control
        .iter()
        .zip(fresh_control)
        .filter(|(&i, f)| !f.error && places(&outcomes[i].result) != places(&f.result))
        .count();
    let false_total = false_hit.iter().filter(|&&f| f).count();
    println!(
        "false hits: {false_total} of {} cached answers",
        served.len()
    );

    // Tiers by kind of request, with the false hits among them.
    let mut tiers: HashMap<(&str, &str), usize> = HashMap::new();
    let mut false_by: HashMap<(&str, &str), usize> = HashMap::new();
    let mut cached_lat = Vec::new();
    let mut miss_lat = Vec::new();
    for (i, (o, r)) in outcomes.iter().zip(&schedule).enumerate() {
        let tier = o.tier();
        if o.cached() {
            cached_lat.push(o.latency);
        } else if !o.error {
            miss_lat.push(o.latency);
        }
        *tiers.entry((r.kind, tier)).or_default() += 1;
        if false_hit[i] {
            *false_by.entry((r.kind, tier)).or_default() += 1;
        }
    }
    let sum = |map: &HashMap<(&str, &str), usize>, kinds: &[&str], tiers: &[&str]| -> usize {
        kinds
            .iter()
            .flat_map(|k| tiers.iter().map(move |t| (*k, *t)))
            .map(|key| map.get(&key).copied().unwrap_or(0))
            .sum()
    };
    let asked =
        |kinds: &[&str]| -> usize { schedule.iter().filter(|r| kinds.contains(&r.kind)).count() };

    let delta = |key: &str| {
        before["cache"][key]
            .as_u64()
            .zip(after["cache"][key].as_u64())
            .map_or(0, |(b, a)| a.saturating_sub(b))
    };
    rows.push((
        format!(
            "cache phase: {} requests ({CACHE_BASE_QUESTIONS} questions x first / repeat / \
             rewrite-case / rewrite-stopword or rewrite-swap, {novel} novel = {:.0}%); \
             `ail/status` counters over the phase",
            outcomes.len(),
            100.0 * novel as f64 / outcomes.len().max(1) as f64
        ),
        format!(
            "exactHits {}, semanticHits {}, hits {}, misses {}, cumulative hitRate {}",
            delta("exactHits"),
            delta("semanticHits"),
            delta("hits"),
            delta("misses"),
            after["cache"]["hitRate"]
                .as_f64()
                .map_or("?".to_string(), |r| format!("{r:.3}"))
        ),
    ));
    let can_hit = asked(CAN_HIT);
    let exact = sum(&tiers, CAN_HIT, &["exact"]);
    let semantic = sum(&tiers, CAN_HIT, &["semantic"]);
    let wrong = sum(&false_by, CAN_HIT, &["exact", "semantic"]);
    rows.push((
        format!(
            "cache hit rate over repeats and rewrites ({can_hit} requests; goal >= \
             {HIT_RATE_GOAL:.0}%): exact / semantic / total"
        ),
        format!(
            "{} / {} / {} ({}); without false hits {}",
            pct(exact, can_hit),
            pct(semantic, can_hit),
            pct(exact + semantic, can_hit),
            goal_mark(100.0 * (exact + semantic) as f64 / can_hit.max(1) as f64 >= HIT_RATE_GOAL),
            pct(exact + semantic - wrong, can_hit),
        ),
    ));
    for kind in KINDS {
        let n = asked(&[kind]);
        let count = |tier: &str| sum(&tiers, &[kind], &[tier]);
        rows.push((
            format!(
                "cache phase, {kind} ({n}): miss / exact / semantic / error; hit rate; false hits"
            ),
            format!(
                "{} / {} / {} / {}; {}; {} false",
                count("miss"),
                count("exact"),
                count("semantic"),
                count("error"),
                pct(count("exact") + count("semantic"), n),
                sum(&false_by, &[kind], &["exact", "semantic"]),
            ),
        ));
    }
    let exact_all = sum(&tiers, KINDS, &["exact"]);
    let semantic_all = sum(&tiers, KINDS, &["semantic"]);
    rows.push((
        format!(
            "cache hit rate over the whole phase ({} requests, first askings and novel \
             included): exact / semantic / total",
            outcomes.len()
        ),
        format!(
            "{} / {} / {}",
            pct(exact_all, outcomes.len()),
            pct(semantic_all, outcomes.len()),
            pct(exact_all + semantic_all, outcomes.len())
        ),
    ));
    rows.push((
        "cache phase, cached answers p50 / p95 / p99".to_string(),
        format!(
            "{} ({} answers)",
            percentiles(&cached_lat),
            cached_lat.len()
        ),
    ));
    rows.push((
        "cache phase, misses p50 / p95 / p99".to_string(),
        format!("{} ({} answers)", percentiles(&miss_lat), miss_lat.len()),
    ));
    let served_by = |tier: &str| {
        served
            .iter()
            .filter(|&&i| outcomes[i].tier() == tier)
            .count()
    };
    rows.push((
        "false hits (cached places differ from a fresh answer's; goal 0): exact / semantic"
            .to_string(),
        format!(
            "{} of {} / {} of {} ({}{})",
            sum(&false_by, KINDS, &["exact"]),
            served_by("exact"),
            sum(&false_by, KINDS, &["semantic"]),
            served_by("semantic"),
            goal_mark(false_total == 0),
            if recheck_failed > 0 {
                format!(", {recheck_failed} re-asks failed or came from the cache")
            } else {
                String::new()
            }
        ),
    ));
    rows.push((
        "false hits by the answer served: the same base question's / another question's / \
         unidentified"
            .to_string(),
        format!("{own_source} / {other_source} / {unknown_source}"),
    ));
    rows.push((
        "control: first askings asked again with the cache off whose places changed (goal 0)"
            .to_string(),
        format!("{changed} of {}", control.len()),
    ));
}

/// Memory over a long run: `RSS_QUERIES` questions cycling through every question the
/// benchmark knows, some about a file, with the cache emptied every `RSS_CLEAR_EVERY`. RSS is
/// read after each block, before the clear; the first block is the warm-up.
fn memory_phase(
    server: &mut Server,
    rng: &mut XorShift,
    files: &[SampleFile],
    rows: &mut Vec<(String, String)>,
) {
    let questions: Vec<String> = QUESTIONS
        .iter()
        .map(|q| q.to_string())
        .chain(question_pool())
        .collect();
    let mut lat = Vec::new();
    let (mut errors, mut from_cache) = (0, 0);
    let mut rss: Vec<(usize, Option<u64>)> = Vec::new();
    let began = Instant::now();
    let mut done = 0;
    while done < RSS_QUERIES {
        let block = RSS_CLEAR_EVERY.min(RSS_QUERIES - done);
        let params: Vec<Value> = (done..done + block)
            .map(|i| {
                let mut p = json!({
                    "question": questions[i % questions.len()],
                    "limit": LIMITS[rng.below(LIMITS.len())],
                });
                if rng.below(4) == 0 {
                    p["textDocument"] = json!({ "uri": files[rng.below(files.len())].uri });
                }
                p
            })
            .collect();
        let outcomes = server.run_closed_loop("ail/context", params, RSS_IN_FLIGHT);
        lat.extend(outcomes.iter().map(|o| o.latency));
        errors += outcomes.iter().filter(|o| o.error).count();
        from_cache += outcomes.iter().filter(|o| o.cached()).count();
        done += block;
        rss.push((done, proc_status_kib(server.pid(), "VmRSS")));
        set_cache(server, false);
        set_cache(server, true);
    }
    let wall = began.elapsed();
    println!(
        "memory phase: {done} queries in {:.1} s; RSS after each block of {RSS_CLEAR_EVERY}: {}",
        wall.as_secs_f64(),
        rss.iter()
            .map(|(n, kib)| format!("{n}: {}", kib.map_or("?".to_string(), mib)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    rows.push((
        format!(
            "memory phase: {done} `ail/context`, {RSS_IN_FLIGHT} in flight, cache cleared every \
             {RSS_CLEAR_EVERY}, p50 / p95 / p99"
        ),
        format!(
            "{} ({errors} errors, {from_cache} from cache)",
            percentiles(&lat)
        ),
    ));
    let warm = rss.first().and_then(|(_, kib)| *kib);
    let end = rss.last().and_then(|(_, kib)| *kib);
    rows.push((
        format!(
            "server RSS after warm-up (query {}) / after query {done}, growth (goal < {RSS_GROWTH_GOAL:.0}%)",
            rss.first().map_or(0, |(n, _)| *n)
        ),
        match (warm, end) {
            (Some(w), Some(e)) => {
                let growth = 100.0 * (e as f64 - w as f64) / w.max(1) as f64;
                format!(
                    "{} / {}, {growth:+.1}% ({})",
                    mib(w),
                    mib(e),
                    goal_mark(growth < RSS_GROWTH_GOAL)
                )
            }
            _ => "unavailable".to_string(),
        },
    ));
}

fn bench_workspace() -> PathBuf {
    if let Ok(dir) = std::env::var("AIL_BENCH_WORKSPACE") {
        return canonical(PathBuf::from(dir));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let django = root.join("bench-data/django");
    if django.is_dir() {
        return canonical(django);
    }
    canonical(root.to_path_buf())
}

fn canonical(p: PathBuf) -> PathBuf {
    std::fs::canonicalize(&p).unwrap_or(p)
}

fn set_cache(server: &mut Server, on: bool) {
    server.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "ail": { "cache": on } } }),
    );
    // Notifications are handled in order with requests; a status round trip makes sure the
    // switch is in place before the next phase starts.
    server.call("ail/status", Value::Null);
}

/// A source file used for hovers and as the `textDocument` of some questions.
struct SampleFile {
    uri: String,
    lines: Vec<String>,
}

/// `count` source files of 80 lines or more, spread evenly over the workspace in path order.
fn sample_files(root: &Path, count: usize) -> Vec<SampleFile> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("py" | "rs" | "go" | "js" | "ts")
            ) {
                found.push(path);
            }
        }
    }
    found.sort();
    let mut chosen = Vec::new();
    let candidates: Vec<(PathBuf, Vec<String>)> = found
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let lines: Vec<String> = text.lines().map(str::to_string).collect();
            (lines.len() >= 80 && text.len() < 200_000).then_some((p, lines))
        })
        .collect();
    if candidates.is_empty() {
        return chosen;
    }
    let step = (candidates.len() / count).max(1);
    for (path, lines) in candidates.into_iter().step_by(step).take(count) {
        chosen.push(SampleFile {
            uri: ail_protocol::uri::file_uri(&path),
            lines,
        });
    }
    chosen
}

/// A question from the list with a varying `limit`, and a file a third of the time.
fn context_params(rng: &mut XorShift, files: &[SampleFile]) -> Value {
    let mut params = json!({
        "question": QUESTIONS[rng.below(QUESTIONS.len())],
        "limit": LIMITS[rng.below(LIMITS.len())],
    });
    if rng.below(3) == 0 {
        params["textDocument"] = json!({ "uri": files[rng.below(files.len())].uri });
    }
    params
}

fn hover_params(uri: &str, line: usize, character: usize) -> Value {
    json!({
        "textDocument": { "uri": uri },
        "position": { "line": line, "character": character }
    })
}

/// Positions on words: a non-blank line, a character inside it (UTF-16 units).
fn hover_positions(rng: &mut XorShift, files: &[SampleFile], count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| {
            let file = &files[i % files.len()];
            let mut line = rng.below(file.lines.len());
            for _ in 0..20 {
                if !file.lines[line].trim().is_empty() {
                    break;
                }
                line = rng.below(file.lines.len());
            }
            let text = &file.lines[line];
            let indent = text.len() - text.trim_start().len();
            let width: usize = text.chars().map(char::len_utf16).sum();
            let character = indent + rng.below(width.saturating_sub(indent).max(1));
            hover_params(&file.uri, line, character)
        })
        .collect()
}

/// Every question the subjects and phrasings make, in a fixed order.
fn question_pool() -> Vec<String> {
    SUBJECTS
        .iter()
        .flat_map(|s| PHRASINGS.iter().map(move |p| p.replace("{}", s)))
        .collect()
}

/// The same question with other case and punctuation.
fn rewrite_case(question: &str, variant: usize) -> String {
    match variant % 3 {
        0 => {
            let mut chars = question.chars();
            match chars.next() {
                Some(first) => format!("{}{}?", first.to_uppercase(), chars.as_str()),
                None => String::new(),
            }
        }
        1 => format!("{}!!", question.to_uppercase()),
        _ => {
            let words: Vec<&str> = question.split_whitespace().collect();
            let mut out = String::new();
            for (i, w) in words.iter().enumerate() {
                if i > 0 {
                    out.push_str(if i == 1 { ", " } else { " " });
                }
                out.push_str(w);
            }
            out.push('?');
            out
        }
    }
}

/// The same question with a stop word inserted between two of its words (or in front of a
/// one-word question); never next to the same word.
fn rewrite_stopword(question: &str, rng: &mut XorShift) -> String {
    let mut words: Vec<&str> = question.split_whitespace().collect();
    let at = if words.len() < 2 {
        0
    } else {
        1 + rng.below(words.len() - 1)
    };
    let first = rng.below(INSERTED_STOP_WORDS.len());
    let word = (0..INSERTED_STOP_WORDS.len())
        .map(|k| INSERTED_STOP_WORDS[(first + k) % INSERTED_STOP_WORDS.len()])
        .find(|w| {
            let next_to = |j: Option<usize>| j.and_then(|j| words.get(j)) == Some(w);
            !next_to(at.checked_sub(1)) && !next_to(Some(at))
        })
        .unwrap_or(INSERTED_STOP_WORDS[first]);
    words.insert(at, word);
    words.join(" ")
}

/// The same question with two adjacent content words swapped. Without two adjacent content
/// words, two content words next to each other in reading order (with function words
/// between them) are swapped; with fewer than two, the first two words.
fn rewrite_swap(question: &str, rng: &mut XorShift) -> String {
    let mut words: Vec<&str> = question.split_whitespace().collect();
    let content: Vec<usize> = (0..words.len())
        .filter(|&i| !FUNCTION_WORDS.contains(&words[i].to_lowercase().as_str()))
        .collect();
    let pairs: Vec<(usize, usize)> = content.windows(2).map(|w| (w[0], w[1])).collect();
    let adjacent: Vec<(usize, usize)> = pairs.iter().copied().filter(|(a, b)| b - a == 1).collect();
    let choice = if !adjacent.is_empty() {
        Some(adjacent[rng.below(adjacent.len())])
    } else if !pairs.is_empty() {
        Some(pairs[rng.below(pairs.len())])
    } else if words.len() >= 2 {
        Some((0, 1))
    } else {
        None
    };
    if let Some((a, b)) = choice {
        words.swap(a, b);
    }
    words.join(" ")
}

/// One request of the cache phase.
struct CacheRequest {
    params: Value,
    /// One of `KINDS`.
    kind: &'static str,
    /// The base question a first asking, repeat or rewrite asks; `None` for novel ones.
    base: Option<usize>,
}

/// The cache phase's base questions and requests: every base question asked, repeated
/// exactly a few requests later, then rewritten in case and punctuation, then rewritten in
/// its words (a stop word added or two words swapped, alternately), with novel questions
/// interleaved at random to make up `NOVEL_SHARE` of the whole.
fn cache_schedule(rng: &mut XorShift) -> (Vec<String>, Vec<CacheRequest>) {
    let mut pool = question_pool();
    for i in (1..pool.len()).rev() {
        pool.swap(i, rng.below(i + 1));
    }
    let (base, novel) = pool.split_at(CACHE_BASE_QUESTIONS.min(pool.len()));
    let mut novel = novel.iter();
    let ask = |q: &str| json!({ "question": q, "limit": 10 });
    let mut requests: Vec<CacheRequest> = Vec::new();
    let at_gap = |step: usize, gap: usize| step.checked_sub(gap).filter(|i| *i < base.len());
    // Four requests per base question; novel ones make up the given share of all.
    let novel_per_step = NOVEL_SHARE / (1.0 - NOVEL_SHARE) * 4.0;
    let mut novel_debt = 0.0;
    for step in 0..base.len() + REWRITE_WORDS_GAP {
        let mut push = |question: String, kind, i| {
            requests.push(CacheRequest {
                params: ask(&question),
                kind,
                base: Some(i),
            })
        };
        if step < base.len() {
            push(base[step].clone(), "first", step);
        }
        if let Some(i) = at_gap(step, REPEAT_GAP) {
            push(base[i].clone(), "repeat", i);
        }
        if let Some(i) = at_gap(step, REWRITE_CASE_GAP) {
            push(rewrite_case(&base[i], i), "rewrite-case", i);
        }
        if let Some(i) = at_gap(step, REWRITE_WORDS_GAP) {
            if i % 2 == 0 {
                push(rewrite_stopword(&base[i], rng), "rewrite-stopword", i);
            } else {
                push(rewrite_swap(&base[i], rng), "rewrite-swap", i);
            }
        }
        if step < base.len() {
            novel_debt += novel_per_step;
            while novel_debt >= 1.0 {
                novel_debt -= 1.0;
                if let Some(q) = novel.next() {
                    // Where in this step's requests it lands varies.
                    let at = requests.len() - rng.below(2).min(requests.len());
                    requests.insert(
                        at,
                        CacheRequest {
                            params: ask(q),
                            kind: "novel",
                            base: None,
                        },
                    );
                }
            }
        }
    }
    (base.to_vec(), requests)
}

/// Where an answer points: path, first line and end line of each result, in order.
type Place = (String, u64, u64);

fn places(result: &Value) -> Vec<Place> {
    result["results"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| {
                    (
                        r["path"].as_str().unwrap_or("").to_string(),
                        r["range"]["start"]["line"].as_u64().unwrap_or(0),
                        r["range"]["end"]["line"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn show_places(places: &[Place]) -> String {
    if places.is_empty() {
        return "(none)".to_string();
    }
    places
        .iter()
        .map(|(path, start, end)| format!("{path}:{start}-{end}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// "p50 / p95 / p99 ms" of the samples.
fn percentiles(samples: &[Duration]) -> String {
    format!(
        "{} / {} / {} ms",
        ms(percentile(samples, 50.0)),
        ms(percentile(samples, 95.0)),
        ms(percentile(samples, 99.0))
    )
}

fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

fn pct(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "n/a".to_string();
    }
    format!("{:.1}%", 100.0 * part as f64 / whole as f64)
}

fn goal_mark(met: bool) -> &'static str {
    if met {
        "goal met"
    } else {
        "goal missed"
    }
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

/// A `kB` field of `/proc/<pid>/status` (`VmRSS`, `VmHWM`); Linux only.
fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The 1, 5 and 15 minute load averages from `/proc/loadavg`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unavailable".to_string())
}

/// One response as the benchmark sees it.
struct Outcome {
    latency: Duration,
    error: bool,
    result: Value,
}

impl Outcome {
    /// The answer's `cache` field (`miss`, `exact`, `semantic`), or `error`.
    fn tier(&self) -> &str {
        self.result["cache"].as_str().unwrap_or("error")
    }

    fn cached(&self) -> bool {
        matches!(self.tier(), "exact" | "semantic")
    }
}

/// A response, stamped when the reader thread finished reading it.
struct Incoming {
    id: i64,
    at: Instant,
    message: Value,
}

/// The server process and the client side of its pipes. A reader thread parses frames,
/// answers the server's own requests at once and hands responses over with their arrival
/// time, so the latency measured does not include time spent queued in this process.
struct Server {
    child: Child,
    stdin: Arc<Mutex<ChildStdin>>,
    responses: Receiver<Incoming>,
    progress_creates: Arc<Mutex<usize>>,
    next_id: i64,
}

impl Server {
    fn start(workspace: &Path, cache_dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ail"))
            .arg("--cache-dir")
            .arg(cache_dir)
            .arg("lsp")
            .current_dir(workspace)
            .env("AIL_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ail lsp");
        let stdin = Arc::new(Mutex::new(child.stdin.take().expect("stdin")));
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        // Pass the server's log through, so warnings show next to the figures.
        std::thread::spawn(move || {
            let reader = BufReader::new(stderr);
            for line in reader.lines().map_while(Result::ok) {
                eprintln!("[ail] {line}");
            }
        });
        let (tx, responses) = mpsc::channel();
        let progress_creates = Arc::new(Mutex::new(0));
        let (reader_stdin, creates) = (stdin.clone(), progress_creates.clone());
        std::thread::spawn(move || read_frames(stdout, reader_stdin, creates, tx));
        Server {
            child,
            stdin,
            responses,
            progress_creates,
            next_id: 1,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn progress_creates(&self) -> usize {
        *self.progress_creates.lock().expect("lock")
    }

    fn notify(&mut self, method: &str, params: Value) {
        send(
            &self.stdin,
            &json!({ "jsonrpc": "2.0", "method": method, "params": params }),
        );
    }

    fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        send(
            &self.stdin,
            &json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }),
        );
        id
    }

    fn receive(&mut self) -> Incoming {
        match self.responses.recv_timeout(RESPONSE_TIMEOUT) {
            Ok(incoming) => incoming,
            Err(RecvTimeoutError::Timeout) => panic!("no response in {RESPONSE_TIMEOUT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its stdout"),
        }
    }

    /// Send one request and wait for its whole response message.
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        loop {
            let incoming = self.receive();
            if incoming.id == id {
                return incoming.message;
            }
        }
    }

    /// Send every request, keeping `in_flight` outstanding; outcomes in request order.
    fn run_closed_loop(
        &mut self,
        method: &str,
        params: Vec<Value>,
        in_flight: usize,
    ) -> Vec<Outcome> {
        let total = params.len();
        let mut queue = params.into_iter().enumerate();
        let mut pending: HashMap<i64, (usize, Instant)> = HashMap::new();
        let mut outcomes: Vec<Option<Outcome>> = (0..total).map(|_| None).collect();
        loop {
            while pending.len() < in_flight.max(1) {
                let Some((index, p)) = queue.next() else {
                    break;
                };
                let sent = Instant::now();
                let id = self.send_request(method, p);
                pending.insert(id, (index, sent));
            }
            if pending.is_empty() {
                break;
            }
            let incoming = self.receive();
            if let Some((index, sent)) = pending.remove(&incoming.id) {
                let error = incoming.message.get("error").is_some();
                outcomes[index] = Some(Outcome {
                    latency: incoming.at.saturating_duration_since(sent),
                    error,
                    result: incoming
                        .message
                        .get("result")
                        .cloned()
                        .unwrap_or(Value::Null),
                });
            }
        }
        outcomes.into_iter().flatten().collect()
    }

    /// `shutdown`, then `exit`; the exit code, or `None` if the server had to be killed.
    fn shutdown(mut self) -> Option<i32> {
        let response = self.call("shutdown", Value::Null);
        if response.get("error").is_some() {
            eprintln!("shutdown failed: {response}");
        }
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn send(stdin: &Mutex<ChildStdin>, message: &Value) {
    let body = message.to_string();
    let mut stdin = stdin.lock().expect("stdin lock");
    // A write error means the server is gone; the next wait for a response reports that.
    let _ = stdin
        .write_all(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes())
        .and_then(|_| stdin.flush());
}

fn read_frames(
    stdout: impl Read,
    stdin: Arc<Mutex<ChildStdin>>,
    progress_creates: Arc<Mutex<usize>>,
    tx: mpsc::Sender<Incoming>,
) {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let header = line.trim_end();
            if header.is_empty() {
                if length.is_some() {
                    break;
                }
                continue;
            }
            if let Some(v) = header.strip_prefix("Content-Length:") {
                length = v.trim().parse::<usize>().ok();
            }
        }
        let Some(length) = length else { continue };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let at = Instant::now();
        let Ok(message) = serde_json::from_slice::<Value>(&body) else {
            eprintln!(
                "a frame that is not JSON: {}",
                String::from_utf8_lossy(&body)
            );
            continue;
        };
        match (
            message.get("method").and_then(Value::as_str),
            message.get("id"),
        ) {
            // A server-to-client request: answer at once so the server never waits on us.
            (Some(method), Some(id)) => {
                if method == "window/workDoneProgress/create" {
                    *progress_creates.lock().expect("lock") += 1;
                }
                let result = if method == "workspace/configuration" {
                    let n = message["params"]["items"].as_array().map_or(1, Vec::len);
                    Value::Array(vec![Value::Null; n])
                } else {
                    Value::Null
                };
                send(
                    &stdin,
                    &json!({ "jsonrpc": "2.0", "id": id, "result": result }),
                );
            }
            // Notifications (progress, logs) are not measured.
            (Some(_), None) => {}
            (None, id) => {
                let id = id.and_then(Value::as_i64).unwrap_or(-1);
                if tx.send(Incoming { id, at, message }).is_err() {
                    return;
                }
            }
        }
    }
}

/// A deterministic random number generator (xorshift64*), so every run asks the same.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}
