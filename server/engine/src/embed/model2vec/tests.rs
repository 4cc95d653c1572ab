//! Unit tests of the Model2Vec loader and embedder on small models written by the tests:
//! tokenization through `tokenizer.json`, the embedding arithmetic, every tensor layout and
//! dtype, and the errors for unusable files. `tests/static_model.rs` checks a real model
//! against its own encoder.

use super::tensors::f16_to_f32;
use super::*;
use safetensors::tensor::{Dtype, TensorView};
use serde_json::{json, Map};
use std::fs;

/// The WordPiece fixture's vocabulary, in id order.
const WORDPIECE_VOCAB: [&str; 30] = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "quick", "brown", "fox", "jump", "##s", "##ed",
    "##ing", "over", "lazy", "dog", "cat", "parse", "##r", "config", "file", "read", "##er", "!",
    "?", ".", "un", "##believ", "##able", "a", "##b",
];

/// One hand-chosen row per WordPiece token: animals lean on dimension 0, code words on
/// dimension 1, small words on 2 and 3. Every value is a multiple of 1/8 below 4, so F16
/// and BF16 hold it exactly and times 8 it fits I8. `[UNK]` is large so that counting it
/// by mistake would show.
const WORDPIECE_ROWS: [[f32; 4]; 30] = [
    [0.0, 0.0, 0.0, 0.0],
    [3.0, 3.0, 3.0, 3.0],
    [0.0, 0.0, 0.0, 1.0],
    [0.0, 0.0, 1.0, 0.0],
    [0.125, 0.125, 0.5, 0.0],
    [1.0, 0.0, 0.0, 0.25],
    [1.0, 0.125, 0.0, 0.0],
    [2.0, 0.0, 0.25, 0.0],
    [1.0, 0.25, 0.0, 0.125],
    [0.0, 0.0, 0.25, 0.25],
    [0.0, 0.0, 0.25, 0.5],
    [0.0, 0.125, 0.25, 0.25],
    [0.25, 0.0, 0.5, 0.0],
    [1.0, 0.0, 0.0, 0.5],
    [2.0, 0.125, 0.0, 0.25],
    [2.0, 0.0, 0.125, 0.125],
    [0.0, 2.0, 0.0, 0.25],
    [0.0, 1.0, 0.125, 0.0],
    [0.125, 2.0, 0.0, 0.0],
    [0.0, 1.5, 0.25, 0.0],
    [0.0, 1.0, 0.0, 0.5],
    [0.0, 0.5, 0.25, 0.0],
    [0.0, 0.0, 0.0, 0.125],
    [0.0, 0.0, 0.125, 0.125],
    [0.0, 0.0, 0.125, 0.0],
    [0.5, -0.5, 0.0, 0.0],
    [0.75, 0.0, 0.0, -0.25],
    [0.25, 0.25, 0.0, 0.0],
    [0.0, 0.0, 0.5, 0.25],
    [-1.0, 1.0, 0.0, 0.0],
];

fn wordpiece_tokenizer() -> Value {
    let vocab: Map<String, Value> = WORDPIECE_VOCAB
        .iter()
        .enumerate()
        .map(|(id, token)| (token.to_string(), json!(id)))
        .collect();
    json!({
        "version": "1.0",
        "added_tokens": [{
            "id": 1, "content": "[UNK]", "single_word": false, "lstrip": false,
            "rstrip": false, "normalized": false, "special": true
        }],
        "normalizer": {
            "type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
            "strip_accents": null, "lowercase": true
        },
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": null,
        "model": {
            "type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 12, "vocab": vocab
        }
    })
}

/// A tokenizer as Model2Vec writes one: Unigram over the whole text (Metaspace without
/// splitting, so "▁new▁york" can be one token), punctuation spaced out by the normalizer.
const UNIGRAM_VOCAB: [(&str, f64); 22] = [
    ("[UNK]", 0.0),
    ("[PAD]", 0.0),
    ("▁hello", -2.0),
    ("▁hell", -3.0),
    ("o", -3.0),
    ("▁world", -2.0),
    ("▁new▁york", -2.5),
    ("▁new", -3.0),
    ("▁york", -3.0),
    ("▁city", -3.0),
    ("▁un", -3.0),
    ("believ", -4.0),
    ("able", -3.0),
    ("▁", -5.0),
    ("▁?", -3.0),
    ("▁ab", -1.0),
    ("c", -10.0),
    ("▁a", -2.0),
    ("bc", -2.0),
    ("▁hel", -4.0),
    ("lo", -4.0),
    ("▁wor", -4.0),
];

