//! The text half of a Model2Vec model: `tokenizer.json` read by Hugging Face's `tokenizers`
//! crate, which implements every normalizer, pre-tokenizer and model the format has (the
//! `Precompiled` SentencePiece normalizer of Unigram models among them), so a model tokenizes
//! here exactly as it does in Model2Vec's own Python and Rust encoders.
//!
//! What this file adds around the crate: clear errors for files that are not usable, the
//! unknown token's id (Model2Vec leaves a named unknown token out of an embedding), the median token
//! length that bounds how much text is read, and encoding without special tokens, padding or
//! truncation, as Model2Vec encodes.

use std::path::Path;

use serde::Deserialize as _;
use serde_json::Value;

use super::{read_file, Model2VecError};

/// Token models the crate reads; Model2Vec distils to the first two.
const SUPPORTED_MODELS: &str = "Unigram, WordPiece, BPE, WordLevel";

/// A model's tokenizer, ready to turn text into token ids.
pub(super) struct Tokenizer {
    inner: tokenizers::Tokenizer,
    /// Tokens in the vocabulary, added tokens included: ids run from 0 to this.
    pub vocab_size: usize,
    /// The unknown token's id when the model names one (see [`unknown_id`]).
    pub unk_id: Option<u32>,
    /// Median length in bytes of the vocabulary's tokens, for the character budget.
    pub median_token_bytes: usize,
}

impl Tokenizer {
    /// Read and check the `tokenizer.json` at `path`.
    pub fn load(path: &Path) -> Result<Self, Model2VecError> {
        let bytes = read_file(path)?;
        let json: Value =
            serde_json::from_slice(&bytes).map_err(|source| Model2VecError::Json {
                path: path.to_path_buf(),
                source,
            })?;
        let bad = |reason: String| Model2VecError::Tokenizer {
            path: path.to_path_buf(),
            reason,
        };
        let model_type = model_type(&json).map_err(&bad)?;
        if !SUPPORTED_MODELS.split(", ").any(|name| name == model_type) {
            return Err(Model2VecError::Unsupported {
                path: path.to_path_buf(),
                what: format!("token model `{model_type}`"),
                supported: SUPPORTED_MODELS,
            });
        }
        // The crate's own messages name the part it could not read ("unknown variant ...").
        let mut inner = tokenizers::Tokenizer::deserialize(&json)
            .map_err(|error| bad(format!("the tokenizers library cannot read it: {error}")))?;
        // Model2Vec counts every token of the text, pads nothing and cuts after removing
        // unknown tokens (see `Model2VecEmbedder`), so the file's own settings are dropped.
        inner.with_padding(None);
        inner
            .with_truncation(None)
            .map_err(|error| bad(error.to_string()))?;

        let vocab = inner.get_vocab(true);
        if vocab.is_empty() {
            return Err(bad("its vocabulary is empty".to_string()));
        }
        let vocab_size = vocab.values().map(|&id| id as usize + 1).max().unwrap_or(0);
        let unk_id = unknown_id(&json["model"], &inner);
        let median_token_bytes = median(vocab.keys().map(String::len));
        Ok(Self {
            inner,
            vocab_size,
            unk_id,
            median_token_bytes,
        })
    }

    /// Append the token ids of `text` to `out`, without special tokens. A text the model
    /// cannot encode at all (a Unigram model with no unknown token meeting a character it
    /// cannot spell) gives no ids.
    pub fn encode(&self, text: &str, out: &mut Vec<u32>) {
        match self.inner.encode_fast(text, false) {
            Ok(encoding) => out.extend_from_slice(encoding.get_ids()),
            Err(error) => tracing::debug!(%error, "text cannot be tokenized; embedded as zeros"),
        }
    }
}

/// The `model.type` of a tokenizer file.
fn model_type(json: &Value) -> Result<&str, String> {
    let model = json
        .get("model")
        .and_then(Value::as_object)
        .ok_or("it has no \"model\" object")?;
    match model.get("type").and_then(Value::as_str) {
        Some(name) => Ok(name),
        // Files written before the field existed: the model's own fields tell which it is.
        None if model.contains_key("merges") => Ok("BPE"),
        None if model.contains_key("continuing_subword_prefix") => Ok("WordPiece"),
        None if model.get("vocab").is_some_and(Value::is_array) => Ok("Unigram"),
        None => Err("its model has no \"type\"".to_string()),
    }
}

/// The unknown token's id, for models that name an unknown token (`unk_token`: WordPiece, BPE,
/// WordLevel). Unigram models give only an `unk_id`, and Model2Vec's own encoders (Python and
/// Rust) then leave nothing out; so does this one. That id is not always the unknown piece:
/// in `tokenlearn-static-model` it is ".", a token that must count.
fn unknown_id(model: &Value, tokenizer: &tokenizers::Tokenizer) -> Option<u32> {
    let token = model.get("unk_token").and_then(Value::as_str)?;
    tokenizer.token_to_id(token)
}

/// The median of `lengths` (the upper one of an even count), at least 1.
fn median(lengths: impl Iterator<Item = usize>) -> usize {
    let mut lengths: Vec<usize> = lengths.collect();
    let middle = lengths.len() / 2;
    if lengths.is_empty() {
        return 1;
    }
    let (_, median, _) = lengths.select_nth_unstable(middle);
    (*median).max(1)
}
