//! The answer cache through the engine: which tier serves a question, and that an edit to a
//! cited or asked-about file always forces a fresh answer while unrelated edits do not.

use ail_engine::cache::CacheTier;
use ail_engine::{Engine, EngineConfig, Query};

fn engine_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let engine = indexed_engine(dir.path());
    (dir, engine)
}

/// An engine over `root`, not persisted, after one full refresh.
fn indexed_engine(root: &std::path::Path) -> Engine {
    let engine = Engine::open(
        root,
        EngineConfig {
            persist: false,
            ..Default::default()
        },
    )
    .unwrap();
    engine
        .refresh(&|_| {}, &ail_engine::CancelToken::new())
        .unwrap();
    engine
}

fn files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("src/cache.rs", "/// Drop the oldest entry when the cache is full.\npub fn evict_oldest_entry(entries: &mut Vec<u32>) {\n    entries.remove(0);\n}\n"),
        ("src/parse.rs", "pub fn parse_arguments(argv: &[String]) -> Vec<String> {\n    argv.to_vec()\n}\n"),
        ("docs/notes.md", "# Notes\n\nNothing about caches here, only release notes.\n"),
    ]
}

fn ask(engine: &Engine, q: &str) -> ail_engine::Answer {
    engine
        .query(&Query {
            question: q.into(),
            limit: 10,
            ..Default::default()
        })
        .unwrap()
}

#[test]
fn a_repeated_question_is_served_by_the_exact_tier_with_the_same_results() {
    let (_dir, engine) = engine_with(&files());
    let first = ask(&engine, "How is the oldest cache entry evicted?");
    assert_eq!(first.cache, CacheTier::Miss);
    let again = ask(&engine, "  how is the OLDEST cache entry evicted ");
    assert_eq!(again.cache, CacheTier::Exact);
    assert_eq!(again.results, first.results);
    assert_eq!(engine.cache_stats().exact_hits, 1);
}

#[test]
fn a_reworded_question_is_served_by_the_semantic_tier() {
    let (_dir, engine) = engine_with(&files());
    let first = ask(&engine, "how is the oldest cache entry evicted");
    let reworded = ask(&engine, "how is the oldest cache entry evicted please");
    assert_eq!(
        reworded.cache,
        CacheTier::Semantic,
        "{:?}",
        engine.cache_stats()
    );
    assert_eq!(reworded.results, first.results);
    assert_eq!(
        reworded.question,
        "how is the oldest cache entry evicted please"
    );
}

#[test]
fn editing_a_cited_file_forces_a_fresh_answer_with_current_lines() {
    let (_dir, engine) = engine_with(&files());
    let first = ask(&engine, "how is the oldest cache entry evicted");
    assert_eq!(first.results[0].path, "src/cache.rs");
    // Two lines inserted above the function: the cited range must move.
    engine.update_file(
        "src/cache.rs",
        Some("use std::vec::Vec;\n\n/// Drop the oldest entry when the cache is full.\npub fn evict_oldest_entry(entries: &mut Vec<u32>) {\n    entries.remove(0);\n}\n"),
    );
    let after = ask(&engine, "how is the oldest cache entry evicted");
    assert_eq!(after.cache, CacheTier::Miss);
    let top = &after.results[0];
    assert_eq!(top.path, "src/cache.rs");
    assert!(
        top.end_line >= 6,
        "citation points at current lines: {top:?}"
    );
    let reworded = ask(&engine, "how is the oldest cache entry evicted please");
    assert_ne!(
        reworded.cache,
        CacheTier::Miss,
        "the fresh answer is cached again"
    );
}

#[test]
fn editing_an_unrelated_file_keeps_the_cached_answer() {
    let (_dir, engine) = engine_with(&files());
    let first = ask(&engine, "how is the oldest cache entry evicted");
    let cited: Vec<&str> = first.results.iter().map(|h| h.path.as_str()).collect();
    assert!(!cited.contains(&"src/unrelated.rs"));
    engine.update_file("src/unrelated.rs", Some("pub fn render_page() {}\n"));
    let again = ask(&engine, "how is the oldest cache entry evicted");
    assert_eq!(again.cache, CacheTier::Exact);
    assert!(again.index.generation > first.index.generation);
}

