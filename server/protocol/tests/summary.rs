//! The summary leading an answer, from the engine's confidence: a question that names a
//! function is answered with confidence, and one whose words barely meet anywhere is told
//! plainly that nothing matches well, while the closest places are still listed; a cached
//! answer quotes the question asked, not the one first asked.

use ail_engine::confidence::NO_GOOD_MATCH;
use ail_engine::{Engine, EngineConfig, Query};
use ail_protocol::merge::merge_context_results;
use ail_protocol::ContextResult;

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files: &[(&str, &str)] = &[
        (
            "src/config.py",
            "import json\n\n\ndef parse_config_file(path):\n    with open(path) as handle:\n        settings = json.load(handle)\n    return settings\n",
        ),
        (
            "src/retry.py",
            "import time\n\n\ndef retry_with_backoff(call, attempts=3):\n    delay = 0.1\n    for _ in range(attempts):\n        try:\n            return call()\n        except OSError:\n            time.sleep(delay)\n            delay *= 2\n    return call()\n",
        ),
        (
            "src/report.py",
            "def render_summary_table(rows):\n    # One line per row, padded to the widest name.\n    width = max(len(r.name) for r in rows)\n    return [r.name.ljust(width) for r in rows]\n",
        ),
        (
            "src/cache.py",
            "class LruCache:\n    def __init__(self, capacity):\n        self.capacity = capacity\n        self.entries = {}\n\n    def evict_oldest(self):\n        oldest = next(iter(self.entries))\n        del self.entries[oldest]\n",
        ),
    ];
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn ask(engine: &Engine, q: &str) -> (ail_engine::Answer, ContextResult) {
    let answer = engine
        .query(&Query {
            question: q.into(),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    let wire = ContextResult::from_answer(&answer, engine.root());
    (answer, wire)
}

#[test]
fn a_named_function_is_answered_with_confidence_and_weak_matches_abstain() {
    let dir = workspace();
    let engine = Engine::open(
        dir.path(),
        EngineConfig {
            persist: false,
            git: false,
            ..Default::default()
        },
    )
    .unwrap();
    engine
        .refresh(&|_| {}, &ail_engine::CancelToken::new())
        .unwrap();

    let (named, named_wire) = ask(&engine, "where is parse config file defined");
    assert_eq!(named.results[0].path, "src/config.py", "{named:?}");
    assert!(
        named.confidence >= NO_GOOD_MATCH,
        "confidence {} with evidence {:?}",
        named.confidence,
        named.evidence
    );
    let summary = &named_wire.summary;
    assert!(
        summary.starts_with("**") && summary.contains("Best match"),
        "{summary}"
    );
    assert!(!summary.contains("No good match"), "{summary}");
    assert!(summary.contains("`parse_config_file`"), "{summary}");

    // Only "rows" meets the workspace, in one place that has nothing to do with invoices.
    let question = "how are overdue invoices reconciled with ledger rows at quarter end";
    let (weak, weak_wire) = ask(&engine, question);
    assert!(
        !weak.results.is_empty(),
        "the closest places are still listed"
    );
    assert!(
        weak.confidence < NO_GOOD_MATCH,
        "confidence {} with evidence {:?}",
        weak.confidence,
        weak.evidence
    );
    let summary = &weak_wire.summary;
    assert!(summary.starts_with("**No good match**"), "{summary}");
    assert!(
        summary.contains(&weak.results[0].path),
        "the closest place is named: {summary}"
    );
    assert!(
        weak.confidence < named.confidence,
        "{} vs {}",
        weak.confidence,
        named.confidence
    );

    // Two folders that both match weakly: the merged answer abstains too.
    let merged = merge_context_results(
        question,
        vec![
            ("one".to_string(), weak_wire.clone()),
            ("two".to_string(), weak_wire),
        ],
        10,
    );
    assert!(
        merged.summary.starts_with("**No good match**")
            && merged.summary.contains("across 2 folders"),
        "{}",
        merged.summary
    );

    // Served from the cache, the answer quotes the question asked this time.
    let (again, again_wire) = ask(&engine, "Where is parse config file defined?");
    assert_eq!(again.cache, ail_engine::cache::CacheTier::Exact);
    assert!(
        again_wire
            .summary
            .contains("Where is parse config file defined?"),
        "{}",
        again_wire.summary
    );
}