fn unigram_tokenizer() -> Value {
    let vocab: Vec<Value> = UNIGRAM_VOCAB
        .iter()
        .map(|(piece, score)| json!([piece, score]))
        .collect();
    let mut normalizers = vec![json!({
        "type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
        "strip_accents": null, "lowercase": true
    })];
    for punctuation in ["?", "!", ",", "."] {
        normalizers.push(json!({
            "type": "Replace", "pattern": {"String": punctuation},
            "content": format!(" {punctuation} ")
        }));
    }
    normalizers.push(json!({"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}));
    normalizers.push(json!({"type": "Strip", "strip_left": false, "strip_right": true}));
    json!({
        "normalizer": {"type": "Sequence", "normalizers": normalizers},
        "pre_tokenizer": {
            "type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": false
        },
        "model": {"type": "Unigram", "unk_id": 0, "vocab": vocab, "byte_fallback": false}
    })
}

fn unigram_rows() -> Vec<[f32; 3]> {
    (0..UNIGRAM_VOCAB.len())
        .map(|id| {
            let id = id as f32;
            [
                id * 0.125,
                1.0 - id * 0.0625,
                if id % 2.0 == 0.0 { 0.5 } else { -0.25 },
            ]
        })
        .collect()
}

/// Little-endian bytes of `values` in `dtype` (F32, F16, BF16, F64 or I8), checking that
/// each value survives the trip exactly.
fn encode(values: &[f32], dtype: Dtype) -> Vec<u8> {
    let mut bytes = Vec::new();
    for &value in values {
        match dtype {
            Dtype::F32 => bytes.extend(value.to_le_bytes()),
            Dtype::F64 => bytes.extend(f64::from(value).to_le_bytes()),
            Dtype::BF16 => {
                let half = (value.to_bits() >> 16) as u16;
                assert_eq!(f32::from_bits(u32::from(half) << 16), value);
                bytes.extend(half.to_le_bytes());
            }
            Dtype::F16 => {
                let half = f32_to_f16_exact(value);
                assert_eq!(f16_to_f32(half), value, "{value} is not exact in F16");
                bytes.extend(half.to_le_bytes());
            }
            Dtype::I8 => {
                assert_eq!(value.fract(), 0.0);
                bytes.push(value as i8 as u8);
            }
            other => panic!("no encoder for {other:?}"),
        }
    }
    bytes
}

/// Half-precision bits of a normal number or zero that F16 holds exactly.
fn f32_to_f16_exact(value: f32) -> u16 {
    let bits = value.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    if value == 0.0 {
        return sign;
    }
    let exponent = ((bits >> 23) & 0xFF) as i32 - 127 + 15;
    assert!(
        (1..31).contains(&exponent),
        "{value} is outside F16's normal range"
    );
    sign | ((exponent as u16) << 10) | ((bits >> 13) & 0x3FF) as u16
}

struct TensorSpec {
    name: &'static str,
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

fn matrix(rows: &[impl AsRef<[f32]>], dtype: Dtype) -> TensorSpec {
    let dim = rows.first().map_or(0, |row| row.as_ref().len());
    let values: Vec<f32> = rows.iter().flat_map(|row| row.as_ref().to_vec()).collect();
    TensorSpec {
        name: "embeddings",
        dtype,
        shape: vec![rows.len(), dim],
        bytes: encode(&values, dtype),
    }
}

fn safetensors_bytes(tensors: &[TensorSpec]) -> Vec<u8> {
    let views: Vec<(&str, TensorView<'_>)> = tensors
        .iter()
        .map(|spec| {
            let view = TensorView::new(spec.dtype, spec.shape.clone(), &spec.bytes)
                .expect("test tensor matches its shape");
            (spec.name, view)
        })
        .collect();
    safetensors::serialize(views, None).expect("serialize test tensors")
}

fn write_model(dir: &Path, tokenizer: &Value, tensors: &[TensorSpec]) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("tokenizer.json"), tokenizer.to_string()).unwrap();
    fs::write(dir.join("model.safetensors"), safetensors_bytes(tensors)).unwrap();
}

fn wordpiece_model(root: &Path, dtype: Dtype) -> Model2VecEmbedder {
    let dir = root.join(format!("wordpiece-{dtype:?}"));
    write_model(
        &dir,
        &wordpiece_tokenizer(),
        &[matrix(&WORDPIECE_ROWS, dtype)],
    );
    Model2VecEmbedder::load(&dir).unwrap()
}

fn unigram_model(root: &Path) -> Model2VecEmbedder {
    let dir = root.join("unigram");
    write_model(
        &dir,
        &unigram_tokenizer(),
        &[matrix(&unigram_rows(), Dtype::F32)],
    );
    Model2VecEmbedder::load(&dir).unwrap()
}

fn ids(vocab: &[&str], tokens: &[&str]) -> Vec<u32> {
    tokens
        .iter()
        .map(|token| {
            vocab
                .iter()
                .position(|t| t == token)
                .unwrap_or_else(|| panic!("{token} not in the fixture")) as u32
        })
        .collect()
}

fn unigram_ids(tokens: &[&str]) -> Vec<u32> {
    let vocab: Vec<&str> = UNIGRAM_VOCAB.iter().map(|(piece, _)| *piece).collect();
    ids(&vocab, tokens)
}

/// The unit-length mean of `rows`, weighted, computed the plain way.
fn expected_embedding(rows: &[&[f32]], weights: &[f32]) -> Vec<f32> {
    let mut mean = vec![0.0f32; rows[0].len()];
    for (row, weight) in rows.iter().zip(weights) {
        for (total, value) in mean.iter_mut().zip(*row) {
            *total += weight * value / rows.len() as f32;
        }
    }
    let norm = mean.iter().map(|x| x * x).sum::<f32>().sqrt();
    mean.iter().map(|x| x / norm).collect()
}

fn assert_close(actual: &[f32], expected: &[f32]) {
    assert_eq!(actual.len(), expected.len());
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() < 1e-6, "{actual:?} != {expected:?}");
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn load_error(dir: &Path) -> Model2VecError {
    match Model2VecEmbedder::load(dir) {
        Ok(model) => panic!("expected an error, loaded {model:?}"),
        Err(error) => error,
    }
}

#[test]
fn wordpiece_splits_words_into_longest_pieces_and_punctuation() {
    let root = tempfile::tempdir().unwrap();
    let model = wordpiece_model(root.path(), Dtype::F32);
    let wp = |tokens: &[&str]| ids(&WORDPIECE_VOCAB, tokens);

    assert_eq!(
        model.tokenize("The QUICK brown fox jumps!"),
        wp(&["the", "quick", "brown", "fox", "jump", "##s", "!"])
    );
    assert_eq!(
        model.tokenize("unbelievable"),
        wp(&["un", "##believ", "##able"])
    );
    assert_eq!(
        model.tokenize("parser reader, ab."),
        wp(&["parse", "##r", "read", "##er", "[UNK]", "a", "##b", "."])
    );
}

#[test]
fn wordpiece_normalizes_like_uncased_bert() {
    let root = tempfile::tempdir().unwrap();
    let model = wordpiece_model(root.path(), Dtype::F32);
    let wp = |tokens: &[&str]| ids(&WORDPIECE_VOCAB, tokens);

    // Accents stripped, tab as a space, a zero-width space (format character) removed.
    assert_eq!(
        model.tokenize("Jumped over the LÁZY\tdog?"),
        wp(&["jump", "##ed", "over", "the", "lazy", "dog", "?"])
    );
    assert_eq!(model.tokenize("fo\u{200B}x"), wp(&["fox"]));
    // A CJK ideograph becomes a word of its own, here an unknown one.
    assert_eq!(model.tokenize("fox狗dog"), wp(&["fox", "[UNK]", "dog"]));
}

#[test]
fn wordpiece_word_it_cannot_spell_is_one_unknown_token() {
    let root = tempfile::tempdir().unwrap();
    let model = wordpiece_model(root.path(), Dtype::F32);
    let wp = |tokens: &[&str]| ids(&WORDPIECE_VOCAB, tokens);

    // "jump" matches, but nothing continues it with "x": the whole word is unknown.
    assert_eq!(model.tokenize("jumpx fox"), wp(&["[UNK]", "fox"]));
    assert_eq!(model.tokenize("zebra"), wp(&["[UNK]"]));
    // Longer than max_input_chars_per_word (12), although it could be spelled.
    assert_eq!(model.tokenize("jumpsjumpsjumps"), wp(&["[UNK]"]));
    assert_eq!(model.tokenize("   "), Vec::<u32>::new());
}

#[test]
fn wordpiece_embedding_is_normalised_mean_of_known_token_rows() {
    let root = tempfile::tempdir().unwrap();
    let model = wordpiece_model(root.path(), Dtype::F32);
    assert_eq!(model.dim(), 4);
    assert_eq!(model.name(), "model2vec:wordpiece-F32");

    // "zebra" is unknown and must not count.
    let vector = model.embed("The fox jumps, zebra");
    let rows: Vec<&[f32]> = ["the", "fox", "jump", "##s"]
        .iter()
        .chain([","].iter().filter(|_| false))
        .map(|token| &WORDPIECE_ROWS[ids(&WORDPIECE_VOCAB, &[token])[0] as usize][..])
        .collect();
    // "," is not in the vocabulary either.
    assert_close(&vector, &expected_embedding(&rows, &[1.0; 4]));
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-6);
}

#[test]
fn text_without_known_tokens_embeds_as_zeros() {
    let root = tempfile::tempdir().unwrap();
    let model = wordpiece_model(root.path(), Dtype::F32);
    assert_eq!(model.embed(""), vec![0.0; 4]);
    assert_eq!(model.embed("zebra xylophone"), vec![0.0; 4]);
}

#[test]
fn similar_texts_score_higher_than_unrelated_ones() {
    let root = tempfile::tempdir().unwrap();
    let model = wordpiece_model(root.path(), Dtype::F32);
    let question = model.embed("the quick brown fox");
    let similar = model.embed("a lazy dog jumped over the cat");
    let unrelated = model.embed("parse the config file reader");
    assert!(
        cosine(&question, &similar) > cosine(&question, &unrelated) + 0.3,
        "similar {} unrelated {}",
        cosine(&question, &similar),
        cosine(&question, &unrelated)
    );
}

#[test]
fn every_supported_dtype_gives_the_f32_embeddings() {
    let root = tempfile::tempdir().unwrap();
    let reference = wordpiece_model(root.path(), Dtype::F32);
    let texts = [
        "The quick brown fox jumps!",
        "parse the config file",
        "un ab",
    ];
    for dtype in [Dtype::F16, Dtype::BF16, Dtype::F64] {
        let model = wordpiece_model(root.path(), dtype);
        for text in texts {
            assert_eq!(model.embed(text), reference.embed(text), "{dtype:?} {text}");
        }
    }
    // I8 holds the rows times 8: the same directions, so the same unit vectors.
    let scaled: Vec<[f32; 4]> = WORDPIECE_ROWS
        .map(|row| row.map(|value| value * 8.0))
        .to_vec();
    let dir = root.path().join("wordpiece-i8");
    write_model(&dir, &wordpiece_tokenizer(), &[matrix(&scaled, Dtype::I8)]);
    let model = Model2VecEmbedder::load(&dir).unwrap();
    for text in texts {
        assert_close(&model.embed(text), &reference.embed(text));
    }
}

#[test]
fn weights_tensor_scales_each_tokens_row() {
    let root = tempfile::tempdir().unwrap();
    let weights: Vec<f32> = (0..WORDPIECE_VOCAB.len())
        .map(|id| 0.5 + id as f32 * 0.25)
        .collect();
    let dir = root.path().join("weighted");
    write_model(
        &dir,
        &wordpiece_tokenizer(),
        &[
            matrix(&WORDPIECE_ROWS, Dtype::F32),
            TensorSpec {
                name: "weights",
                dtype: Dtype::F32,
                shape: vec![weights.len()],
                bytes: encode(&weights, Dtype::F32),
            },
        ],
    );
    let model = Model2VecEmbedder::load(&dir).unwrap();
    let tokens = ids(&WORDPIECE_VOCAB, &["parse", "the", "dog"]);
    let rows: Vec<&[f32]> = tokens
        .iter()
        .map(|&id| &WORDPIECE_ROWS[id as usize][..])
        .collect();
    let token_weights: Vec<f32> = tokens.iter().map(|&id| weights[id as usize]).collect();
    let expected = expected_embedding(&rows, &token_weights);
    assert_close(&model.embed("parse the dog"), &expected);
    // The weights matter: without them the vector differs.
    let unweighted = expected_embedding(&rows, &[1.0; 3]);
    assert!(expected
        .iter()
        .zip(&unweighted)
        .any(|(a, b)| (a - b).abs() > 1e-3));
}

#[test]
fn mapping_tensor_lets_tokens_share_rows() {
    let root = tempfile::tempdir().unwrap();
    // Two rows for 30 tokens: even ids use row 0, odd ids row 1.
    let rows = [[1.0f32, 0.0], [0.0, 1.0]];
    let mapping: Vec<i32> = (0..WORDPIECE_VOCAB.len() as i32).map(|id| id % 2).collect();
    let dir = root.path().join("mapped");
    write_model(
        &dir,
        &wordpiece_tokenizer(),
        &[
            matrix(&rows, Dtype::F32),
            TensorSpec {
                name: "mapping",
                dtype: Dtype::I32,
                shape: vec![mapping.len()],
                bytes: mapping.iter().flat_map(|id| id.to_le_bytes()).collect(),
            },
        ],
    );
    let model = Model2VecEmbedder::load(&dir).unwrap();
    // the (4, row 0), fox (7, row 1), dog (14, row 0): mean (2/3, 1/3).
    let expected = expected_embedding(&[&rows[0], &rows[1], &rows[0]], &[1.0; 3]);
    assert_close(&model.embed("the fox dog"), &expected);
}

#[test]
fn max_tokens_caps_the_tokens_that_count() {
    let root = tempfile::tempdir().unwrap();
    let uncapped = wordpiece_model(root.path(), Dtype::F32);
    let text = "zebra fox dog parse config";
    assert_ne!(uncapped.embed(text), uncapped.embed("fox dog"));
    let model = uncapped.with_max_tokens(2);
    // Unknown tokens do not use up the cap.
    assert_eq!(model.embed(text), model.embed("fox dog"));
    // Far past the character budget (2 tokens x median length x 4), text is not even read.
    let long = format!("fox dog{}parse", " ".repeat(200));
    assert_eq!(
        model.tokenize(&long),
        ids(&WORDPIECE_VOCAB, &["fox", "dog"])
    );
}

#[test]
fn unigram_picks_the_best_scoring_segmentation() {
    let root = tempfile::tempdir().unwrap();
    let model = unigram_model(root.path());

    assert_eq!(
        model.tokenize("Hello world"),
        unigram_ids(&["▁hello", "▁world"])
    );
    // Not greedy: ▁ab + c scores -11, ▁a + bc scores -4.
    assert_eq!(model.tokenize("abc"), unigram_ids(&["▁a", "bc"]));
    assert_eq!(
        model.tokenize("unbelievable"),
        unigram_ids(&["▁un", "believ", "able"])
    );
    // Multi-word token, punctuation spaced out by the normalizer, right side stripped.
    assert_eq!(
        model.tokenize("New  York city?  "),
        unigram_ids(&["▁new▁york", "▁city", "▁?"])
    );
    // Characters no token covers fuse into one unknown token.
    assert_eq!(
        model.tokenize("hello qq"),
        unigram_ids(&["▁hello", "▁", "[UNK]"])
    );
}

#[test]
fn unigram_embedding_is_normalised_mean_of_every_token_row() {
    let root = tempfile::tempdir().unwrap();
    let model = unigram_model(root.path());
    assert_eq!(model.dim(), 3);
    let rows = unigram_rows();
    // A Unigram model names its unknown piece by `unk_id` only, and Model2Vec counts it like
    // any other token.
    let tokens = unigram_ids(&["▁hello", "▁", "[UNK]", "▁new▁york"]);
    let expected_rows: Vec<&[f32]> = tokens.iter().map(|&id| &rows[id as usize][..]).collect();
    assert_close(
        &model.embed("hello qq new york"),
        &expected_embedding(&expected_rows, &[1.0; 4]),
    );
}

#[test]
fn unigram_byte_fallback_spells_unknown_characters_as_bytes() {
    let root = tempfile::tempdir().unwrap();
    let mut tokenizer = unigram_tokenizer();
    let mut vocab = tokenizer["model"]["vocab"].as_array().unwrap().clone();
    let first_byte_token = vocab.len() as u32;
    vocab.push(json!(["<0x71>", -8.0])); // "q"
    tokenizer["model"]["vocab"] = Value::Array(vocab);
    tokenizer["model"]["byte_fallback"] = json!(true);
    let rows: Vec<[f32; 2]> = (0..=first_byte_token).map(|id| [1.0, id as f32]).collect();
    let dir = root.path().join("bytes");
    write_model(&dir, &tokenizer, &[matrix(&rows, Dtype::F32)]);
    let model = Model2VecEmbedder::load(&dir).unwrap();

    let mut expected = unigram_ids(&["▁hello", "▁"]);
    expected.extend([first_byte_token, first_byte_token]);
    assert_eq!(model.tokenize("hello qq"), expected);
    // "z" has no byte token, so "zq" stays one unknown token.
    assert_eq!(
        model.tokenize("hello zq"),
        unigram_ids(&["▁hello", "▁", "[UNK]"])
    );
}

#[test]
fn config_json_normalize_false_still_gives_unit_vectors() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("config");
    write_model(
        &dir,
        &wordpiece_tokenizer(),
        &[matrix(&WORDPIECE_ROWS, Dtype::F32)],
    );
    fs::write(
        dir.join("config.json"),
        r#"{"model_type": "model2vec", "normalize": false}"#,
    )
    .unwrap();
    let model = Model2VecEmbedder::load(&dir).unwrap();
    let norm = model
        .embed("fox dog")
        .iter()
        .map(|x| x * x)
        .sum::<f32>()
        .sqrt();
    assert!((norm - 1.0).abs() < 1e-6);
}

#[test]
fn sentence_transformers_layout_loads_from_its_subfolder() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("st-export");
    let mut tensor = matrix(&WORDPIECE_ROWS, Dtype::F32);
    tensor.name = "embedding.weight";
    write_model(
        &dir.join("0_StaticEmbedding"),
        &wordpiece_tokenizer(),
        &[tensor],
    );
    fs::write(dir.join("modules.json"), "[]").unwrap();
    let model = Model2VecEmbedder::load(&dir).unwrap();
    assert_eq!(model.name(), "model2vec:st-export");
    assert_eq!(model.tokenize("fox"), ids(&WORDPIECE_VOCAB, &["fox"]));
}