#[test]
fn deleting_a_cited_file_forces_a_fresh_answer_without_it() {
    let (dir, engine) = engine_with(&files());
    ask(&engine, "parse arguments");
    std::fs::remove_file(dir.path().join("src/parse.rs")).unwrap();
    engine.update_file("src/parse.rs", None);
    let after = ask(&engine, "parse arguments");
    assert_eq!(after.cache, CacheTier::Miss);
    assert!(after.results.iter().all(|h| h.path != "src/parse.rs"));
}

#[test]
fn a_question_about_another_file_is_not_served_from_the_cache() {
    let (_dir, engine) = engine_with(&files());
    ask(&engine, "how is the oldest cache entry evicted");
    let q = Query {
        question: "how is the oldest cache entry evicted".into(),
        file: Some("src/parse.rs".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(engine.query(&q).unwrap().cache, CacheTier::Miss);
}

#[test]
fn near_empty_questions_never_match_semantically() {
    let (_dir, engine) = engine_with(&files());
    ask(&engine, "cache");
    assert_eq!(
        ask(&engine, "cache?").cache,
        CacheTier::Exact,
        "same tokens"
    );
    assert_eq!(
        ask(&engine, "caches").cache,
        CacheTier::Exact,
        "the same token after stemming: the same question"
    );
    assert_eq!(
        ask(&engine, "cache frobnicator").cache,
        CacheTier::Miss,
        "one known word is not enough to call it the same question"
    );
}

#[test]
fn low_sampled_graph_recall_switches_to_exact_search_and_back() {
    let (_dir, engine) = engine_with(&files());
    assert!(engine.status().fallbacks.is_empty());
    engine.record_graph_recall_for_test(0.80);
    let fallbacks = engine.status().fallbacks;
    assert_eq!(fallbacks.len(), 1, "{fallbacks:?}");
    assert!(fallbacks[0].starts_with("exact-search"), "{fallbacks:?}");
    engine.record_graph_recall_for_test(0.96);
    assert_eq!(
        engine.status().fallbacks.len(),
        1,
        "recovery needs a margin above the floor"
    );
    engine.record_graph_recall_for_test(0.99);
    assert!(engine.status().fallbacks.is_empty());
    // Answers keep flowing whichever way vectors are searched.
    assert!(!ask(&engine, "parse arguments").results.is_empty());
}

#[test]
fn a_disabled_cache_answers_fresh_every_time() {
    let (_dir, engine) = engine_with(&files());
    engine.set_cache_config(ail_engine::cache::CacheConfig {
        enabled: false,
        ..Default::default()
    });
    ask(&engine, "parse arguments");
    assert_eq!(ask(&engine, "parse arguments").cache, CacheTier::Miss);
}

#[test]
fn a_disabled_semantic_tier_still_serves_exact_repeats() {
    let (_dir, engine) = engine_with(&files());
    engine.set_cache_config(ail_engine::cache::CacheConfig {
        semantic: false,
        ..Default::default()
    });
    ask(&engine, "how is the oldest cache entry evicted");
    assert_eq!(
        ask(&engine, "how is the oldest cache entry evicted please").cache,
        CacheTier::Miss
    );
    assert_eq!(
        ask(&engine, "How is the oldest cache entry evicted?").cache,
        CacheTier::Exact
    );
}

#[test]
fn a_semantic_hit_gives_the_same_places_a_fresh_answer_would() {
    let (_dir, cached) = engine_with(&files());
    let (_dir2, fresh) = engine_with(&files());
    fresh.set_cache_config(ail_engine::cache::CacheConfig {
        enabled: false,
        ..Default::default()
    });
    let pairs = [
        (
            "how is the oldest cache entry evicted",
            "how is the oldest cache entry evicted please",
        ),
        (
            "where are the arguments parsed",
            "where do the arguments get parsed",
        ),
    ];
    for (first, reworded) in pairs {
        ask(&cached, first);
        let served = ask(&cached, reworded);
        let computed = ask(&fresh, reworded);
        let places = |a: &ail_engine::Answer| {
            a.results
                .iter()
                .map(|h| (h.path.clone(), h.start_line, h.end_line))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            places(&served),
            places(&computed),
            "{reworded} ({:?})",
            served.cache
        );
    }
}

#[test]
fn punctuation_inside_the_question_and_stop_words_are_exact_hits() {
    let (_dir, engine) = engine_with(&files());
    let first = ask(&engine, "how is the oldest cache entry evicted");
    let commas = ask(&engine, "How, is the oldest cache entry evicted?");
    assert_eq!(commas.cache, CacheTier::Exact);
    let padded = ask(&engine, "how is the oldest cache entry then evicted");
    assert_eq!(padded.cache, CacheTier::Exact, "'then' is a stop word");
    assert_eq!(padded.results, first.results);
    assert!(
        padded.question.contains("then evicted"),
        "front ends quote the question asked: {}",
        padded.question
    );
}

#[test]
fn swapped_words_hit_only_with_the_answer_a_fresh_query_gives() {
    let (_dir, engine) = engine_with(&files());
    ask(&engine, "how is the oldest cache entry evicted");
    let swapped = ask(&engine, "how is the oldest entry cache evicted");
    assert_eq!(swapped.cache, CacheTier::Semantic);
    engine.set_cache_config(ail_engine::cache::CacheConfig {
        enabled: false,
        ..Default::default()
    });
    let fresh = ask(&engine, "how is the oldest entry cache evicted");
    assert_eq!(fresh.cache, CacheTier::Miss);
    assert_eq!(swapped.results, fresh.results);
}

#[test]
fn questions_that_differ_in_a_known_word_are_not_semantic_hits() {
    let (_dir, engine) = engine_with(&files());
    ask(&engine, "where is the oldest cache entry evicted");
    // Nearly the same embedding, but the lexical search would look for another word.
    let other = ask(
        &engine,
        "where is the oldest cache entry evicted in release notes",
    );
    assert_eq!(other.cache, CacheTier::Miss);
    // Case that changes how an identifier splits is a different question.
    ask(&engine, "parseArguments");
    assert_eq!(ask(&engine, "parsearguments").cache, CacheTier::Miss);
}

/// The benchmark's false-hit check, as a test: on the polyglot fixture, every fixture question
/// is asked, repeated, re-cased and punctuated, padded with a stop word and with two words
/// swapped; every answer the cache serves must list the same places as a fresh answer to
/// the same question with the cache off.
#[test]
fn cached_answers_never_differ_from_fresh_ones_on_the_fixture() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures.join("polyglot"), dir.path());
    let engine = indexed_engine(dir.path());
    let questions: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(fixtures.join("polyglot.questions.json")).unwrap(),
    )
    .unwrap();
    let mut asked = Vec::new();
    for q in &questions {
        let q = q["question"].as_str().unwrap().to_string();
        let words: Vec<&str> = q.split_whitespace().collect();
        let mut swapped = words.clone();
        if swapped.len() >= 3 {
            swapped.swap(1, 2);
        }
        let mut padded = words.clone();
        padded.insert(words.len() / 2, "the");
        asked.push(q.clone());
        asked.push(q.clone());
        asked.push(format!("{}?!", q.to_uppercase()));
        asked.push(padded.join(" "));
        asked.push(swapped.join(" "));
    }
    let places = |a: &ail_engine::Answer| -> Vec<Place> {
        a.results
            .iter()
            .map(|h| (h.path.clone(), h.start_line, h.end_line))
            .collect()
    };
    let served: Vec<(String, Vec<Place>)> = asked
        .iter()
        .filter_map(|q| {
            let a = ask(&engine, q);
            (a.cache != CacheTier::Miss).then(|| (q.clone(), places(&a)))
        })
        .collect();
    assert!(
        served.len() * 2 >= asked.len(),
        "only {} of {} served from the cache",
        served.len(),
        asked.len()
    );
    engine.set_cache_config(ail_engine::cache::CacheConfig {
        enabled: false,
        ..Default::default()
    });
    let false_hits: Vec<&String> = served
        .iter()
        .filter(|(q, cached)| places(&ask(&engine, q)) != *cached)
        .map(|(q, _)| q)
        .collect();
    assert!(false_hits.is_empty(), "false hits: {false_hits:?}");
}

/// Path, first line, end line.
type Place = (String, u32, u32);

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
