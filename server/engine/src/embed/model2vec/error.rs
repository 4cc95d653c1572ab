//! Why a Model2Vec model directory could not be loaded, each message saying what to do.

use std::path::PathBuf;

/// Why a Model2Vec model directory could not be loaded. Each message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Model2VecError {
    #[error(
        "model directory {0} does not exist or is not a directory; point to a folder holding a \
         Model2Vec model (tokenizer.json and model.safetensors)"
    )]
    NotADirectory(PathBuf),
    #[error(
        "{0} is missing; a Model2Vec model directory needs tokenizer.json and model.safetensors, \
         download the whole model folder"
    )]
    MissingFile(PathBuf),
    #[error("cannot read {path}: {source}; check that the file is readable")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not valid JSON ({source}); the file may be truncated, download it again")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "{path}: {what} is not supported (supported: {supported}); use a Model2Vec model with one \
         of those tokenizers"
    )]
    Unsupported {
        path: PathBuf,
        what: String,
        supported: &'static str,
    },
    #[error("{path} is not a usable tokenizer: {reason}; download the model again")]
    Tokenizer { path: PathBuf, reason: String },
    #[error(
        "{path} is not a readable safetensors file ({reason}); the file may be truncated or \
         corrupt, download it again"
    )]
    Safetensors { path: PathBuf, reason: String },
    #[error(
        "{path} holds no embedding matrix: expected a 2-D tensor named \"embeddings\" (found: \
         {found}); is this a Model2Vec model?"
    )]
    NoMatrix { path: PathBuf, found: String },
    #[error("tensor `{name}` in {path} {problem}")]
    Tensor {
        path: PathBuf,
        name: String,
        problem: String,
    },
    #[error(
        "the embedding matrix in {path} has {rows} rows but the tokenizer has {vocab} tokens; \
         tokenizer.json and model.safetensors must come from the same model"
    )]
    VocabMismatch {
        path: PathBuf,
        rows: usize,
        vocab: usize,
    },
}