#[test]
fn missing_directory_is_a_clear_error() {
    let root = tempfile::tempdir().unwrap();
    let error = load_error(&root.path().join("no-such-model"));
    assert!(matches!(error, Model2VecError::NotADirectory(_)), "{error}");
    assert!(error
        .to_string()
        .contains("tokenizer.json and model.safetensors"));
}

#[test]
fn missing_tokenizer_or_matrix_file_names_the_file() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("model");
    write_model(
        &dir,
        &wordpiece_tokenizer(),
        &[matrix(&WORDPIECE_ROWS, Dtype::F32)],
    );

    fs::remove_file(dir.join("model.safetensors")).unwrap();
    let error = load_error(&dir);
    assert!(
        matches!(&error, Model2VecError::MissingFile(path) if path.ends_with("model.safetensors")),
        "{error}"
    );

    fs::remove_file(dir.join("tokenizer.json")).unwrap();
    let error = load_error(&dir);
    assert!(
        matches!(&error, Model2VecError::MissingFile(path) if path.ends_with("tokenizer.json")),
        "{error}"
    );
    assert!(error
        .to_string()
        .contains("download the whole model folder"));
}

#[test]
fn fewer_matrix_rows_than_tokens_is_a_vocabulary_mismatch() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("short");
    write_model(
        &dir,
        &wordpiece_tokenizer(),
        &[matrix(&WORDPIECE_ROWS[..29], Dtype::F32)],
    );
    let error = load_error(&dir);
    assert!(
        matches!(
            error,
            Model2VecError::VocabMismatch {
                rows: 29,
                vocab: 30,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("must come from the same model"));
}

#[test]
fn unsupported_tokenizer_parts_are_named() {
    let root = tempfile::tempdir().unwrap();
    let mut tokenizer = wordpiece_tokenizer();
    tokenizer["model"]["type"] = json!("Neural");
    let dir = root.path().join("neural");
    write_model(&dir, &tokenizer, &[matrix(&WORDPIECE_ROWS, Dtype::F32)]);
    let error = load_error(&dir);
    assert!(
        matches!(&error, Model2VecError::Unsupported { what, .. } if what == "token model `Neural`"),
        "{error}"
    );
    assert!(error.to_string().contains("supported: Unigram"), "{error}");

    // A part the tokenizers library does not know is named in its message.
    let mut tokenizer = wordpiece_tokenizer();
    tokenizer["normalizer"] = json!({"type": "Telepathy"});
    let dir = root.path().join("telepathy");
    write_model(&dir, &tokenizer, &[matrix(&WORDPIECE_ROWS, Dtype::F32)]);
    let error = load_error(&dir);
    assert!(matches!(error, Model2VecError::Tokenizer { .. }), "{error}");
    assert!(error.to_string().contains("tokenizers library"), "{error}");
}

#[test]
fn malformed_tokenizer_json_is_a_clear_error() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("garbled");
    write_model(
        &dir,
        &wordpiece_tokenizer(),
        &[matrix(&WORDPIECE_ROWS, Dtype::F32)],
    );
    fs::write(
        dir.join("tokenizer.json"),
        r#"{"model": {"type": "WordPiece", "voc"#,
    )
    .unwrap();
    let error = load_error(&dir);
    assert!(matches!(error, Model2VecError::Json { .. }), "{error}");

    fs::write(
        dir.join("tokenizer.json"),
        r#"{"model": {"type": "Unigram", "vocab": [["a"]]}}"#,
    )
    .unwrap();
    let error = load_error(&dir);
    assert!(matches!(error, Model2VecError::Tokenizer { .. }), "{error}");
    // The library's own message says what is wrong: a vocabulary entry is not [piece, score].
    assert!(error.to_string().contains("tuple of size 2"), "{error}");
}

