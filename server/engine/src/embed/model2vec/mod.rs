//! Model2Vec static embeddings: loads a model directory (`tokenizer.json` + `model.safetensors`)
//! and embeds text as the unit-length mean of its tokens' rows.
//!
//! A Model2Vec model is a tokenizer plus one embedding matrix with a row per token, so a text
//! is embedded by tokenizing it and averaging rows: microseconds, no transformer. The tokenizer
//! is Hugging Face's own (`tokenizer.rs`); the matrix, per-token weights and the token-to-row
//! mapping of vocabulary-quantised models come from `tensors.rs`.
//!
//! Embedding follows Model2Vec's own `encode`: the text's tokens without special tokens,
//! the unknown token left out when the model names one (`unk_token`), at most [`MAX_TOKENS`] of them, each token's row (through the
//! `mapping` tensor when there is one) scaled by its `weights` entry when there is one, summed
//! and scaled to unit length. Model2Vec also cuts the text beforehand to the cap times the
//! median token length; here the cut is four times that, so it still bounds the work on a huge
//! input but rarely removes text the cap would have counted (indentation-heavy code, unknown
//! symbols). Texts under that budget embed exactly as Model2Vec embeds them.

mod error;
mod tensors;
#[cfg(test)]
mod tests;
mod tokenizer;

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub use error::Model2VecError;
use tokenizer::Tokenizer;

use super::{normalize, Embedder};

/// Most tokens that count towards one embedding; Model2Vec's own `encode` defaults to the same.
pub const MAX_TOKENS: usize = 512;

/// A loaded Model2Vec model: a tokenizer and its embedding matrix.
pub struct Model2VecEmbedder {
    name: String,
    tokenizer: Tokenizer,
    /// Row-major, one row of `dim` values per token (or per mapped row).
    matrix: Vec<f32>,
    dim: usize,
    /// Per-token scale, indexed by token id.
    weights: Option<Vec<f32>>,
    /// Token id to matrix row, for models whose rows are shared between tokens.
    mapping: Option<Vec<u32>>,
    max_tokens: usize,
    max_chars: usize,
}

impl fmt::Debug for Model2VecEmbedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model2VecEmbedder")
            .field("name", &self.name)
            .field("dim", &self.dim)
            .field("rows", &(self.matrix.len() / self.dim.max(1)))
            .field("vocab", &self.tokenizer.vocab_size)
            .field("max_tokens", &self.max_tokens)
            .finish()
    }
}

impl Model2VecEmbedder {
    /// Load the model in `dir`: `tokenizer.json`, `model.safetensors` and, when present,
    /// `config.json`. A sentence-transformers export with the files under `0_StaticEmbedding/`
    /// loads too.
    pub fn load(dir: &Path) -> Result<Self, Model2VecError> {
        if !dir.is_dir() {
            return Err(Model2VecError::NotADirectory(dir.to_path_buf()));
        }
        let files = model_files_dir(dir);
        let tokenizer = Tokenizer::load(&files.join("tokenizer.json"))?;
        let tensors_path = files.join("model.safetensors");
        let tensors = tensors::read_tensors(&tensors_path, tokenizer.vocab_size)?;

        let config_path = files.join("config.json");
        if config_path.is_file() {
            let config = read_json(&config_path)?;
            if config.get("normalize").and_then(Value::as_bool) == Some(false) {
                tracing::debug!(
                    path = %config_path.display(),
                    "model config turns normalisation off; embeddings are normalised anyway for cosine"
                );
            }
        }

        let name = format!("model2vec:{}", dir_name(dir));
        tracing::info!(
            model = %name,
            vocab = tokenizer.vocab_size,
            rows = tensors.rows,
            dim = tensors.dim,
            weighted = tensors.weights.is_some(),
            mapped = tensors.mapping.is_some(),
            "loaded Model2Vec model"
        );
        let max_chars = char_budget(MAX_TOKENS, tokenizer.median_token_bytes);
        Ok(Self {
            name,
            tokenizer,
            matrix: tensors.matrix,
            dim: tensors.dim,
            weights: tensors.weights,
            mapping: tensors.mapping,
            max_tokens: MAX_TOKENS,
            max_chars,
        })
    }

