//! An answer sees an edit whole or not at all: while one thread keeps replacing a file
//! between two versions (each spread over several chunks) and merging the index into new
//! segments, answers on another thread never mix the two versions.

use ail_engine::cache::CacheConfig;
use ail_engine::{CancelToken, Engine, EngineConfig, Query};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A module of three functions that all name `fruit`.
fn version(fruit: &str) -> String {
    (0..3)
        .map(|n| {
            format!("def orchard_{n}_{fruit}(basket):\n    \"\"\"Weigh the {fruit} harvest, part {n}.\"\"\"\n    return basket.count('{fruit}') * {n}\n\n\n")
        })
        .collect()
}

#[test]
fn answers_never_mix_two_versions_of_an_edited_file() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orchard.py"), version("mango")).unwrap();
    std::fs::write(
        dir.path().join("market.py"),
        "def sell_harvest(crate_count):\n    return crate_count * 3\n",
    )
    .unwrap();
    let engine = Arc::new(
        Engine::open(
            dir.path(),
            EngineConfig {
                cache_dir: Some(cache.path().to_path_buf()),
                git: false,
                ..EngineConfig::default()
            },
        )
        .unwrap(),
    );
    engine.refresh(&|_| {}, &CancelToken::new()).unwrap();
    // Every answer computed, none served from the cache.
    engine.set_cache_config(CacheConfig {
        enabled: false,
        ..CacheConfig::default()
    });

    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (engine, done) = (engine.clone(), done.clone());
        std::thread::spawn(move || {
            for round in 0..200 {
                let fruit = if round % 2 == 0 { "papaya" } else { "mango" };
                engine.update_file("orchard.py", Some(&version(fruit)));
                if round % 25 == 0 {
                    engine.save(); // a merge into a new segment, swapped in
                }
            }
            done.store(true, Ordering::Release);
        })
    };
    let mut answers = 0;
    while !done.load(Ordering::Acquire) || answers < 50 {
        let answer = engine
            .query(&Query {
                question: "weigh the mango papaya harvest".into(),
                limit: 10,
                ..Query::default()
            })
            .unwrap();
        let orchard: Vec<&str> = answer
            .results
            .iter()
            .filter(|r| r.path == "orchard.py")
            .map(|r| r.snippet.as_str())
            .collect();
        assert!(!orchard.is_empty(), "the edited file always answers");
        let mangoes = orchard.iter().filter(|s| s.contains("mango")).count();
        let papayas = orchard.iter().filter(|s| s.contains("papaya")).count();
        assert!(
            mangoes == 0 || papayas == 0,
            "an answer mixed two versions: {orchard:?}"
        );
        answers += 1;
    }
    writer.join().unwrap();
    assert!(answers >= 50);
}