#[test]
fn truncated_safetensors_is_a_clear_error() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("truncated");
    write_model(
        &dir,
        &wordpiece_tokenizer(),
        &[matrix(&WORDPIECE_ROWS, Dtype::F32)],
    );
    let bytes = fs::read(dir.join("model.safetensors")).unwrap();
    for keep in [bytes.len() - 10, bytes.len() / 2, 4, 0] {
        fs::write(dir.join("model.safetensors"), &bytes[..keep]).unwrap();
        let error = load_error(&dir);
        assert!(
            matches!(error, Model2VecError::Safetensors { .. }),
            "{keep}: {error}"
        );
        assert!(error.to_string().contains("truncated"), "{error}");
    }
}

#[test]
fn wrong_tensors_are_clear_errors() {
    let root = tempfile::tempdir().unwrap();
    let flat: Vec<f32> = WORDPIECE_ROWS.concat();
    let weights_too_short = TensorSpec {
        name: "weights",
        dtype: Dtype::F32,
        shape: vec![3],
        bytes: encode(&[1.0, 1.0, 1.0], Dtype::F32),
    };
    let cases = [
        (
            vec![TensorSpec {
                name: "embeddings",
                dtype: Dtype::F32,
                shape: vec![flat.len()],
                bytes: encode(&flat, Dtype::F32),
            }],
            "must be 2-D",
        ),
        (
            vec![TensorSpec {
                name: "embeddings",
                dtype: Dtype::I32,
                shape: vec![30, 1],
                bytes: vec![0; 120],
            }],
            "has dtype I32",
        ),
        (
            vec![TensorSpec {
                name: "bias",
                dtype: Dtype::F32,
                shape: vec![2],
                bytes: encode(&[1.0, 2.0], Dtype::F32),
            }],
            "(found: bias)",
        ),
        (
            vec![matrix(&WORDPIECE_ROWS, Dtype::F32), weights_too_short],
            "one value for each of the tokenizer's 30 tokens",
        ),
    ];
    for (index, (tensors, message)) in cases.into_iter().enumerate() {
        let dir = root.path().join(format!("case-{index}"));
        write_model(&dir, &wordpiece_tokenizer(), &tensors);
        let error = load_error(&dir);
        assert!(error.to_string().contains(message), "{error}");
    }
}

#[test]
fn f16_conversion_covers_special_values() {
    assert_eq!(f16_to_f32(0x3C00), 1.0);
    assert_eq!(f16_to_f32(0xC000), -2.0);
    assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
    assert_eq!(f16_to_f32(0x8000).to_bits(), (-0.0f32).to_bits());
    assert_eq!(f16_to_f32(0x7C00), f32::INFINITY);
    assert!(f16_to_f32(0x7E00).is_nan());
    assert_eq!(f16_to_f32(0x7BFF), 65504.0);
}
