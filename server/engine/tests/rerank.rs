//! The re-ranker through the engine: a definition whose name and class hold the question's
//! words outranks text that only mentions them, test code yields to the implementation
//! unless the question is about tests, and the candidate dump gives the features the
//! re-ranker reads.

use ail_engine::rerank::FEATURE_NAMES;
use ail_engine::{Engine, EngineConfig, Query, Retrieval};

/// A definition of what the question asks about, a test of it whose name spells the
/// question's words, and a longer text that mentions them more often without defining
/// anything.
fn files() -> Vec<(&'static str, String)> {
    let definition = "class SettingsLoader:\n    def read_settings_file(self, path):\n        with open(path) as handle:\n            return handle.read()\n";
    let mut mention = String::from("# Release notes\n\n");
    for n in 0..6 {
        mention.push_str(&format!(
            "In release {n} the loader reads the settings file earlier, and a settings file that \
             the loader cannot read is reported.\n\n"
        ));
    }
    vec![
        ("app/settings_loader.py", definition.to_string()),
        ("notes/releases.md", mention),
        (
            "tests/test_settings_loader.py",
            "def test_loader_reads_the_settings_file(tmp_path):\n    path = tmp_path / 'settings'\n    path.write_text('debug = true')\n    assert SettingsLoader().read_settings_file(path)\n".to_string(),
        ),
        (
            "app/other.py",
            "def unrelated_helper(value):\n    return value * 2\n".to_string(),
        ),
    ]
}

fn engine(rerank: bool) -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files() {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let engine = Engine::open(
        dir.path(),
        EngineConfig {
            persist: false,
            rerank,
            ..Default::default()
        },
    )
    .unwrap();
    engine
        .refresh(&|_| {}, &ail_engine::CancelToken::new())
        .unwrap();
    (dir, engine)
}

const QUESTION: &str = "how does the loader read the settings file";

fn first_path(engine: &Engine) -> String {
    first_path_for(engine, QUESTION)
}

fn first_path_for(engine: &Engine, question: &str) -> String {
    let answer = engine
        .query(&Query {
            question: question.into(),
            limit: 5,
            ..Default::default()
        })
        .unwrap();
    answer.results[0].path.clone()
}

#[test]
fn a_definition_named_by_the_question_outranks_a_mention() {
    let (_dir, reranked) = engine(true);
    assert_eq!(first_path(&reranked), "app/settings_loader.py");
}

#[test]
fn test_code_yields_to_the_implementation_unless_the_question_is_about_tests() {
    let (_dir, engine) = engine(true);
    assert_eq!(first_path(&engine), "app/settings_loader.py");
    assert_eq!(
        first_path_for(&engine, "where is reading the settings file tested"),
        "tests/test_settings_loader.py"
    );
    // The feature and the prior follow the question: the test is off topic for a question
    // about how the loader works, the implementation for one about its tests.
    let mismatch = |question: &str, path: &str| {
        let rows = engine
            .candidates(
                &Query {
                    question: question.into(),
                    limit: 5,
                    retrieval: Retrieval::Hybrid,
                    ..Default::default()
                },
                20,
            )
            .unwrap();
        let row = rows
            .iter()
            .find(|r| r.path == path)
            .unwrap_or_else(|| panic!("{path} is a candidate"));
        let at = FEATURE_NAMES
            .iter()
            .position(|n| *n == "test_mismatch")
            .unwrap();
        (row.features[at], row.log_prior < 0.0)
    };
    let test = "tests/test_settings_loader.py";
    let code = "app/settings_loader.py";
    let tested = "where is reading the settings file tested";
    assert_eq!(mismatch(QUESTION, test), (1.0, true));
    assert_eq!(mismatch(QUESTION, code), (0.0, false));
    assert_eq!(mismatch(tested, test), (0.0, false));
    assert_eq!(mismatch(tested, code), (1.0, true));
}

#[test]
fn the_candidate_dump_gives_the_features_the_re_ranker_reads() {
    let (_dir, engine) = engine(true);
    let query = Query {
        question: QUESTION.into(),
        limit: 5,
        retrieval: Retrieval::Hybrid,
        ..Default::default()
    };
    let rows = engine.candidates(&query, 20).unwrap();
    let feature = |row: &ail_engine::engine::CandidateRow, name: &str| {
        row.features[FEATURE_NAMES.iter().position(|n| *n == name).unwrap()]
    };
    let method = rows
        .iter()
        .find(|r| r.path == "app/settings_loader.py" && r.start_line == 1)
        .expect("the method is a candidate");
    assert_eq!(feature(method, "definition"), 1.0);
    assert!(feature(method, "name_cov") > 0.3, "{:?}", method.features);
    assert!(
        feature(method, "container_cov") > 0.0,
        "`SettingsLoader` holds `loader`"
    );
    assert!(feature(method, "path_cov") > 0.0);
    assert_eq!(
        feature(method, "name_extra"),
        0.0,
        "every word of the name is asked"
    );
    let notes = rows
        .iter()
        .find(|r| r.path == "notes/releases.md")
        .expect("the notes are a candidate");
    assert_eq!(feature(notes, "definition"), 0.0);
    assert_eq!(feature(notes, "name_cov"), 0.0);
    assert!(
        rows.iter().all(|r| r.path != "app/other.py"),
        "no word matches it"
    );
    assert!(engine
        .candidates(
            &Query {
                question: " ".into(),
                ..query
            },
            20
        )
        .is_err());
}