    /// Count at most `max_tokens` tokens per embedding instead of [`MAX_TOKENS`] (at least one).
    pub fn with_max_tokens(mut self, max_tokens: usize) -> Self {
        self.max_tokens = max_tokens.max(1);
        self.max_chars = char_budget(self.max_tokens, self.tokenizer.median_token_bytes);
        self
    }

    /// The token ids `text` is split into by the model's tokenizer, without special tokens,
    /// unknown ones included (as the unknown token's id). [`Embedder::embed`] uses the first
    /// [`MAX_TOKENS`] of these ids that are not the model's named unknown token.
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        let mut ids = Vec::new();
        self.tokenizer
            .encode(truncate_chars(text, self.max_chars), &mut ids);
        ids
    }

    /// Add the (weighted) rows of `text`'s known tokens into `sum`.
    fn sum_rows(&self, text: &str, sum: &mut [f32]) {
        let ids = self.tokenize(text);
        let known = ids
            .iter()
            .filter(|&&id| Some(id) != self.tokenizer.unk_id)
            .take(self.max_tokens);
        for &id in known {
            let row = match &self.mapping {
                Some(mapping) => mapping.get(id as usize).map(|&row| row as usize),
                None => Some(id as usize),
            };
            // Added tokens past the matrix (a model whose file lists extra special tokens)
            // have no row and are skipped.
            let start = row.map_or(usize::MAX, |row| row.saturating_mul(self.dim));
            let Some(values) = self.matrix.get(start..start.saturating_add(self.dim)) else {
                continue;
            };
            let weight = match &self.weights {
                Some(weights) => weights.get(id as usize).copied().unwrap_or(1.0),
                None => 1.0,
            };
            for (total, value) in sum.iter_mut().zip(values) {
                *total += weight * value;
            }
        }
    }
}

impl Embedder for Model2VecEmbedder {
    fn name(&self) -> &str {
        &self.name
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed(&self, text: &str) -> Vec<f32> {
        let mut vector = vec![0.0; self.dim];
        self.sum_rows(text, &mut vector);
        // The mean is the sum divided by the token count; scaling to unit length makes that
        // division moot, so it is skipped.
        normalize(&mut vector);
        vector
    }
}

/// Where the model's files are: `dir` itself, or its `0_StaticEmbedding/` when only that holds
/// a tokenizer (a sentence-transformers export).
fn model_files_dir(dir: &Path) -> PathBuf {
    let nested = dir.join("0_StaticEmbedding");
    if !dir.join("tokenizer.json").exists() && nested.join("tokenizer.json").is_file() {
        nested
    } else {
        dir.to_path_buf()
    }
}

/// The directory's own name, for status output (`.` and friends resolved first).
fn dir_name(dir: &Path) -> String {
    let resolved = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    resolved
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| resolved.display().to_string())
}

fn read_json(path: &Path) -> Result<Value, Model2VecError> {
    let bytes = read_file(path)?;
    serde_json::from_slice(&bytes).map_err(|source| Model2VecError::Json {
        path: path.to_path_buf(),
        source,
    })
}

/// A model file's bytes; a named pipe or device in its place is refused at once.
fn read_file(path: &Path) -> Result<Vec<u8>, Model2VecError> {
    crate::index_file::read_index_file(path).map_err(|e| {
        let source = std::io::Error::from(e);
        if source.kind() == std::io::ErrorKind::NotFound {
            Model2VecError::MissingFile(path.to_path_buf())
        } else {
            Model2VecError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// How many characters of a text to tokenize at most, for `max_tokens` tokens whose median
/// length is `median_token_bytes` (see the module docs).
fn char_budget(max_tokens: usize, median_token_bytes: usize) -> usize {
    max_tokens
        .saturating_mul(median_token_bytes)
        .saturating_mul(4)
}

/// The first `max_chars` characters of `text`.
fn truncate_chars(text: &str, max_chars: usize) -> &str {
    // A character takes at least one byte, so a short text needs no walk.
    if text.len() <= max_chars {
        return text;
    }
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}
