//! Model2Vec static embeddings: loads a model directory (`tokenizer.json` + `model.safetensors`)
//! and embeds text as the unit-length mean of its tokens' rows.
//!
//! A Model2Vec model is a tokenizer plus one embedding matrix with a row per token, so a question
//! is embedded by tokenizing it and averaging rows: microseconds, no transformer. The
//! `tokenizers` crate would read `tokenizer.json` for us, but it is a large dependency for the
//! small part of it these models use, so this module reads the JSON itself and implements that
//! part:
//!
//! - models: `WordPiece` (greedy longest match, `##` continuations) and `Unigram` (Viterbi over
//!   scored pieces, optional byte fallback). `BPE` and `WordLevel` are refused with a clear error.
//! - normalizers: `BertNormalizer`, `Lowercase`, `StripAccents`, `Strip`, `Replace` (string
//!   patterns, and the regexes `\s+` and `\s`), `Prepend`, `Sequence`. `NFC`, `NFD`, `NFKC` and
//!   `NFKD` are accepted but not applied: text is taken as it comes, which differs only for
//!   non-ASCII text that is not already in that form.
//! - pre-tokenizers: `BertPreTokenizer`, `Whitespace`, `WhitespaceSplit`, `Punctuation`,
//!   `CharDelimiterSplit`, `Digits`, `Metaspace` (with or without splitting, which Model2Vec
//!   turns off to allow multi-word tokens), `ByteLevel` without its regex split, `Sequence`.
//!
//! Unicode facts (punctuation, nonspacing marks, accent decompositions) come from tables at the
//! end of this file, generated from the Unicode 14 character database. Hangul syllables and CJK
//! compatibility ideographs are not decomposed when stripping accents, unassigned code points are
//! not removed by BERT's text cleaning, and added tokens (`[CLS]` written literally in the text)
//! are tokenized as plain text.
//!
//! Embedding: the rows of the text's tokens, unknown tokens skipped, each scaled by the model's
//! per-token weight when it has a `weights` tensor (and looked up through its `mapping` tensor
//! when it has one), summed and scaled to unit length. Like Model2Vec's own `encode`, at most
//! [`MAX_TOKENS`] tokens count. Model2Vec also cuts the text beforehand to the cap times the
//! median token length; here the cut is four times that, so it still bounds the work on a huge
//! input but rarely removes text the cap would have counted (indentation-heavy code, unknown
//! symbols).
//!
//! Buffers live in a per-thread scratch, so after a thread's first call an embedding allocates
//! only its result.

use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde_json::{Map, Value};

use super::{normalize, Embedder};

/// Most tokens that count towards one embedding; Model2Vec's own `encode` defaults to the same.
pub const MAX_TOKENS: usize = 512;

/// Marks a piece of text the vocabulary cannot spell, in token lists and in the trie.
const NO_TOKEN: u32 = u32::MAX;

/// Names the embedding matrix goes by: Model2Vec's own, sentence-transformers' `StaticEmbedding`,
/// and the unnamed export of older Model2Vec versions.
const MATRIX_NAMES: [&str; 3] = ["embeddings", "embedding.weight", "0"];

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
        "{path}: {what} is not supported (supported: {supported}); use a Model2Vec model with a \
         WordPiece or Unigram tokenizer"
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
        let tokenizer_path = files.join("tokenizer.json");
        let tokenizer = Tokenizer::from_json(&tokenizer_path, &read_json(&tokenizer_path)?)?;
        let tensors_path = files.join("model.safetensors");
        let tensors = read_tensors(&tensors_path, tokenizer.vocab_size)?;

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

    /// The token ids `text` is split into, as the model's tokenizer would produce them: text the
    /// vocabulary cannot spell appears as the unknown token's id (or not at all when the
    /// vocabulary has none). [`Embedder::embed`] uses these ids minus the unknown ones.
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        let text = truncate_chars(text, self.max_chars);
        with_scratch(|scratch| {
            self.tokenizer.encode(text, scratch);
            scratch
                .ids
                .iter()
                .filter_map(|&id| {
                    if id == NO_TOKEN {
                        self.tokenizer.unk_id
                    } else {
                        Some(id)
                    }
                })
                .collect()
        })
    }

    /// Add the (weighted) rows of `text`'s known tokens into `sum`.
    fn sum_rows(&self, text: &str, scratch: &mut Scratch, sum: &mut [f32]) {
        self.tokenizer
            .encode(truncate_chars(text, self.max_chars), scratch);
        let known = scratch
            .ids
            .iter()
            .filter(|&&id| id != NO_TOKEN && Some(id) != self.tokenizer.unk_id)
            .take(self.max_tokens);
        for &id in known {
            let row = match &self.mapping {
                Some(mapping) => mapping.get(id as usize).map(|&row| row as usize),
                None => Some(id as usize),
            };
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
        with_scratch(|scratch| self.sum_rows(text, scratch, &mut vector));
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

// ---------------------------------------------------------------------------------------------
// Scratch buffers

/// Buffers one tokenization reuses, kept per thread so embedding allocates only its result.
#[derive(Default)]
struct Scratch {
    text: String,
    text_next: String,
    pieces: Vec<(usize, usize)>,
    pieces_next: Vec<(usize, usize)>,
    lattice: Vec<LatticeNode>,
    ids: Vec<u32>,
}

thread_local! {
    static SCRATCH: Cell<Scratch> = Cell::new(Scratch::default());
}

/// Run `f` with this thread's scratch, taken out of its slot and put back afterwards (a fresh
/// one while the thread is being torn down).
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    let mut scratch = SCRATCH.try_with(Cell::take).unwrap_or_default();
    let result = f(&mut scratch);
    let _ = SCRATCH.try_with(|slot| slot.set(scratch));
    result
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

/// The parts of a Hugging Face `tokenizer.json` that turn text into token ids.
struct Tokenizer {
    normalizers: Vec<Normalizer>,
    pre_tokenizers: Vec<PreTokenizer>,
    model: TokenModel,
    /// Every token of the vocabulary, for prefix matching.
    trie: Trie,
    /// One more than the largest token id.
    vocab_size: usize,
    unk_id: Option<u32>,
    /// Median token length in bytes, at least 1: sets how much text can hold `MAX_TOKENS` tokens.
    median_token_bytes: usize,
}

enum TokenModel {
    WordPiece {
        /// Trie node reached by the continuing-subword prefix (`##`), when any token has it.
        continuing: Option<u32>,
        max_input_chars_per_word: usize,
    },
    Unigram {
        /// Log-probability of each token, by id.
        scores: Vec<f64>,
        /// Score of one unknown character: below every token, as in SentencePiece.
        unk_score: f64,
        /// Token id of `<0xNN>` for each byte, when the model falls back to bytes.
        byte_tokens: Option<Box<[u32; 256]>>,
    },
}

/// Why a `tokenizer.json` cannot be used, before the file's path is attached.
enum TokenizerProblem {
    Bad(String),
    Unsupported {
        what: String,
        supported: &'static str,
    },
}

const SUPPORTED_MODELS: &str = "WordPiece, Unigram";
const SUPPORTED_NORMALIZERS: &str = "BertNormalizer, Lowercase, StripAccents, Strip, Replace, \
                                     Prepend, NFC, NFD, NFKC, NFKD, Sequence";
const SUPPORTED_PRE_TOKENIZERS: &str = "BertPreTokenizer, Whitespace, WhitespaceSplit, \
                                        Punctuation, CharDelimiterSplit, Digits, Metaspace, \
                                        ByteLevel without regex, Sequence";

fn bad(reason: impl Into<String>) -> TokenizerProblem {
    TokenizerProblem::Bad(reason.into())
}

fn unsupported(what: String, supported: &'static str) -> TokenizerProblem {
    TokenizerProblem::Unsupported { what, supported }
}

impl Tokenizer {
    fn from_json(path: &Path, json: &Value) -> Result<Self, Model2VecError> {
        Self::parse(json).map_err(|problem| match problem {
            TokenizerProblem::Bad(reason) => Model2VecError::Tokenizer {
                path: path.to_path_buf(),
                reason,
            },
            TokenizerProblem::Unsupported { what, supported } => Model2VecError::Unsupported {
                path: path.to_path_buf(),
                what,
                supported,
            },
        })
    }

    fn parse(json: &Value) -> Result<Self, TokenizerProblem> {
        let root = json
            .as_object()
            .ok_or_else(|| bad("the top level is not a JSON object"))?;
        let model = root
            .get("model")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("it has no \"model\" object"))?;

        let mut normalizers = Vec::new();
        if let Some(spec) = root.get("normalizer").filter(|spec| !spec.is_null()) {
            parse_normalizer(spec, &mut normalizers)?;
        }
        let normalizers = fuse_char_replacements(normalizers);
        if normalizers
            .iter()
            .any(|step| matches!(step, Normalizer::UnicodeForm))
        {
            tracing::debug!("tokenizer asks for a Unicode normalization form; text is used as is");
        }
        let normalizers = normalizers
            .into_iter()
            .filter(|step| !matches!(step, Normalizer::UnicodeForm))
            .collect();

        let mut pre_tokenizers = Vec::new();
        if let Some(spec) = root.get("pre_tokenizer").filter(|spec| !spec.is_null()) {
            parse_pre_tokenizer(spec, &mut pre_tokenizers)?;
        }

        match model_type(model)? {
            "WordPiece" => Self::parse_wordpiece(model, normalizers, pre_tokenizers),
            "Unigram" => Self::parse_unigram(model, normalizers, pre_tokenizers),
            other => Err(unsupported(
                format!("tokenizer model type \"{other}\""),
                SUPPORTED_MODELS,
            )),
        }
    }

    fn parse_wordpiece(
        model: &Map<String, Value>,
        normalizers: Vec<Normalizer>,
        pre_tokenizers: Vec<PreTokenizer>,
    ) -> Result<Self, TokenizerProblem> {
        let vocab = model
            .get("vocab")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("the WordPiece model has no \"vocab\" object"))?;
        let mut entries = Vec::with_capacity(vocab.len());
        for (token, id) in vocab {
            let id = id
                .as_u64()
                .and_then(|id| u32::try_from(id).ok())
                .filter(|&id| id != NO_TOKEN)
                .ok_or_else(|| bad(format!("token {token:?} has id {id}, not a token id")))?;
            entries.push((token.as_bytes(), id));
        }
        if entries.is_empty() {
            return Err(bad("the WordPiece vocabulary is empty"));
        }
        let vocab_size = entries
            .iter()
            .map(|&(_, id)| id as usize + 1)
            .max()
            .unwrap_or(0);
        let median_token_bytes = median_len(entries.iter().map(|(token, _)| token.len()));
        let unk_token = str_field(model, "unk_token")?.unwrap_or("[UNK]");
        let prefix = str_field(model, "continuing_subword_prefix")?.unwrap_or("##");
        let max_input_chars_per_word = match model.get("max_input_chars_per_word") {
            None | Some(Value::Null) => 100,
            Some(value) => value
                .as_u64()
                .and_then(|max| usize::try_from(max).ok())
                .ok_or_else(|| bad("\"max_input_chars_per_word\" is not a count"))?,
        };

        let trie = Trie::build(entries)?;
        let continuing = trie.walk(Trie::ROOT, prefix.as_bytes());
        let unk_id = trie.get(unk_token.as_bytes());
        Ok(Self {
            normalizers,
            pre_tokenizers,
            model: TokenModel::WordPiece {
                continuing,
                max_input_chars_per_word,
            },
            trie,
            vocab_size,
            unk_id,
            median_token_bytes,
        })
    }

    fn parse_unigram(
        model: &Map<String, Value>,
        normalizers: Vec<Normalizer>,
        pre_tokenizers: Vec<PreTokenizer>,
    ) -> Result<Self, TokenizerProblem> {
        let vocab = model
            .get("vocab")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("the Unigram model has no \"vocab\" list"))?;
        if vocab.is_empty() {
            return Err(bad("the Unigram vocabulary is empty"));
        }
        if u32::try_from(vocab.len()).map_or(true, |len| len == NO_TOKEN) {
            return Err(bad("the Unigram vocabulary is too large"));
        }
        let mut entries = Vec::with_capacity(vocab.len());
        let mut scores = Vec::with_capacity(vocab.len());
        for (id, entry) in vocab.iter().enumerate() {
            let (token, score) = match entry.as_array().map(Vec::as_slice) {
                Some([token, score]) => (token.as_str(), score.as_f64()),
                _ => (None, None),
            };
            let (Some(token), Some(score)) = (token, score) else {
                return Err(bad(format!(
                    "Unigram vocabulary entry {id} is not a [piece, score] pair"
                )));
            };
            entries.push((token.as_bytes(), id as u32));
            scores.push(score);
        }
        let vocab_size = vocab.len();
        let unk_id = match model.get("unk_id") {
            None | Some(Value::Null) => None,
            Some(value) => Some(
                value
                    .as_u64()
                    .filter(|&id| id < vocab_size as u64)
                    .map(|id| id as u32)
                    .ok_or_else(|| bad(format!("\"unk_id\" {value} is not a vocabulary index")))?,
            ),
        };
        let byte_fallback = bool_field(model, "byte_fallback", false)?;
        let median_token_bytes = median_len(entries.iter().map(|(token, _)| token.len()));
        let min_score = scores.iter().copied().fold(f64::INFINITY, f64::min);

        let trie = Trie::build(entries)?;
        let byte_tokens = if byte_fallback {
            let mut table = Box::new([NO_TOKEN; 256]);
            for (byte, slot) in table.iter_mut().enumerate() {
                *slot = trie
                    .get(format!("<0x{byte:02X}>").as_bytes())
                    .unwrap_or(NO_TOKEN);
            }
            Some(table)
        } else {
            None
        };
        Ok(Self {
            normalizers,
            pre_tokenizers,
            model: TokenModel::Unigram {
                scores,
                unk_score: min_score - 10.0,
                byte_tokens,
            },
            trie,
            vocab_size,
            unk_id,
            median_token_bytes,
        })
    }

    /// Tokenize `text` into `scratch.ids`; text the vocabulary cannot spell becomes `NO_TOKEN`.
    fn encode(&self, text: &str, scratch: &mut Scratch) {
        let Scratch {
            text: current,
            text_next: next,
            pieces,
            pieces_next,
            lattice,
            ids,
        } = scratch;
        ids.clear();

        current.clear();
        current.push_str(text);
        for normalizer in &self.normalizers {
            next.clear();
            normalizer.apply(current, next);
            std::mem::swap(current, next);
        }

        pieces.clear();
        pieces.push((0, current.len()));
        for pre_tokenizer in &self.pre_tokenizers {
            next.clear();
            pieces_next.clear();
            if pre_tokenizer.apply(current, pieces, next, pieces_next) {
                std::mem::swap(current, next);
            }
            std::mem::swap(pieces, pieces_next);
        }

        for &(start, end) in pieces.iter() {
            let Some(piece) = current.get(start..end).filter(|piece| !piece.is_empty()) else {
                continue;
            };
            match &self.model {
                TokenModel::WordPiece {
                    continuing,
                    max_input_chars_per_word,
                } => self.wordpiece(piece, *continuing, *max_input_chars_per_word, ids),
                TokenModel::Unigram {
                    scores,
                    unk_score,
                    byte_tokens,
                } => self.unigram(
                    piece,
                    scores,
                    *unk_score,
                    byte_tokens.as_deref(),
                    lattice,
                    ids,
                ),
            }
        }
    }

    /// WordPiece: the longest token starting the word, then the longest continuation token
    /// (`##...`) at each following position; a word that cannot be spelled entirely, or is
    /// longer than `max_chars`, is one unknown token.
    fn wordpiece(&self, word: &str, continuing: Option<u32>, max_chars: usize, ids: &mut Vec<u32>) {
        if word.len() > max_chars && word.chars().nth(max_chars).is_some() {
            ids.push(NO_TOKEN);
            return;
        }
        let first = ids.len();
        let bytes = word.as_bytes();
        let mut start = 0;
        while start < bytes.len() {
            let from = if start == 0 {
                Some(Trie::ROOT)
            } else {
                continuing
            };
            let matched = from.and_then(|from| self.trie.longest_match(from, bytes.get(start..)?));
            let Some((len, id)) = matched else {
                ids.truncate(first);
                ids.push(NO_TOKEN);
                return;
            };
            ids.push(id);
            start += len;
        }
    }

    /// Unigram: the segmentation with the highest total score (Viterbi). A character no token
    /// starts with costs `unk_score`; runs of such characters become one unknown token, or
    /// their bytes' `<0xNN>` tokens when the model has them all.
    fn unigram(
        &self,
        piece: &str,
        scores: &[f64],
        unk_score: f64,
        byte_tokens: Option<&[u32; 256]>,
        lattice: &mut Vec<LatticeNode>,
        ids: &mut Vec<u32>,
    ) {
        let bytes = piece.as_bytes();
        lattice.clear();
        lattice.resize(bytes.len() + 1, LatticeNode::UNREACHED);
        for (start, ch) in piece.char_indices() {
            let Some(base) = lattice.get(start).map(|node| node.score) else {
                break;
            };
            let char_len = ch.len_utf8();
            let mut has_single_char_token = false;
            let mut node = Trie::ROOT;
            for (offset, &byte) in bytes[start..].iter().enumerate() {
                let Some(next) = self.trie.child(node, byte) else {
                    break;
                };
                node = next;
                let id = self.trie.token(node);
                if id == NO_TOKEN {
                    continue;
                }
                let len = offset + 1;
                let score = base + scores.get(id as usize).copied().unwrap_or(unk_score);
                if let Some(end) = lattice.get_mut(start + len) {
                    end.offer(score, start, id);
                }
                has_single_char_token |= len == char_len;
            }
            if !has_single_char_token {
                if let Some(end) = lattice.get_mut(start + char_len) {
                    end.offer(base + unk_score, start, NO_TOKEN);
                }
            }
        }

        // Walk back from the end, emitting ids in reverse, then put them in order.
        let first = ids.len();
        let mut end = bytes.len();
        while end > 0 {
            let Some(&node) = lattice.get(end) else { break };
            if node.start >= end {
                break;
            }
            if node.id != NO_TOKEN {
                ids.push(node.id);
                end = node.start;
                continue;
            }
            let run_end = end;
            while let Some(node) = lattice
                .get(end)
                .filter(|n| n.id == NO_TOKEN && n.start < end)
            {
                end = node.start;
            }
            let run = &bytes[end..run_end];
            match byte_tokens {
                Some(table) if run.iter().all(|&b| table[b as usize] != NO_TOKEN) => {
                    ids.extend(run.iter().rev().map(|&b| table[b as usize]));
                }
                _ => ids.push(NO_TOKEN),
            }
        }
        ids[first..].reverse();
    }
}

/// One position of the Unigram lattice: the best path that ends here.
#[derive(Clone, Copy)]
struct LatticeNode {
    score: f64,
    /// Where the last token of that path starts (`usize::MAX` until a path reaches here).
    start: usize,
    id: u32,
}

impl LatticeNode {
    const UNREACHED: Self = Self {
        score: 0.0,
        start: usize::MAX,
        id: NO_TOKEN,
    };

    fn offer(&mut self, score: f64, start: usize, id: u32) {
        if self.start == usize::MAX || score > self.score {
            *self = Self { score, start, id };
        }
    }
}

fn model_type(model: &Map<String, Value>) -> Result<&str, TokenizerProblem> {
    match model.get("type") {
        Some(Value::String(kind)) => Ok(kind),
        Some(_) => Err(bad("\"model.type\" is not a string")),
        // Older files leave the type out; the fields tell.
        None if model.get("vocab").is_some_and(Value::is_array) => Ok("Unigram"),
        None if model.contains_key("merges") => Ok("BPE"),
        None if model.contains_key("continuing_subword_prefix")
            || model.contains_key("max_input_chars_per_word") =>
        {
            Ok("WordPiece")
        }
        None => Err(bad("\"model\" has no \"type\"")),
    }
}

fn median_len(lengths: impl Iterator<Item = usize>) -> usize {
    let mut lengths: Vec<usize> = lengths.collect();
    lengths.sort_unstable();
    lengths.get(lengths.len() / 2).copied().unwrap_or(1).max(1)
}

fn str_field<'a>(
    object: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, TokenizerProblem> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(bad(format!("\"{key}\" is not a string"))),
    }
}

fn bool_field(
    object: &Map<String, Value>,
    key: &str,
    default: bool,
) -> Result<bool, TokenizerProblem> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(value)) => Ok(*value),
        Some(_) => Err(bad(format!("\"{key}\" is not true or false"))),
    }
}

fn type_of<'a>(
    spec: &'a Value,
    what: &str,
) -> Result<(&'a str, &'a Map<String, Value>), TokenizerProblem> {
    let object = spec
        .as_object()
        .ok_or_else(|| bad(format!("the {what} is not a JSON object")))?;
    let kind =
        str_field(object, "type")?.ok_or_else(|| bad(format!("the {what} has no \"type\"")))?;
    Ok((kind, object))
}

/// The single character of `text`, if it is exactly one.
fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

// ---------------------------------------------------------------------------------------------
// Normalizers

enum Normalizer {
    Bert {
        clean_text: bool,
        chinese_chars: bool,
        strip_accents: bool,
        lowercase: bool,
    },
    Lowercase,
    StripAccents,
    Strip {
        left: bool,
        right: bool,
    },
    /// Several single-character `Replace` steps done in one pass.
    ReplaceChars(CharReplacements),
    Replace {
        pattern: String,
        content: String,
    },
    /// `Replace` with the regex `\s+`.
    ReplaceWhitespaceRuns(String),
    /// `Replace` with the regex `\s`.
    ReplaceWhitespace(String),
    Prepend(String),
    /// NFC, NFD, NFKC or NFKD: accepted, not applied (see the module docs).
    UnicodeForm,
}

fn parse_normalizer(spec: &Value, out: &mut Vec<Normalizer>) -> Result<(), TokenizerProblem> {
    let (kind, object) = type_of(spec, "normalizer")?;
    let step = match kind {
        "Sequence" => {
            let steps = object
                .get("normalizers")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("a Sequence normalizer has no \"normalizers\" list"))?;
            for step in steps {
                parse_normalizer(step, out)?;
            }
            return Ok(());
        }
        "BertNormalizer" => {
            let lowercase = bool_field(object, "lowercase", true)?;
            Normalizer::Bert {
                clean_text: bool_field(object, "clean_text", true)?,
                chinese_chars: bool_field(object, "handle_chinese_chars", true)?,
                // Unset means "follow lowercase", as BERT's uncased models do.
                strip_accents: bool_field(object, "strip_accents", lowercase)?,
                lowercase,
            }
        }
        "Lowercase" => Normalizer::Lowercase,
        "StripAccents" => Normalizer::StripAccents,
        "Strip" => Normalizer::Strip {
            left: bool_field(object, "strip_left", true)?,
            right: bool_field(object, "strip_right", true)?,
        },
        "NFC" | "NFD" | "NFKC" | "NFKD" => Normalizer::UnicodeForm,
        "Prepend" => Normalizer::Prepend(
            str_field(object, "prepend")?
                .ok_or_else(|| bad("a Prepend normalizer has no \"prepend\""))?
                .to_string(),
        ),
        "Replace" => parse_replace(object)?,
        other => {
            return Err(unsupported(
                format!("normalizer \"{other}\""),
                SUPPORTED_NORMALIZERS,
            ))
        }
    };
    out.push(step);
    Ok(())
}

fn parse_replace(object: &Map<String, Value>) -> Result<Normalizer, TokenizerProblem> {
    let content = str_field(object, "content")?
        .ok_or_else(|| bad("a Replace normalizer has no \"content\""))?
        .to_string();
    let pattern = object
        .get("pattern")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("a Replace normalizer has no \"pattern\""))?;
    if let Some(text) = str_field(pattern, "String")? {
        return Ok(match single_char(text) {
            Some(ch) => Normalizer::ReplaceChars(CharReplacements::single(ch, content)),
            None => Normalizer::Replace {
                pattern: text.to_string(),
                content,
            },
        });
    }
    match str_field(pattern, "Regex")? {
        Some(r"\s+") => Ok(Normalizer::ReplaceWhitespaceRuns(content)),
        Some(r"\s") => Ok(Normalizer::ReplaceWhitespace(content)),
        Some(regex) => Err(unsupported(
            format!("Replace normalizer with regex {regex:?}"),
            "Replace with a string pattern or with the regex \\s+ or \\s",
        )),
        None => Err(bad(
            "a Replace normalizer's \"pattern\" is neither String nor Regex",
        )),
    }
}

/// Merge runs of single-character replacements into one pass when that gives the same text:
/// a later pattern must not occur in an earlier replacement, which it would otherwise rewrite.
fn fuse_char_replacements(steps: Vec<Normalizer>) -> Vec<Normalizer> {
    let mut fused: Vec<Normalizer> = Vec::with_capacity(steps.len());
    for step in steps {
        if let (Normalizer::ReplaceChars(next), Some(Normalizer::ReplaceChars(group))) =
            (&step, fused.last_mut())
        {
            if group.can_absorb(next) {
                group.absorb(next);
                continue;
            }
        }
        fused.push(step);
    }
    fused
}

/// Character-to-text replacements, sorted by character.
struct CharReplacements {
    entries: Vec<(char, String)>,
    /// Bit `c` set for every ASCII pattern character, so most characters skip the search.
    ascii: u128,
}

impl CharReplacements {
    fn single(ch: char, content: String) -> Self {
        let mut replacements = Self {
            entries: Vec::new(),
            ascii: 0,
        };
        replacements.insert(ch, content);
        replacements
    }

    fn insert(&mut self, ch: char, content: String) {
        if ch.is_ascii() {
            self.ascii |= 1u128 << (ch as u32);
        }
        let at = self.entries.partition_point(|(c, _)| *c < ch);
        self.entries.insert(at, (ch, content));
    }

    fn can_absorb(&self, next: &CharReplacements) -> bool {
        next.entries.iter().all(|(ch, _)| {
            self.get(*ch).is_none()
                && self
                    .entries
                    .iter()
                    .all(|(_, content)| !content.contains(*ch))
        })
    }

    fn absorb(&mut self, next: &CharReplacements) {
        for (ch, content) in &next.entries {
            self.insert(*ch, content.clone());
        }
    }

    fn get(&self, ch: char) -> Option<&str> {
        if ch.is_ascii() && self.ascii & (1u128 << (ch as u32)) == 0 {
            return None;
        }
        self.entries
            .binary_search_by(|(c, _)| c.cmp(&ch))
            .ok()
            .and_then(|at| self.entries.get(at))
            .map(|(_, content)| content.as_str())
    }
}

impl Normalizer {
    fn apply(&self, input: &str, out: &mut String) {
        match self {
            Normalizer::Bert {
                clean_text,
                chinese_chars,
                strip_accents,
                lowercase,
            } => {
                for mut ch in input.chars() {
                    if *clean_text {
                        if ch == '\0' || ch == '\u{FFFD}' || unicode::is_bert_control(ch) {
                            continue;
                        }
                        if ch.is_whitespace() {
                            ch = ' ';
                        }
                    }
                    let spaced = *chinese_chars && unicode::is_chinese_char(ch);
                    if spaced {
                        out.push(' ');
                    }
                    if *strip_accents {
                        match unicode::strip_accent(ch) {
                            Some(base) => ch = base,
                            None => continue,
                        }
                    }
                    if *lowercase {
                        push_lowercase(ch, out);
                    } else {
                        out.push(ch);
                    }
                    if spaced {
                        out.push(' ');
                    }
                }
            }
            Normalizer::Lowercase => input.chars().for_each(|ch| push_lowercase(ch, out)),
            Normalizer::StripAccents => out.extend(input.chars().filter_map(unicode::strip_accent)),
            Normalizer::Strip { left, right } => {
                let mut text = input;
                if *left {
                    text = text.trim_start();
                }
                if *right {
                    text = text.trim_end();
                }
                out.push_str(text);
            }
            Normalizer::ReplaceChars(replacements) => {
                for ch in input.chars() {
                    match replacements.get(ch) {
                        Some(content) => out.push_str(content),
                        None => out.push(ch),
                    }
                }
            }
            Normalizer::Replace { pattern, content } => {
                let mut last = 0;
                for (at, found) in input.match_indices(pattern.as_str()) {
                    out.push_str(&input[last..at]);
                    out.push_str(content);
                    last = at + found.len();
                }
                out.push_str(&input[last..]);
            }
            Normalizer::ReplaceWhitespaceRuns(content) => {
                let mut in_run = false;
                for ch in input.chars() {
                    if ch.is_whitespace() {
                        if !in_run {
                            out.push_str(content);
                        }
                        in_run = true;
                    } else {
                        in_run = false;
                        out.push(ch);
                    }
                }
            }
            Normalizer::ReplaceWhitespace(content) => {
                for ch in input.chars() {
                    if ch.is_whitespace() {
                        out.push_str(content);
                    } else {
                        out.push(ch);
                    }
                }
            }
            Normalizer::Prepend(prefix) => {
                if !input.is_empty() {
                    out.push_str(prefix);
                }
                out.push_str(input);
            }
            Normalizer::UnicodeForm => out.push_str(input),
        }
    }
}

/// Append `ch` lowercased; ASCII skips the Unicode case tables, which cost a call per character.
#[inline]
fn push_lowercase(ch: char, out: &mut String) {
    if ch.is_ascii() {
        out.push(ch.to_ascii_lowercase());
    } else {
        out.extend(ch.to_lowercase());
    }
}

// ---------------------------------------------------------------------------------------------
// Pre-tokenizers

enum PreTokenizer {
    Split {
        delimiter: Delimiter,
        behavior: SplitBehavior,
    },
    /// Hugging Face's `Whitespace`: runs of word characters and runs of other non-space ones.
    Words,
    Metaspace {
        replacement: char,
        prepend: PrependScheme,
        split: bool,
    },
    /// Bytes shown as characters (GPT-2's table), after an optional leading space.
    ByteLevel {
        add_prefix_space: bool,
        byte_chars: Box<[char; 256]>,
    },
}

#[derive(Clone, Copy)]
enum Delimiter {
    Whitespace,
    Punctuation,
    Numeric,
    Char(char),
}

impl Delimiter {
    fn matches(self, ch: char) -> bool {
        match self {
            Delimiter::Whitespace => ch.is_whitespace(),
            Delimiter::Punctuation => unicode::is_punctuation(ch),
            Delimiter::Numeric => ch.is_numeric(),
            Delimiter::Char(delimiter) => ch == delimiter,
        }
    }
}

/// What happens to the delimiters a split finds.
#[derive(Clone, Copy, Debug)]
enum SplitBehavior {
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

#[derive(Clone, Copy, PartialEq)]
enum PrependScheme {
    Always,
    First,
    Never,
}

fn parse_pre_tokenizer(spec: &Value, out: &mut Vec<PreTokenizer>) -> Result<(), TokenizerProblem> {
    let (kind, object) = type_of(spec, "pre-tokenizer")?;
    match kind {
        "Sequence" => {
            let steps = object
                .get("pretokenizers")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("a Sequence pre-tokenizer has no \"pretokenizers\" list"))?;
            for step in steps {
                parse_pre_tokenizer(step, out)?;
            }
        }
        "BertPreTokenizer" => {
            out.push(PreTokenizer::Split {
                delimiter: Delimiter::Whitespace,
                behavior: SplitBehavior::Removed,
            });
            out.push(PreTokenizer::Split {
                delimiter: Delimiter::Punctuation,
                behavior: SplitBehavior::Isolated,
            });
        }
        "WhitespaceSplit" => out.push(PreTokenizer::Split {
            delimiter: Delimiter::Whitespace,
            behavior: SplitBehavior::Removed,
        }),
        "Whitespace" => out.push(PreTokenizer::Words),
        "Punctuation" => out.push(PreTokenizer::Split {
            delimiter: Delimiter::Punctuation,
            behavior: parse_behavior(object, SplitBehavior::Isolated)?,
        }),
        "CharDelimiterSplit" => {
            let delimiter = str_field(object, "delimiter")?
                .and_then(single_char)
                .ok_or_else(|| bad("a CharDelimiterSplit has no one-character \"delimiter\""))?;
            out.push(PreTokenizer::Split {
                delimiter: Delimiter::Char(delimiter),
                behavior: SplitBehavior::Removed,
            });
        }
        "Digits" => out.push(PreTokenizer::Split {
            delimiter: Delimiter::Numeric,
            behavior: if bool_field(object, "individual_digits", false)? {
                SplitBehavior::Isolated
            } else {
                SplitBehavior::Contiguous
            },
        }),
        "Metaspace" => {
            let replacement = str_field(object, "replacement")?
                .map_or(Some('\u{2581}'), single_char)
                .ok_or_else(|| bad("a Metaspace \"replacement\" is not one character"))?;
            let prepend = match str_field(object, "prepend_scheme")? {
                Some("always") => PrependScheme::Always,
                Some("first") => PrependScheme::First,
                Some("never") => PrependScheme::Never,
                Some(other) => {
                    return Err(bad(format!("unknown Metaspace prepend_scheme {other:?}")))
                }
                // Files written before prepend_scheme existed say add_prefix_space.
                None if bool_field(object, "add_prefix_space", true)? => PrependScheme::Always,
                None => PrependScheme::Never,
            };
            out.push(PreTokenizer::Metaspace {
                replacement,
                prepend,
                split: bool_field(object, "split", true)?,
            });
        }
        "ByteLevel" => {
            if bool_field(object, "use_regex", true)? {
                return Err(unsupported(
                    "ByteLevel pre-tokenizer with use_regex".to_string(),
                    SUPPORTED_PRE_TOKENIZERS,
                ));
            }
            out.push(PreTokenizer::ByteLevel {
                add_prefix_space: bool_field(object, "add_prefix_space", true)?,
                byte_chars: byte_level_chars(),
            });
        }
        other => {
            return Err(unsupported(
                format!("pre-tokenizer \"{other}\""),
                SUPPORTED_PRE_TOKENIZERS,
            ))
        }
    }
    Ok(())
}

fn parse_behavior(
    object: &Map<String, Value>,
    default: SplitBehavior,
) -> Result<SplitBehavior, TokenizerProblem> {
    Ok(match str_field(object, "behavior")? {
        None => default,
        Some("Removed") => SplitBehavior::Removed,
        Some("Isolated") => SplitBehavior::Isolated,
        Some("MergedWithPrevious") => SplitBehavior::MergedWithPrevious,
        Some("MergedWithNext") => SplitBehavior::MergedWithNext,
        Some("Contiguous") => SplitBehavior::Contiguous,
        Some(other) => return Err(bad(format!("unknown split behavior {other:?}"))),
    })
}

/// GPT-2's byte-to-character table: printable Latin-1 bytes stand for themselves, the others
/// for the code points from U+0100 up, in byte order.
fn byte_level_chars() -> Box<[char; 256]> {
    let mut table = Box::new(['\0'; 256]);
    let mut next_unprintable = 256u32;
    for (byte, slot) in table.iter_mut().enumerate() {
        let printable = matches!(byte, 0x21..=0x7E | 0xA1..=0xAC | 0xAE..=0xFF);
        let code = if printable {
            byte as u32
        } else {
            next_unprintable += 1;
            next_unprintable - 1
        };
        *slot = char::from_u32(code).unwrap_or('\u{FFFD}');
    }
    table
}

/// Record `piece[start..end]` as a piece of the whole text, where `piece` begins at `offset`,
/// unless it is empty.
#[inline]
fn emit(offset: usize, start: usize, end: usize, out_pieces: &mut Vec<(usize, usize)>) {
    if end > start {
        out_pieces.push((offset + start, offset + end));
    }
}

/// Split `piece` (at byte `offset` of the text) around the characters `delimiter` matches,
/// handling each as `behavior` says. Splitting keeps the text, so the new pieces are ranges of
/// the same text.
fn split_piece(
    piece: &str,
    offset: usize,
    delimiter: Delimiter,
    behavior: SplitBehavior,
    out_pieces: &mut Vec<(usize, usize)>,
) {
    let mut start = 0;
    let mut previous_was_delimiter = None;
    for (at, ch) in piece.char_indices() {
        let is_delimiter = delimiter.matches(ch);
        let after = at + ch.len_utf8();
        match behavior {
            SplitBehavior::Removed if is_delimiter => {
                emit(offset, start, at, out_pieces);
                start = after;
            }
            SplitBehavior::Isolated if is_delimiter => {
                emit(offset, start, at, out_pieces);
                emit(offset, at, after, out_pieces);
                start = after;
            }
            SplitBehavior::MergedWithPrevious if is_delimiter => {
                emit(offset, start, after, out_pieces);
                start = after;
            }
            SplitBehavior::MergedWithNext if is_delimiter => {
                emit(offset, start, at, out_pieces);
                start = at;
            }
            SplitBehavior::Contiguous => {
                if previous_was_delimiter.is_some_and(|previous| previous != is_delimiter) {
                    emit(offset, start, at, out_pieces);
                    start = at;
                }
                previous_was_delimiter = Some(is_delimiter);
            }
            _ => {}
        }
    }
    emit(offset, start, piece.len(), out_pieces);
}

/// Hugging Face's `Whitespace` (`\w+|[^\w\s]+`): word runs and symbol runs of `piece` (at byte
/// `offset` of the text), spaces dropped.
fn split_words(piece: &str, offset: usize, out_pieces: &mut Vec<(usize, usize)>) {
    #[derive(PartialEq, Clone, Copy)]
    enum Class {
        Space,
        Word,
        Symbol,
    }
    let class_of = |ch: char| {
        if ch.is_whitespace() {
            Class::Space
        } else if ch.is_alphanumeric() || ch == '_' || unicode::is_nonspacing_mark(ch) {
            Class::Word
        } else {
            Class::Symbol
        }
    };
    let mut start = 0;
    let mut current = Class::Space;
    for (at, ch) in piece.char_indices() {
        let class = class_of(ch);
        if class != current {
            if current != Class::Space {
                emit(offset, start, at, out_pieces);
            }
            start = at;
            current = class;
        }
    }
    if current != Class::Space {
        emit(offset, start, piece.len(), out_pieces);
    }
}

impl PreTokenizer {
    /// Turn each of `pieces` (byte ranges of `text`) into `out_pieces`: ranges of `text` when
    /// this only splits (returns false), ranges of `out` when it rewrites the text (true).
    fn apply(
        &self,
        text: &str,
        pieces: &[(usize, usize)],
        out: &mut String,
        out_pieces: &mut Vec<(usize, usize)>,
    ) -> bool {
        for (index, &(start, end)) in pieces.iter().enumerate() {
            let Some(piece) = text.get(start..end) else {
                continue;
            };
            match self {
                PreTokenizer::Split {
                    delimiter,
                    behavior,
                } => split_piece(piece, start, *delimiter, *behavior, out_pieces),
                PreTokenizer::Words => split_words(piece, start, out_pieces),
                PreTokenizer::Metaspace {
                    replacement,
                    prepend,
                    split,
                } => {
                    let region = out.len();
                    let prepend = match prepend {
                        PrependScheme::Always => true,
                        PrependScheme::First => index == 0,
                        PrependScheme::Never => false,
                    };
                    if prepend && !piece.starts_with([' ', *replacement]) {
                        out.push(*replacement);
                    }
                    out.extend(
                        piece
                            .chars()
                            .map(|ch| if ch == ' ' { *replacement } else { ch }),
                    );
                    let mut from = region;
                    if *split {
                        // Each replacement character starts a new piece.
                        for (at, ch) in out[region..].char_indices() {
                            if ch == *replacement && region + at > from {
                                out_pieces.push((from, region + at));
                                from = region + at;
                            }
                        }
                    }
                    if out.len() > from {
                        out_pieces.push((from, out.len()));
                    }
                }
                PreTokenizer::ByteLevel {
                    add_prefix_space,
                    byte_chars,
                } => {
                    let region = out.len();
                    if *add_prefix_space && !piece.starts_with(' ') {
                        out.push(byte_chars[b' ' as usize]);
                    }
                    out.extend(piece.bytes().map(|byte| byte_chars[byte as usize]));
                    if out.len() > region {
                        out_pieces.push((region, out.len()));
                    }
                }
            }
        }
        matches!(
            self,
            PreTokenizer::Metaspace { .. } | PreTokenizer::ByteLevel { .. }
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary trie

/// Every token's bytes in one trie, for longest-match (WordPiece) and all-prefixes (Unigram)
/// lookups without hashing substrings.
///
/// Nodes are laid out breadth-first, so a node's children are consecutive: child `k` of a node
/// is `labels[first + k]` and sits at node index `first + k + 1` (the root has no label).
/// Nodes with many children (the root, first letters) also get a 256-entry table so the hot
/// top of the trie needs no search.
struct Trie {
    nodes: Vec<TrieNode>,
    labels: Vec<u8>,
    /// 256 child indices (`NO_TOKEN` for none) per node that has a table.
    tables: Vec<u32>,
}

#[derive(Clone, Copy)]
struct TrieNode {
    first: u32,
    children: u16,
    /// The token spelled by the path to this node, or `NO_TOKEN`.
    token: u32,
    /// Which 256-entry block of `tables` is this node's, or `NO_TOKEN`.
    table: u32,
}

impl Trie {
    const ROOT: u32 = 0;
    /// Nodes with more children than this get a table; below it a linear scan is as quick.
    const TABLE_AT: usize = 12;

    /// Build from `(token bytes, id)` pairs. A token listed twice keeps its last id, as a map
    /// filled in vocabulary order would; empty tokens are left out.
    fn build(mut entries: Vec<(&[u8], u32)>) -> Result<Self, TokenizerProblem> {
        entries.retain(|(token, _)| !token.is_empty());
        // Stable, so duplicates stay in vocabulary order.
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let empty = TrieNode {
            first: 0,
            children: 0,
            token: NO_TOKEN,
            table: NO_TOKEN,
        };
        let mut nodes = vec![empty];
        let mut labels = Vec::new();
        // (entries sharing this node's prefix, prefix length, node)
        let mut queue = VecDeque::from([(0..entries.len(), 0usize, 0usize)]);
        while let Some((range, depth, node)) = queue.pop_front() {
            let mut at = range.start;
            // Sorted, so the entry equal to the prefix (if any) comes first.
            while at < range.end && entries[at].0.len() == depth {
                nodes[node].token = entries[at].1;
                at += 1;
            }
            let first = labels.len();
            while at < range.end {
                let Some(&byte) = entries[at].0.get(depth) else {
                    at += 1;
                    continue;
                };
                let mut end = at + 1;
                while end < range.end && entries[end].0.get(depth) == Some(&byte) {
                    end += 1;
                }
                labels.push(byte);
                nodes.push(empty);
                queue.push_back((at..end, depth + 1, nodes.len() - 1));
                at = end;
            }
            nodes[node].first =
                u32::try_from(first).map_err(|_| bad("the vocabulary is too large"))?;
            nodes[node].children = (labels.len() - first) as u16;
        }
        if u32::try_from(nodes.len()).is_err() {
            return Err(bad("the vocabulary is too large"));
        }
        let mut tables = Vec::new();
        for node in nodes.iter_mut() {
            if usize::from(node.children) <= Self::TABLE_AT {
                continue;
            }
            let block = tables.len();
            node.table =
                u32::try_from(block / 256).map_err(|_| bad("the vocabulary is too large"))?;
            tables.resize(block + 256, NO_TOKEN);
            let first = node.first as usize;
            let end = first + usize::from(node.children);
            for (k, &byte) in labels
                .get(first..end)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                tables[block + usize::from(byte)] = (first + k + 1) as u32;
            }
        }
        Ok(Self {
            nodes,
            labels,
            tables,
        })
    }

    #[inline]
    fn child(&self, node: u32, byte: u8) -> Option<u32> {
        let node = self.nodes.get(node as usize)?;
        if node.table != NO_TOKEN {
            let child = *self
                .tables
                .get(node.table as usize * 256 + usize::from(byte))?;
            return (child != NO_TOKEN).then_some(child);
        }
        let first = node.first as usize;
        let labels = self.labels.get(first..first + usize::from(node.children))?;
        let k = labels.iter().position(|&label| label == byte)?;
        Some((first + k + 1) as u32)
    }

    #[inline]
    fn token(&self, node: u32) -> u32 {
        self.nodes
            .get(node as usize)
            .map_or(NO_TOKEN, |node| node.token)
    }

    fn walk(&self, from: u32, bytes: &[u8]) -> Option<u32> {
        bytes
            .iter()
            .try_fold(from, |node, &byte| self.child(node, byte))
    }

    /// The id of the token spelled exactly `bytes`.
    fn get(&self, bytes: &[u8]) -> Option<u32> {
        self.walk(Self::ROOT, bytes)
            .map(|node| self.token(node))
            .filter(|&id| id != NO_TOKEN)
    }

    /// The longest token that continues the path to `from` with a prefix of `bytes` (at least
    /// one byte): its length in bytes and id.
    fn longest_match(&self, from: u32, bytes: &[u8]) -> Option<(usize, u32)> {
        let mut node = from;
        let mut best = None;
        for (offset, &byte) in bytes.iter().enumerate() {
            let Some(next) = self.child(node, byte) else {
                break;
            };
            node = next;
            let id = self.token(node);
            if id != NO_TOKEN {
                best = Some((offset + 1, id));
            }
        }
        best
    }
}

// ---------------------------------------------------------------------------------------------
// Safetensors

/// The numeric contents of `model.safetensors`.
struct Tensors {
    matrix: Vec<f32>,
    rows: usize,
    dim: usize,
    weights: Option<Vec<f32>>,
    mapping: Option<Vec<u32>>,
}

fn read_tensors(path: &Path, vocab_size: usize) -> Result<Tensors, Model2VecError> {
    let bytes = read_file(path)?;
    let file = SafeTensors::deserialize(&bytes).map_err(|error| Model2VecError::Safetensors {
        path: path.to_path_buf(),
        reason: error.to_string(),
    })?;
    let tensor_error = |name: &str, problem: String| Model2VecError::Tensor {
        path: path.to_path_buf(),
        name: name.to_string(),
        problem,
    };

    let (name, view) = find_matrix(&file).ok_or_else(|| {
        let mut names = file.names();
        names.sort_unstable();
        Model2VecError::NoMatrix {
            path: path.to_path_buf(),
            found: if names.is_empty() {
                "no tensors".to_string()
            } else {
                names.join(", ")
            },
        }
    })?;
    let (rows, dim) = match *view.shape() {
        [rows, dim] if rows > 0 && dim > 0 => (rows, dim),
        _ => {
            return Err(tensor_error(
                &name,
                format!(
                    "has shape {:?}; the embedding matrix must be 2-D (tokens x dimensions) and \
                     not empty",
                    view.shape()
                ),
            ))
        }
    };
    let matrix = decode_floats(&view).map_err(|problem| tensor_error(&name, problem))?;
    if matrix.iter().any(|value| !value.is_finite()) {
        return Err(tensor_error(
            &name,
            "holds NaN or infinite values; download the model again".to_string(),
        ));
    }

    let vector_len = |name: &str, view: &TensorView<'_>| match *view.shape() {
        [len] if len >= vocab_size => Ok(len),
        _ => Err(tensor_error(
            name,
            format!(
                "has shape {:?} but must list one value for each of the tokenizer's {vocab_size} \
                 tokens; tokenizer.json and model.safetensors must come from the same model",
                view.shape()
            ),
        )),
    };

    let weights = match file.tensor("weights") {
        Err(_) => None,
        Ok(view) => {
            vector_len("weights", &view)?;
            let weights =
                decode_floats(&view).map_err(|problem| tensor_error("weights", problem))?;
            if weights.iter().any(|value| !value.is_finite()) {
                return Err(tensor_error(
                    "weights",
                    "holds NaN or infinite values; download the model again".to_string(),
                ));
            }
            Some(weights)
        }
    };

    let mapping = match file.tensor("mapping") {
        Err(_) => None,
        Ok(view) => {
            vector_len("mapping", &view)?;
            let mapping =
                decode_rows(&view, rows).map_err(|problem| tensor_error("mapping", problem))?;
            Some(mapping)
        }
    };

    if mapping.is_none() && rows < vocab_size {
        return Err(Model2VecError::VocabMismatch {
            path: path.to_path_buf(),
            rows,
            vocab: vocab_size,
        });
    }
    if mapping.is_none() && rows > vocab_size {
        tracing::debug!(rows, vocab_size, "embedding matrix has rows no token uses");
    }
    Ok(Tensors {
        matrix,
        rows,
        dim,
        weights,
        mapping,
    })
}

/// The embedding matrix: by its usual names, else the only 2-D tensor in the file.
fn find_matrix<'data>(file: &SafeTensors<'data>) -> Option<(String, TensorView<'data>)> {
    for name in MATRIX_NAMES {
        if let Ok(view) = file.tensor(name) {
            return Some((name.to_string(), view));
        }
    }
    let mut matrices = file
        .iter()
        .filter(|(_, view)| view.shape().len() == 2)
        .map(|(name, view)| (name.to_string(), view));
    let only = matrices.next()?;
    matrices.next().is_none().then_some(only)
}

fn decode_floats(view: &TensorView<'_>) -> Result<Vec<f32>, String> {
    let data = view.data();
    let values = match view.dtype() {
        Dtype::F32 => data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        Dtype::F16 => data
            .chunks_exact(2)
            .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
            .collect(),
        Dtype::BF16 => data
            .chunks_exact(2)
            .map(|b| f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16))
            .collect(),
        Dtype::F64 => data
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32)
            .collect(),
        // Quantised models scale every row alike, so the integers keep each row's direction.
        Dtype::I8 => data.iter().map(|&b| f32::from(b as i8)).collect(),
        other => {
            return Err(format!(
                "has dtype {other:?}, which this loader cannot read; use a model stored as F32, \
                 F16, BF16, F64 or I8"
            ))
        }
    };
    Ok(values)
}

/// A token-to-row mapping, each entry checked against the matrix's `rows`.
fn decode_rows(view: &TensorView<'_>, rows: usize) -> Result<Vec<u32>, String> {
    let data = view.data();
    let values: Vec<i64> = match view.dtype() {
        Dtype::I32 => data
            .chunks_exact(4)
            .map(|b| i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            .collect(),
        Dtype::U32 => data
            .chunks_exact(4)
            .map(|b| i64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            .collect(),
        Dtype::I64 => data
            .chunks_exact(8)
            .map(|b| i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
            .collect(),
        other => {
            return Err(format!(
                "has dtype {other:?}; a token-to-row mapping must be I32, U32 or I64"
            ))
        }
    };
    values
        .into_iter()
        .map(|row| {
            usize::try_from(row)
                .ok()
                .filter(|&row| row < rows)
                .map(|row| row as u32)
                .ok_or_else(|| {
                    format!(
                        "maps a token to row {row}, outside the embedding matrix's {rows} rows; \
                         download the model again"
                    )
                })
        })
        .collect()
}

/// IEEE 754 half precision to single precision, exactly.
fn f16_to_f32(half: u16) -> f32 {
    let sign = u32::from(half & 0x8000) << 16;
    let exponent = u32::from((half >> 10) & 0x1F);
    let mantissa = u32::from(half & 0x03FF);
    match exponent {
        0 => {
            // Zero or subnormal: mantissa x 2^-24.
            let magnitude = mantissa as f32 * f32::from_bits(0x3380_0000);
            if sign == 0 {
                magnitude
            } else {
                -magnitude
            }
        }
        0x1F => f32::from_bits(sign | 0x7F80_0000 | (mantissa << 13)),
        _ => f32::from_bits(sign | ((exponent + 112) << 23) | (mantissa << 13)),
    }
}

// ---------------------------------------------------------------------------------------------
// Unicode character classes

/// The character classes BERT-style tokenizers ask about, from tables generated from the
/// Unicode 14 character database (Python's `unicodedata`), so no Unicode crate is needed.
mod unicode {
    /// Whether `table` (inclusive `[low, high]` pairs, sorted) holds `ch`.
    fn in_ranges(table: &[u32], ch: char) -> bool {
        let code = ch as u32;
        let (mut low, mut high) = (0, table.len() / 2);
        while low < high {
            let mid = (low + high) / 2;
            if code < table[2 * mid] {
                high = mid;
            } else if code > table[2 * mid + 1] {
                low = mid + 1;
            } else {
                return true;
            }
        }
        false
    }

    /// Unicode punctuation (category P*), or ASCII punctuation (which includes symbols like `$`).
    pub(super) fn is_punctuation(ch: char) -> bool {
        ch.is_ascii_punctuation() || (!ch.is_ascii() && in_ranges(PUNCTUATION, ch))
    }

    /// Category Mn: combining accents and other marks drawn on the previous character.
    pub(super) fn is_nonspacing_mark(ch: char) -> bool {
        !ch.is_ascii() && in_ranges(NONSPACING_MARKS, ch)
    }

    /// What BERT's text cleaning removes besides NUL and U+FFFD: control, format and private-use
    /// characters, except tab, newline and carriage return (which count as whitespace).
    pub(super) fn is_bert_control(ch: char) -> bool {
        if matches!(ch, '\t' | '\n' | '\r') {
            return false;
        }
        ch.is_control()
            || (!ch.is_ascii()
                && (in_ranges(FORMAT_CONTROLS, ch)
                    || matches!(ch, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{FFFFD}' | '\u{100000}'..='\u{10FFFD}')))
    }

    /// The CJK ideograph blocks BERT surrounds with spaces, exactly as Hugging Face lists them.
    pub(super) fn is_chinese_char(ch: char) -> bool {
        (ch as u32) >= 0x3400
            && matches!(ch as u32,
            0x4E00..=0x9FFF
            | 0x3400..=0x4DBF
            | 0x20000..=0x2A6DF
            | 0x2A700..=0x2B73F
            | 0x2B740..=0x2B81F
            | 0x2B920..=0x2CEAF
            | 0xF900..=0xFAFF
            | 0x2F800..=0x2FA1F)
    }

    /// `ch` without its accents (canonical decomposition, nonspacing marks dropped): `None` when
    /// `ch` is itself a nonspacing mark, else the base letter or `ch` unchanged.
    #[inline]
    pub(super) fn strip_accent(ch: char) -> Option<char> {
        if ch.is_ascii() {
            return Some(ch);
        }
        if is_nonspacing_mark(ch) {
            return None;
        }
        let code = ch as u32;
        let (mut low, mut high) = (0, ACCENT_BASES.len() / 2);
        while low < high {
            let mid = (low + high) / 2;
            match ACCENT_BASES[2 * mid].cmp(&code) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => {
                    return Some(char::from_u32(ACCENT_BASES[2 * mid + 1]).unwrap_or(ch))
                }
            }
        }
        Some(ch)
    }

    /// Non-ASCII code points of general category P*, as inclusive `[low, high]` pairs.
    pub(super) const PUNCTUATION: &[u32] = &[
        0xA1, 0xA1, 0xA7, 0xA7, 0xAB, 0xAB, 0xB6, 0xB7, 0xBB, 0xBB, 0xBF, 0xBF, 0x37E, 0x37E,
        0x387, 0x387, 0x55A, 0x55F, 0x589, 0x58A, 0x5BE, 0x5BE, 0x5C0, 0x5C0, 0x5C3, 0x5C3, 0x5C6,
        0x5C6, 0x5F3, 0x5F4, 0x609, 0x60A, 0x60C, 0x60D, 0x61B, 0x61B, 0x61D, 0x61F, 0x66A, 0x66D,
        0x6D4, 0x6D4, 0x700, 0x70D, 0x7F7, 0x7F9, 0x830, 0x83E, 0x85E, 0x85E, 0x964, 0x965, 0x970,
        0x970, 0x9FD, 0x9FD, 0xA76, 0xA76, 0xAF0, 0xAF0, 0xC77, 0xC77, 0xC84, 0xC84, 0xDF4, 0xDF4,
        0xE4F, 0xE4F, 0xE5A, 0xE5B, 0xF04, 0xF12, 0xF14, 0xF14, 0xF3A, 0xF3D, 0xF85, 0xF85, 0xFD0,
        0xFD4, 0xFD9, 0xFDA, 0x104A, 0x104F, 0x10FB, 0x10FB, 0x1360, 0x1368, 0x1400, 0x1400,
        0x166E, 0x166E, 0x169B, 0x169C, 0x16EB, 0x16ED, 0x1735, 0x1736, 0x17D4, 0x17D6, 0x17D8,
        0x17DA, 0x1800, 0x180A, 0x1944, 0x1945, 0x1A1E, 0x1A1F, 0x1AA0, 0x1AA6, 0x1AA8, 0x1AAD,
        0x1B5A, 0x1B60, 0x1B7D, 0x1B7E, 0x1BFC, 0x1BFF, 0x1C3B, 0x1C3F, 0x1C7E, 0x1C7F, 0x1CC0,
        0x1CC7, 0x1CD3, 0x1CD3, 0x2010, 0x2027, 0x2030, 0x2043, 0x2045, 0x2051, 0x2053, 0x205E,
        0x207D, 0x207E, 0x208D, 0x208E, 0x2308, 0x230B, 0x2329, 0x232A, 0x2768, 0x2775, 0x27C5,
        0x27C6, 0x27E6, 0x27EF, 0x2983, 0x2998, 0x29D8, 0x29DB, 0x29FC, 0x29FD, 0x2CF9, 0x2CFC,
        0x2CFE, 0x2CFF, 0x2D70, 0x2D70, 0x2E00, 0x2E2E, 0x2E30, 0x2E4F, 0x2E52, 0x2E5D, 0x3001,
        0x3003, 0x3008, 0x3011, 0x3014, 0x301F, 0x3030, 0x3030, 0x303D, 0x303D, 0x30A0, 0x30A0,
        0x30FB, 0x30FB, 0xA4FE, 0xA4FF, 0xA60D, 0xA60F, 0xA673, 0xA673, 0xA67E, 0xA67E, 0xA6F2,
        0xA6F7, 0xA874, 0xA877, 0xA8CE, 0xA8CF, 0xA8F8, 0xA8FA, 0xA8FC, 0xA8FC, 0xA92E, 0xA92F,
        0xA95F, 0xA95F, 0xA9C1, 0xA9CD, 0xA9DE, 0xA9DF, 0xAA5C, 0xAA5F, 0xAADE, 0xAADF, 0xAAF0,
        0xAAF1, 0xABEB, 0xABEB, 0xFD3E, 0xFD3F, 0xFE10, 0xFE19, 0xFE30, 0xFE52, 0xFE54, 0xFE61,
        0xFE63, 0xFE63, 0xFE68, 0xFE68, 0xFE6A, 0xFE6B, 0xFF01, 0xFF03, 0xFF05, 0xFF0A, 0xFF0C,
        0xFF0F, 0xFF1A, 0xFF1B, 0xFF1F, 0xFF20, 0xFF3B, 0xFF3D, 0xFF3F, 0xFF3F, 0xFF5B, 0xFF5B,
        0xFF5D, 0xFF5D, 0xFF5F, 0xFF65, 0x10100, 0x10102, 0x1039F, 0x1039F, 0x103D0, 0x103D0,
        0x1056F, 0x1056F, 0x10857, 0x10857, 0x1091F, 0x1091F, 0x1093F, 0x1093F, 0x10A50, 0x10A58,
        0x10A7F, 0x10A7F, 0x10AF0, 0x10AF6, 0x10B39, 0x10B3F, 0x10B99, 0x10B9C, 0x10EAD, 0x10EAD,
        0x10F55, 0x10F59, 0x10F86, 0x10F89, 0x11047, 0x1104D, 0x110BB, 0x110BC, 0x110BE, 0x110C1,
        0x11140, 0x11143, 0x11174, 0x11175, 0x111C5, 0x111C8, 0x111CD, 0x111CD, 0x111DB, 0x111DB,
        0x111DD, 0x111DF, 0x11238, 0x1123D, 0x112A9, 0x112A9, 0x1144B, 0x1144F, 0x1145A, 0x1145B,
        0x1145D, 0x1145D, 0x114C6, 0x114C6, 0x115C1, 0x115D7, 0x11641, 0x11643, 0x11660, 0x1166C,
        0x116B9, 0x116B9, 0x1173C, 0x1173E, 0x1183B, 0x1183B, 0x11944, 0x11946, 0x119E2, 0x119E2,
        0x11A3F, 0x11A46, 0x11A9A, 0x11A9C, 0x11A9E, 0x11AA2, 0x11C41, 0x11C45, 0x11C70, 0x11C71,
        0x11EF7, 0x11EF8, 0x11FFF, 0x11FFF, 0x12470, 0x12474, 0x12FF1, 0x12FF2, 0x16A6E, 0x16A6F,
        0x16AF5, 0x16AF5, 0x16B37, 0x16B3B, 0x16B44, 0x16B44, 0x16E97, 0x16E9A, 0x16FE2, 0x16FE2,
        0x1BC9F, 0x1BC9F, 0x1DA87, 0x1DA8B, 0x1E95E, 0x1E95F,
    ];

    /// Code points of general category Mn, as inclusive `[low, high]` pairs.
    pub(super) const NONSPACING_MARKS: &[u32] = &[
        0x300, 0x36F, 0x483, 0x487, 0x591, 0x5BD, 0x5BF, 0x5BF, 0x5C1, 0x5C2, 0x5C4, 0x5C5, 0x5C7,
        0x5C7, 0x610, 0x61A, 0x64B, 0x65F, 0x670, 0x670, 0x6D6, 0x6DC, 0x6DF, 0x6E4, 0x6E7, 0x6E8,
        0x6EA, 0x6ED, 0x711, 0x711, 0x730, 0x74A, 0x7A6, 0x7B0, 0x7EB, 0x7F3, 0x7FD, 0x7FD, 0x816,
        0x819, 0x81B, 0x823, 0x825, 0x827, 0x829, 0x82D, 0x859, 0x85B, 0x898, 0x89F, 0x8CA, 0x8E1,
        0x8E3, 0x902, 0x93A, 0x93A, 0x93C, 0x93C, 0x941, 0x948, 0x94D, 0x94D, 0x951, 0x957, 0x962,
        0x963, 0x981, 0x981, 0x9BC, 0x9BC, 0x9C1, 0x9C4, 0x9CD, 0x9CD, 0x9E2, 0x9E3, 0x9FE, 0x9FE,
        0xA01, 0xA02, 0xA3C, 0xA3C, 0xA41, 0xA42, 0xA47, 0xA48, 0xA4B, 0xA4D, 0xA51, 0xA51, 0xA70,
        0xA71, 0xA75, 0xA75, 0xA81, 0xA82, 0xABC, 0xABC, 0xAC1, 0xAC5, 0xAC7, 0xAC8, 0xACD, 0xACD,
        0xAE2, 0xAE3, 0xAFA, 0xAFF, 0xB01, 0xB01, 0xB3C, 0xB3C, 0xB3F, 0xB3F, 0xB41, 0xB44, 0xB4D,
        0xB4D, 0xB55, 0xB56, 0xB62, 0xB63, 0xB82, 0xB82, 0xBC0, 0xBC0, 0xBCD, 0xBCD, 0xC00, 0xC00,
        0xC04, 0xC04, 0xC3C, 0xC3C, 0xC3E, 0xC40, 0xC46, 0xC48, 0xC4A, 0xC4D, 0xC55, 0xC56, 0xC62,
        0xC63, 0xC81, 0xC81, 0xCBC, 0xCBC, 0xCBF, 0xCBF, 0xCC6, 0xCC6, 0xCCC, 0xCCD, 0xCE2, 0xCE3,
        0xD00, 0xD01, 0xD3B, 0xD3C, 0xD41, 0xD44, 0xD4D, 0xD4D, 0xD62, 0xD63, 0xD81, 0xD81, 0xDCA,
        0xDCA, 0xDD2, 0xDD4, 0xDD6, 0xDD6, 0xE31, 0xE31, 0xE34, 0xE3A, 0xE47, 0xE4E, 0xEB1, 0xEB1,
        0xEB4, 0xEBC, 0xEC8, 0xECD, 0xF18, 0xF19, 0xF35, 0xF35, 0xF37, 0xF37, 0xF39, 0xF39, 0xF71,
        0xF7E, 0xF80, 0xF84, 0xF86, 0xF87, 0xF8D, 0xF97, 0xF99, 0xFBC, 0xFC6, 0xFC6, 0x102D,
        0x1030, 0x1032, 0x1037, 0x1039, 0x103A, 0x103D, 0x103E, 0x1058, 0x1059, 0x105E, 0x1060,
        0x1071, 0x1074, 0x1082, 0x1082, 0x1085, 0x1086, 0x108D, 0x108D, 0x109D, 0x109D, 0x135D,
        0x135F, 0x1712, 0x1714, 0x1732, 0x1733, 0x1752, 0x1753, 0x1772, 0x1773, 0x17B4, 0x17B5,
        0x17B7, 0x17BD, 0x17C6, 0x17C6, 0x17C9, 0x17D3, 0x17DD, 0x17DD, 0x180B, 0x180D, 0x180F,
        0x180F, 0x1885, 0x1886, 0x18A9, 0x18A9, 0x1920, 0x1922, 0x1927, 0x1928, 0x1932, 0x1932,
        0x1939, 0x193B, 0x1A17, 0x1A18, 0x1A1B, 0x1A1B, 0x1A56, 0x1A56, 0x1A58, 0x1A5E, 0x1A60,
        0x1A60, 0x1A62, 0x1A62, 0x1A65, 0x1A6C, 0x1A73, 0x1A7C, 0x1A7F, 0x1A7F, 0x1AB0, 0x1ABD,
        0x1ABF, 0x1ACE, 0x1B00, 0x1B03, 0x1B34, 0x1B34, 0x1B36, 0x1B3A, 0x1B3C, 0x1B3C, 0x1B42,
        0x1B42, 0x1B6B, 0x1B73, 0x1B80, 0x1B81, 0x1BA2, 0x1BA5, 0x1BA8, 0x1BA9, 0x1BAB, 0x1BAD,
        0x1BE6, 0x1BE6, 0x1BE8, 0x1BE9, 0x1BED, 0x1BED, 0x1BEF, 0x1BF1, 0x1C2C, 0x1C33, 0x1C36,
        0x1C37, 0x1CD0, 0x1CD2, 0x1CD4, 0x1CE0, 0x1CE2, 0x1CE8, 0x1CED, 0x1CED, 0x1CF4, 0x1CF4,
        0x1CF8, 0x1CF9, 0x1DC0, 0x1DFF, 0x20D0, 0x20DC, 0x20E1, 0x20E1, 0x20E5, 0x20F0, 0x2CEF,
        0x2CF1, 0x2D7F, 0x2D7F, 0x2DE0, 0x2DFF, 0x302A, 0x302D, 0x3099, 0x309A, 0xA66F, 0xA66F,
        0xA674, 0xA67D, 0xA69E, 0xA69F, 0xA6F0, 0xA6F1, 0xA802, 0xA802, 0xA806, 0xA806, 0xA80B,
        0xA80B, 0xA825, 0xA826, 0xA82C, 0xA82C, 0xA8C4, 0xA8C5, 0xA8E0, 0xA8F1, 0xA8FF, 0xA8FF,
        0xA926, 0xA92D, 0xA947, 0xA951, 0xA980, 0xA982, 0xA9B3, 0xA9B3, 0xA9B6, 0xA9B9, 0xA9BC,
        0xA9BD, 0xA9E5, 0xA9E5, 0xAA29, 0xAA2E, 0xAA31, 0xAA32, 0xAA35, 0xAA36, 0xAA43, 0xAA43,
        0xAA4C, 0xAA4C, 0xAA7C, 0xAA7C, 0xAAB0, 0xAAB0, 0xAAB2, 0xAAB4, 0xAAB7, 0xAAB8, 0xAABE,
        0xAABF, 0xAAC1, 0xAAC1, 0xAAEC, 0xAAED, 0xAAF6, 0xAAF6, 0xABE5, 0xABE5, 0xABE8, 0xABE8,
        0xABED, 0xABED, 0xFB1E, 0xFB1E, 0xFE00, 0xFE0F, 0xFE20, 0xFE2F, 0x101FD, 0x101FD, 0x102E0,
        0x102E0, 0x10376, 0x1037A, 0x10A01, 0x10A03, 0x10A05, 0x10A06, 0x10A0C, 0x10A0F, 0x10A38,
        0x10A3A, 0x10A3F, 0x10A3F, 0x10AE5, 0x10AE6, 0x10D24, 0x10D27, 0x10EAB, 0x10EAC, 0x10F46,
        0x10F50, 0x10F82, 0x10F85, 0x11001, 0x11001, 0x11038, 0x11046, 0x11070, 0x11070, 0x11073,
        0x11074, 0x1107F, 0x11081, 0x110B3, 0x110B6, 0x110B9, 0x110BA, 0x110C2, 0x110C2, 0x11100,
        0x11102, 0x11127, 0x1112B, 0x1112D, 0x11134, 0x11173, 0x11173, 0x11180, 0x11181, 0x111B6,
        0x111BE, 0x111C9, 0x111CC, 0x111CF, 0x111CF, 0x1122F, 0x11231, 0x11234, 0x11234, 0x11236,
        0x11237, 0x1123E, 0x1123E, 0x112DF, 0x112DF, 0x112E3, 0x112EA, 0x11300, 0x11301, 0x1133B,
        0x1133C, 0x11340, 0x11340, 0x11366, 0x1136C, 0x11370, 0x11374, 0x11438, 0x1143F, 0x11442,
        0x11444, 0x11446, 0x11446, 0x1145E, 0x1145E, 0x114B3, 0x114B8, 0x114BA, 0x114BA, 0x114BF,
        0x114C0, 0x114C2, 0x114C3, 0x115B2, 0x115B5, 0x115BC, 0x115BD, 0x115BF, 0x115C0, 0x115DC,
        0x115DD, 0x11633, 0x1163A, 0x1163D, 0x1163D, 0x1163F, 0x11640, 0x116AB, 0x116AB, 0x116AD,
        0x116AD, 0x116B0, 0x116B5, 0x116B7, 0x116B7, 0x1171D, 0x1171F, 0x11722, 0x11725, 0x11727,
        0x1172B, 0x1182F, 0x11837, 0x11839, 0x1183A, 0x1193B, 0x1193C, 0x1193E, 0x1193E, 0x11943,
        0x11943, 0x119D4, 0x119D7, 0x119DA, 0x119DB, 0x119E0, 0x119E0, 0x11A01, 0x11A0A, 0x11A33,
        0x11A38, 0x11A3B, 0x11A3E, 0x11A47, 0x11A47, 0x11A51, 0x11A56, 0x11A59, 0x11A5B, 0x11A8A,
        0x11A96, 0x11A98, 0x11A99, 0x11C30, 0x11C36, 0x11C38, 0x11C3D, 0x11C3F, 0x11C3F, 0x11C92,
        0x11CA7, 0x11CAA, 0x11CB0, 0x11CB2, 0x11CB3, 0x11CB5, 0x11CB6, 0x11D31, 0x11D36, 0x11D3A,
        0x11D3A, 0x11D3C, 0x11D3D, 0x11D3F, 0x11D45, 0x11D47, 0x11D47, 0x11D90, 0x11D91, 0x11D95,
        0x11D95, 0x11D97, 0x11D97, 0x11EF3, 0x11EF4, 0x16AF0, 0x16AF4, 0x16B30, 0x16B36, 0x16F4F,
        0x16F4F, 0x16F8F, 0x16F92, 0x16FE4, 0x16FE4, 0x1BC9D, 0x1BC9E, 0x1CF00, 0x1CF2D, 0x1CF30,
        0x1CF46, 0x1D167, 0x1D169, 0x1D17B, 0x1D182, 0x1D185, 0x1D18B, 0x1D1AA, 0x1D1AD, 0x1D242,
        0x1D244, 0x1DA00, 0x1DA36, 0x1DA3B, 0x1DA6C, 0x1DA75, 0x1DA75, 0x1DA84, 0x1DA84, 0x1DA9B,
        0x1DA9F, 0x1DAA1, 0x1DAAF, 0x1E000, 0x1E006, 0x1E008, 0x1E018, 0x1E01B, 0x1E021, 0x1E023,
        0x1E024, 0x1E026, 0x1E02A, 0x1E130, 0x1E136, 0x1E2AE, 0x1E2AE, 0x1E2EC, 0x1E2EF, 0x1E8D0,
        0x1E8D6, 0x1E944, 0x1E94A, 0xE0100, 0xE01EF,
    ];

    /// Code points of general category Cf, as inclusive `[low, high]` pairs.
    pub(super) const FORMAT_CONTROLS: &[u32] = &[
        0xAD, 0xAD, 0x600, 0x605, 0x61C, 0x61C, 0x6DD, 0x6DD, 0x70F, 0x70F, 0x890, 0x891, 0x8E2,
        0x8E2, 0x180E, 0x180E, 0x200B, 0x200F, 0x202A, 0x202E, 0x2060, 0x2064, 0x2066, 0x206F,
        0xFEFF, 0xFEFF, 0xFFF9, 0xFFFB, 0x110BD, 0x110BD, 0x110CD, 0x110CD, 0x13430, 0x13438,
        0x1BCA0, 0x1BCA3, 0x1D173, 0x1D17A, 0xE0001, 0xE0001, 0xE0020, 0xE007F,
    ];

    /// `[code point, base letter]` pairs, sorted: the one letter left when the code point's
    /// canonical decomposition (NFD) drops its nonspacing marks.
    pub(super) const ACCENT_BASES: &[u32] = &[
        0xC0, 0x41, 0xC1, 0x41, 0xC2, 0x41, 0xC3, 0x41, 0xC4, 0x41, 0xC5, 0x41, 0xC7, 0x43, 0xC8,
        0x45, 0xC9, 0x45, 0xCA, 0x45, 0xCB, 0x45, 0xCC, 0x49, 0xCD, 0x49, 0xCE, 0x49, 0xCF, 0x49,
        0xD1, 0x4E, 0xD2, 0x4F, 0xD3, 0x4F, 0xD4, 0x4F, 0xD5, 0x4F, 0xD6, 0x4F, 0xD9, 0x55, 0xDA,
        0x55, 0xDB, 0x55, 0xDC, 0x55, 0xDD, 0x59, 0xE0, 0x61, 0xE1, 0x61, 0xE2, 0x61, 0xE3, 0x61,
        0xE4, 0x61, 0xE5, 0x61, 0xE7, 0x63, 0xE8, 0x65, 0xE9, 0x65, 0xEA, 0x65, 0xEB, 0x65, 0xEC,
        0x69, 0xED, 0x69, 0xEE, 0x69, 0xEF, 0x69, 0xF1, 0x6E, 0xF2, 0x6F, 0xF3, 0x6F, 0xF4, 0x6F,
        0xF5, 0x6F, 0xF6, 0x6F, 0xF9, 0x75, 0xFA, 0x75, 0xFB, 0x75, 0xFC, 0x75, 0xFD, 0x79, 0xFF,
        0x79, 0x100, 0x41, 0x101, 0x61, 0x102, 0x41, 0x103, 0x61, 0x104, 0x41, 0x105, 0x61, 0x106,
        0x43, 0x107, 0x63, 0x108, 0x43, 0x109, 0x63, 0x10A, 0x43, 0x10B, 0x63, 0x10C, 0x43, 0x10D,
        0x63, 0x10E, 0x44, 0x10F, 0x64, 0x112, 0x45, 0x113, 0x65, 0x114, 0x45, 0x115, 0x65, 0x116,
        0x45, 0x117, 0x65, 0x118, 0x45, 0x119, 0x65, 0x11A, 0x45, 0x11B, 0x65, 0x11C, 0x47, 0x11D,
        0x67, 0x11E, 0x47, 0x11F, 0x67, 0x120, 0x47, 0x121, 0x67, 0x122, 0x47, 0x123, 0x67, 0x124,
        0x48, 0x125, 0x68, 0x128, 0x49, 0x129, 0x69, 0x12A, 0x49, 0x12B, 0x69, 0x12C, 0x49, 0x12D,
        0x69, 0x12E, 0x49, 0x12F, 0x69, 0x130, 0x49, 0x134, 0x4A, 0x135, 0x6A, 0x136, 0x4B, 0x137,
        0x6B, 0x139, 0x4C, 0x13A, 0x6C, 0x13B, 0x4C, 0x13C, 0x6C, 0x13D, 0x4C, 0x13E, 0x6C, 0x143,
        0x4E, 0x144, 0x6E, 0x145, 0x4E, 0x146, 0x6E, 0x147, 0x4E, 0x148, 0x6E, 0x14C, 0x4F, 0x14D,
        0x6F, 0x14E, 0x4F, 0x14F, 0x6F, 0x150, 0x4F, 0x151, 0x6F, 0x154, 0x52, 0x155, 0x72, 0x156,
        0x52, 0x157, 0x72, 0x158, 0x52, 0x159, 0x72, 0x15A, 0x53, 0x15B, 0x73, 0x15C, 0x53, 0x15D,
        0x73, 0x15E, 0x53, 0x15F, 0x73, 0x160, 0x53, 0x161, 0x73, 0x162, 0x54, 0x163, 0x74, 0x164,
        0x54, 0x165, 0x74, 0x168, 0x55, 0x169, 0x75, 0x16A, 0x55, 0x16B, 0x75, 0x16C, 0x55, 0x16D,
        0x75, 0x16E, 0x55, 0x16F, 0x75, 0x170, 0x55, 0x171, 0x75, 0x172, 0x55, 0x173, 0x75, 0x174,
        0x57, 0x175, 0x77, 0x176, 0x59, 0x177, 0x79, 0x178, 0x59, 0x179, 0x5A, 0x17A, 0x7A, 0x17B,
        0x5A, 0x17C, 0x7A, 0x17D, 0x5A, 0x17E, 0x7A, 0x1A0, 0x4F, 0x1A1, 0x6F, 0x1AF, 0x55, 0x1B0,
        0x75, 0x1CD, 0x41, 0x1CE, 0x61, 0x1CF, 0x49, 0x1D0, 0x69, 0x1D1, 0x4F, 0x1D2, 0x6F, 0x1D3,
        0x55, 0x1D4, 0x75, 0x1D5, 0x55, 0x1D6, 0x75, 0x1D7, 0x55, 0x1D8, 0x75, 0x1D9, 0x55, 0x1DA,
        0x75, 0x1DB, 0x55, 0x1DC, 0x75, 0x1DE, 0x41, 0x1DF, 0x61, 0x1E0, 0x41, 0x1E1, 0x61, 0x1E2,
        0xC6, 0x1E3, 0xE6, 0x1E6, 0x47, 0x1E7, 0x67, 0x1E8, 0x4B, 0x1E9, 0x6B, 0x1EA, 0x4F, 0x1EB,
        0x6F, 0x1EC, 0x4F, 0x1ED, 0x6F, 0x1EE, 0x1B7, 0x1EF, 0x292, 0x1F0, 0x6A, 0x1F4, 0x47,
        0x1F5, 0x67, 0x1F8, 0x4E, 0x1F9, 0x6E, 0x1FA, 0x41, 0x1FB, 0x61, 0x1FC, 0xC6, 0x1FD, 0xE6,
        0x1FE, 0xD8, 0x1FF, 0xF8, 0x200, 0x41, 0x201, 0x61, 0x202, 0x41, 0x203, 0x61, 0x204, 0x45,
        0x205, 0x65, 0x206, 0x45, 0x207, 0x65, 0x208, 0x49, 0x209, 0x69, 0x20A, 0x49, 0x20B, 0x69,
        0x20C, 0x4F, 0x20D, 0x6F, 0x20E, 0x4F, 0x20F, 0x6F, 0x210, 0x52, 0x211, 0x72, 0x212, 0x52,
        0x213, 0x72, 0x214, 0x55, 0x215, 0x75, 0x216, 0x55, 0x217, 0x75, 0x218, 0x53, 0x219, 0x73,
        0x21A, 0x54, 0x21B, 0x74, 0x21E, 0x48, 0x21F, 0x68, 0x226, 0x41, 0x227, 0x61, 0x228, 0x45,
        0x229, 0x65, 0x22A, 0x4F, 0x22B, 0x6F, 0x22C, 0x4F, 0x22D, 0x6F, 0x22E, 0x4F, 0x22F, 0x6F,
        0x230, 0x4F, 0x231, 0x6F, 0x232, 0x59, 0x233, 0x79, 0x374, 0x2B9, 0x37E, 0x3B, 0x385, 0xA8,
        0x386, 0x391, 0x387, 0xB7, 0x388, 0x395, 0x389, 0x397, 0x38A, 0x399, 0x38C, 0x39F, 0x38E,
        0x3A5, 0x38F, 0x3A9, 0x390, 0x3B9, 0x3AA, 0x399, 0x3AB, 0x3A5, 0x3AC, 0x3B1, 0x3AD, 0x3B5,
        0x3AE, 0x3B7, 0x3AF, 0x3B9, 0x3B0, 0x3C5, 0x3CA, 0x3B9, 0x3CB, 0x3C5, 0x3CC, 0x3BF, 0x3CD,
        0x3C5, 0x3CE, 0x3C9, 0x3D3, 0x3D2, 0x3D4, 0x3D2, 0x400, 0x415, 0x401, 0x415, 0x403, 0x413,
        0x407, 0x406, 0x40C, 0x41A, 0x40D, 0x418, 0x40E, 0x423, 0x419, 0x418, 0x439, 0x438, 0x450,
        0x435, 0x451, 0x435, 0x453, 0x433, 0x457, 0x456, 0x45C, 0x43A, 0x45D, 0x438, 0x45E, 0x443,
        0x476, 0x474, 0x477, 0x475, 0x4C1, 0x416, 0x4C2, 0x436, 0x4D0, 0x410, 0x4D1, 0x430, 0x4D2,
        0x410, 0x4D3, 0x430, 0x4D6, 0x415, 0x4D7, 0x435, 0x4DA, 0x4D8, 0x4DB, 0x4D9, 0x4DC, 0x416,
        0x4DD, 0x436, 0x4DE, 0x417, 0x4DF, 0x437, 0x4E2, 0x418, 0x4E3, 0x438, 0x4E4, 0x418, 0x4E5,
        0x438, 0x4E6, 0x41E, 0x4E7, 0x43E, 0x4EA, 0x4E8, 0x4EB, 0x4E9, 0x4EC, 0x42D, 0x4ED, 0x44D,
        0x4EE, 0x423, 0x4EF, 0x443, 0x4F0, 0x423, 0x4F1, 0x443, 0x4F2, 0x423, 0x4F3, 0x443, 0x4F4,
        0x427, 0x4F5, 0x447, 0x4F8, 0x42B, 0x4F9, 0x44B, 0x622, 0x627, 0x623, 0x627, 0x624, 0x648,
        0x625, 0x627, 0x626, 0x64A, 0x6C0, 0x6D5, 0x6C2, 0x6C1, 0x6D3, 0x6D2, 0x929, 0x928, 0x931,
        0x930, 0x934, 0x933, 0x958, 0x915, 0x959, 0x916, 0x95A, 0x917, 0x95B, 0x91C, 0x95C, 0x921,
        0x95D, 0x922, 0x95E, 0x92B, 0x95F, 0x92F, 0x9DC, 0x9A1, 0x9DD, 0x9A2, 0x9DF, 0x9AF, 0xA33,
        0xA32, 0xA36, 0xA38, 0xA59, 0xA16, 0xA5A, 0xA17, 0xA5B, 0xA1C, 0xA5E, 0xA2B, 0xB48, 0xB47,
        0xB5C, 0xB21, 0xB5D, 0xB22, 0xCC0, 0xCD5, 0xCC7, 0xCD5, 0xCC8, 0xCD6, 0xCCA, 0xCC2, 0xDDA,
        0xDD9, 0xF43, 0xF42, 0xF4D, 0xF4C, 0xF52, 0xF51, 0xF57, 0xF56, 0xF5C, 0xF5B, 0xF69, 0xF40,
        0x1026, 0x1025, 0x1B3B, 0x1B35, 0x1B3D, 0x1B35, 0x1B43, 0x1B35, 0x1E00, 0x41, 0x1E01, 0x61,
        0x1E02, 0x42, 0x1E03, 0x62, 0x1E04, 0x42, 0x1E05, 0x62, 0x1E06, 0x42, 0x1E07, 0x62, 0x1E08,
        0x43, 0x1E09, 0x63, 0x1E0A, 0x44, 0x1E0B, 0x64, 0x1E0C, 0x44, 0x1E0D, 0x64, 0x1E0E, 0x44,
        0x1E0F, 0x64, 0x1E10, 0x44, 0x1E11, 0x64, 0x1E12, 0x44, 0x1E13, 0x64, 0x1E14, 0x45, 0x1E15,
        0x65, 0x1E16, 0x45, 0x1E17, 0x65, 0x1E18, 0x45, 0x1E19, 0x65, 0x1E1A, 0x45, 0x1E1B, 0x65,
        0x1E1C, 0x45, 0x1E1D, 0x65, 0x1E1E, 0x46, 0x1E1F, 0x66, 0x1E20, 0x47, 0x1E21, 0x67, 0x1E22,
        0x48, 0x1E23, 0x68, 0x1E24, 0x48, 0x1E25, 0x68, 0x1E26, 0x48, 0x1E27, 0x68, 0x1E28, 0x48,
        0x1E29, 0x68, 0x1E2A, 0x48, 0x1E2B, 0x68, 0x1E2C, 0x49, 0x1E2D, 0x69, 0x1E2E, 0x49, 0x1E2F,
        0x69, 0x1E30, 0x4B, 0x1E31, 0x6B, 0x1E32, 0x4B, 0x1E33, 0x6B, 0x1E34, 0x4B, 0x1E35, 0x6B,
        0x1E36, 0x4C, 0x1E37, 0x6C, 0x1E38, 0x4C, 0x1E39, 0x6C, 0x1E3A, 0x4C, 0x1E3B, 0x6C, 0x1E3C,
        0x4C, 0x1E3D, 0x6C, 0x1E3E, 0x4D, 0x1E3F, 0x6D, 0x1E40, 0x4D, 0x1E41, 0x6D, 0x1E42, 0x4D,
        0x1E43, 0x6D, 0x1E44, 0x4E, 0x1E45, 0x6E, 0x1E46, 0x4E, 0x1E47, 0x6E, 0x1E48, 0x4E, 0x1E49,
        0x6E, 0x1E4A, 0x4E, 0x1E4B, 0x6E, 0x1E4C, 0x4F, 0x1E4D, 0x6F, 0x1E4E, 0x4F, 0x1E4F, 0x6F,
        0x1E50, 0x4F, 0x1E51, 0x6F, 0x1E52, 0x4F, 0x1E53, 0x6F, 0x1E54, 0x50, 0x1E55, 0x70, 0x1E56,
        0x50, 0x1E57, 0x70, 0x1E58, 0x52, 0x1E59, 0x72, 0x1E5A, 0x52, 0x1E5B, 0x72, 0x1E5C, 0x52,
        0x1E5D, 0x72, 0x1E5E, 0x52, 0x1E5F, 0x72, 0x1E60, 0x53, 0x1E61, 0x73, 0x1E62, 0x53, 0x1E63,
        0x73, 0x1E64, 0x53, 0x1E65, 0x73, 0x1E66, 0x53, 0x1E67, 0x73, 0x1E68, 0x53, 0x1E69, 0x73,
        0x1E6A, 0x54, 0x1E6B, 0x74, 0x1E6C, 0x54, 0x1E6D, 0x74, 0x1E6E, 0x54, 0x1E6F, 0x74, 0x1E70,
        0x54, 0x1E71, 0x74, 0x1E72, 0x55, 0x1E73, 0x75, 0x1E74, 0x55, 0x1E75, 0x75, 0x1E76, 0x55,
        0x1E77, 0x75, 0x1E78, 0x55, 0x1E79, 0x75, 0x1E7A, 0x55, 0x1E7B, 0x75, 0x1E7C, 0x56, 0x1E7D,
        0x76, 0x1E7E, 0x56, 0x1E7F, 0x76, 0x1E80, 0x57, 0x1E81, 0x77, 0x1E82, 0x57, 0x1E83, 0x77,
        0x1E84, 0x57, 0x1E85, 0x77, 0x1E86, 0x57, 0x1E87, 0x77, 0x1E88, 0x57, 0x1E89, 0x77, 0x1E8A,
        0x58, 0x1E8B, 0x78, 0x1E8C, 0x58, 0x1E8D, 0x78, 0x1E8E, 0x59, 0x1E8F, 0x79, 0x1E90, 0x5A,
        0x1E91, 0x7A, 0x1E92, 0x5A, 0x1E93, 0x7A, 0x1E94, 0x5A, 0x1E95, 0x7A, 0x1E96, 0x68, 0x1E97,
        0x74, 0x1E98, 0x77, 0x1E99, 0x79, 0x1E9B, 0x17F, 0x1EA0, 0x41, 0x1EA1, 0x61, 0x1EA2, 0x41,
        0x1EA3, 0x61, 0x1EA4, 0x41, 0x1EA5, 0x61, 0x1EA6, 0x41, 0x1EA7, 0x61, 0x1EA8, 0x41, 0x1EA9,
        0x61, 0x1EAA, 0x41, 0x1EAB, 0x61, 0x1EAC, 0x41, 0x1EAD, 0x61, 0x1EAE, 0x41, 0x1EAF, 0x61,
        0x1EB0, 0x41, 0x1EB1, 0x61, 0x1EB2, 0x41, 0x1EB3, 0x61, 0x1EB4, 0x41, 0x1EB5, 0x61, 0x1EB6,
        0x41, 0x1EB7, 0x61, 0x1EB8, 0x45, 0x1EB9, 0x65, 0x1EBA, 0x45, 0x1EBB, 0x65, 0x1EBC, 0x45,
        0x1EBD, 0x65, 0x1EBE, 0x45, 0x1EBF, 0x65, 0x1EC0, 0x45, 0x1EC1, 0x65, 0x1EC2, 0x45, 0x1EC3,
        0x65, 0x1EC4, 0x45, 0x1EC5, 0x65, 0x1EC6, 0x45, 0x1EC7, 0x65, 0x1EC8, 0x49, 0x1EC9, 0x69,
        0x1ECA, 0x49, 0x1ECB, 0x69, 0x1ECC, 0x4F, 0x1ECD, 0x6F, 0x1ECE, 0x4F, 0x1ECF, 0x6F, 0x1ED0,
        0x4F, 0x1ED1, 0x6F, 0x1ED2, 0x4F, 0x1ED3, 0x6F, 0x1ED4, 0x4F, 0x1ED5, 0x6F, 0x1ED6, 0x4F,
        0x1ED7, 0x6F, 0x1ED8, 0x4F, 0x1ED9, 0x6F, 0x1EDA, 0x4F, 0x1EDB, 0x6F, 0x1EDC, 0x4F, 0x1EDD,
        0x6F, 0x1EDE, 0x4F, 0x1EDF, 0x6F, 0x1EE0, 0x4F, 0x1EE1, 0x6F, 0x1EE2, 0x4F, 0x1EE3, 0x6F,
        0x1EE4, 0x55, 0x1EE5, 0x75, 0x1EE6, 0x55, 0x1EE7, 0x75, 0x1EE8, 0x55, 0x1EE9, 0x75, 0x1EEA,
        0x55, 0x1EEB, 0x75, 0x1EEC, 0x55, 0x1EED, 0x75, 0x1EEE, 0x55, 0x1EEF, 0x75, 0x1EF0, 0x55,
        0x1EF1, 0x75, 0x1EF2, 0x59, 0x1EF3, 0x79, 0x1EF4, 0x59, 0x1EF5, 0x79, 0x1EF6, 0x59, 0x1EF7,
        0x79, 0x1EF8, 0x59, 0x1EF9, 0x79, 0x1F00, 0x3B1, 0x1F01, 0x3B1, 0x1F02, 0x3B1, 0x1F03,
        0x3B1, 0x1F04, 0x3B1, 0x1F05, 0x3B1, 0x1F06, 0x3B1, 0x1F07, 0x3B1, 0x1F08, 0x391, 0x1F09,
        0x391, 0x1F0A, 0x391, 0x1F0B, 0x391, 0x1F0C, 0x391, 0x1F0D, 0x391, 0x1F0E, 0x391, 0x1F0F,
        0x391, 0x1F10, 0x3B5, 0x1F11, 0x3B5, 0x1F12, 0x3B5, 0x1F13, 0x3B5, 0x1F14, 0x3B5, 0x1F15,
        0x3B5, 0x1F18, 0x395, 0x1F19, 0x395, 0x1F1A, 0x395, 0x1F1B, 0x395, 0x1F1C, 0x395, 0x1F1D,
        0x395, 0x1F20, 0x3B7, 0x1F21, 0x3B7, 0x1F22, 0x3B7, 0x1F23, 0x3B7, 0x1F24, 0x3B7, 0x1F25,
        0x3B7, 0x1F26, 0x3B7, 0x1F27, 0x3B7, 0x1F28, 0x397, 0x1F29, 0x397, 0x1F2A, 0x397, 0x1F2B,
        0x397, 0x1F2C, 0x397, 0x1F2D, 0x397, 0x1F2E, 0x397, 0x1F2F, 0x397, 0x1F30, 0x3B9, 0x1F31,
        0x3B9, 0x1F32, 0x3B9, 0x1F33, 0x3B9, 0x1F34, 0x3B9, 0x1F35, 0x3B9, 0x1F36, 0x3B9, 0x1F37,
        0x3B9, 0x1F38, 0x399, 0x1F39, 0x399, 0x1F3A, 0x399, 0x1F3B, 0x399, 0x1F3C, 0x399, 0x1F3D,
        0x399, 0x1F3E, 0x399, 0x1F3F, 0x399, 0x1F40, 0x3BF, 0x1F41, 0x3BF, 0x1F42, 0x3BF, 0x1F43,
        0x3BF, 0x1F44, 0x3BF, 0x1F45, 0x3BF, 0x1F48, 0x39F, 0x1F49, 0x39F, 0x1F4A, 0x39F, 0x1F4B,
        0x39F, 0x1F4C, 0x39F, 0x1F4D, 0x39F, 0x1F50, 0x3C5, 0x1F51, 0x3C5, 0x1F52, 0x3C5, 0x1F53,
        0x3C5, 0x1F54, 0x3C5, 0x1F55, 0x3C5, 0x1F56, 0x3C5, 0x1F57, 0x3C5, 0x1F59, 0x3A5, 0x1F5B,
        0x3A5, 0x1F5D, 0x3A5, 0x1F5F, 0x3A5, 0x1F60, 0x3C9, 0x1F61, 0x3C9, 0x1F62, 0x3C9, 0x1F63,
        0x3C9, 0x1F64, 0x3C9, 0x1F65, 0x3C9, 0x1F66, 0x3C9, 0x1F67, 0x3C9, 0x1F68, 0x3A9, 0x1F69,
        0x3A9, 0x1F6A, 0x3A9, 0x1F6B, 0x3A9, 0x1F6C, 0x3A9, 0x1F6D, 0x3A9, 0x1F6E, 0x3A9, 0x1F6F,
        0x3A9, 0x1F70, 0x3B1, 0x1F71, 0x3B1, 0x1F72, 0x3B5, 0x1F73, 0x3B5, 0x1F74, 0x3B7, 0x1F75,
        0x3B7, 0x1F76, 0x3B9, 0x1F77, 0x3B9, 0x1F78, 0x3BF, 0x1F79, 0x3BF, 0x1F7A, 0x3C5, 0x1F7B,
        0x3C5, 0x1F7C, 0x3C9, 0x1F7D, 0x3C9, 0x1F80, 0x3B1, 0x1F81, 0x3B1, 0x1F82, 0x3B1, 0x1F83,
        0x3B1, 0x1F84, 0x3B1, 0x1F85, 0x3B1, 0x1F86, 0x3B1, 0x1F87, 0x3B1, 0x1F88, 0x391, 0x1F89,
        0x391, 0x1F8A, 0x391, 0x1F8B, 0x391, 0x1F8C, 0x391, 0x1F8D, 0x391, 0x1F8E, 0x391, 0x1F8F,
        0x391, 0x1F90, 0x3B7, 0x1F91, 0x3B7, 0x1F92, 0x3B7, 0x1F93, 0x3B7, 0x1F94, 0x3B7, 0x1F95,
        0x3B7, 0x1F96, 0x3B7, 0x1F97, 0x3B7, 0x1F98, 0x397, 0x1F99, 0x397, 0x1F9A, 0x397, 0x1F9B,
        0x397, 0x1F9C, 0x397, 0x1F9D, 0x397, 0x1F9E, 0x397, 0x1F9F, 0x397, 0x1FA0, 0x3C9, 0x1FA1,
        0x3C9, 0x1FA2, 0x3C9, 0x1FA3, 0x3C9, 0x1FA4, 0x3C9, 0x1FA5, 0x3C9, 0x1FA6, 0x3C9, 0x1FA7,
        0x3C9, 0x1FA8, 0x3A9, 0x1FA9, 0x3A9, 0x1FAA, 0x3A9, 0x1FAB, 0x3A9, 0x1FAC, 0x3A9, 0x1FAD,
        0x3A9, 0x1FAE, 0x3A9, 0x1FAF, 0x3A9, 0x1FB0, 0x3B1, 0x1FB1, 0x3B1, 0x1FB2, 0x3B1, 0x1FB3,
        0x3B1, 0x1FB4, 0x3B1, 0x1FB6, 0x3B1, 0x1FB7, 0x3B1, 0x1FB8, 0x391, 0x1FB9, 0x391, 0x1FBA,
        0x391, 0x1FBB, 0x391, 0x1FBC, 0x391, 0x1FBE, 0x3B9, 0x1FC1, 0xA8, 0x1FC2, 0x3B7, 0x1FC3,
        0x3B7, 0x1FC4, 0x3B7, 0x1FC6, 0x3B7, 0x1FC7, 0x3B7, 0x1FC8, 0x395, 0x1FC9, 0x395, 0x1FCA,
        0x397, 0x1FCB, 0x397, 0x1FCC, 0x397, 0x1FCD, 0x1FBF, 0x1FCE, 0x1FBF, 0x1FCF, 0x1FBF,
        0x1FD0, 0x3B9, 0x1FD1, 0x3B9, 0x1FD2, 0x3B9, 0x1FD3, 0x3B9, 0x1FD6, 0x3B9, 0x1FD7, 0x3B9,
        0x1FD8, 0x399, 0x1FD9, 0x399, 0x1FDA, 0x399, 0x1FDB, 0x399, 0x1FDD, 0x1FFE, 0x1FDE, 0x1FFE,
        0x1FDF, 0x1FFE, 0x1FE0, 0x3C5, 0x1FE1, 0x3C5, 0x1FE2, 0x3C5, 0x1FE3, 0x3C5, 0x1FE4, 0x3C1,
        0x1FE5, 0x3C1, 0x1FE6, 0x3C5, 0x1FE7, 0x3C5, 0x1FE8, 0x3A5, 0x1FE9, 0x3A5, 0x1FEA, 0x3A5,
        0x1FEB, 0x3A5, 0x1FEC, 0x3A1, 0x1FED, 0xA8, 0x1FEE, 0xA8, 0x1FEF, 0x60, 0x1FF2, 0x3C9,
        0x1FF3, 0x3C9, 0x1FF4, 0x3C9, 0x1FF6, 0x3C9, 0x1FF7, 0x3C9, 0x1FF8, 0x39F, 0x1FF9, 0x39F,
        0x1FFA, 0x3A9, 0x1FFB, 0x3A9, 0x1FFC, 0x3A9, 0x1FFD, 0xB4, 0x2000, 0x2002, 0x2001, 0x2003,
        0x2126, 0x3A9, 0x212A, 0x4B, 0x212B, 0x41, 0x219A, 0x2190, 0x219B, 0x2192, 0x21AE, 0x2194,
        0x21CD, 0x21D0, 0x21CE, 0x21D4, 0x21CF, 0x21D2, 0x2204, 0x2203, 0x2209, 0x2208, 0x220C,
        0x220B, 0x2224, 0x2223, 0x2226, 0x2225, 0x2241, 0x223C, 0x2244, 0x2243, 0x2247, 0x2245,
        0x2249, 0x2248, 0x2260, 0x3D, 0x2262, 0x2261, 0x226D, 0x224D, 0x226E, 0x3C, 0x226F, 0x3E,
        0x2270, 0x2264, 0x2271, 0x2265, 0x2274, 0x2272, 0x2275, 0x2273, 0x2278, 0x2276, 0x2279,
        0x2277, 0x2280, 0x227A, 0x2281, 0x227B, 0x2284, 0x2282, 0x2285, 0x2283, 0x2288, 0x2286,
        0x2289, 0x2287, 0x22AC, 0x22A2, 0x22AD, 0x22A8, 0x22AE, 0x22A9, 0x22AF, 0x22AB, 0x22E0,
        0x227C, 0x22E1, 0x227D, 0x22E2, 0x2291, 0x22E3, 0x2292, 0x22EA, 0x22B2, 0x22EB, 0x22B3,
        0x22EC, 0x22B4, 0x22ED, 0x22B5, 0x2329, 0x3008, 0x232A, 0x3009, 0x2ADC, 0x2ADD, 0x304C,
        0x304B, 0x304E, 0x304D, 0x3050, 0x304F, 0x3052, 0x3051, 0x3054, 0x3053, 0x3056, 0x3055,
        0x3058, 0x3057, 0x305A, 0x3059, 0x305C, 0x305B, 0x305E, 0x305D, 0x3060, 0x305F, 0x3062,
        0x3061, 0x3065, 0x3064, 0x3067, 0x3066, 0x3069, 0x3068, 0x3070, 0x306F, 0x3071, 0x306F,
        0x3073, 0x3072, 0x3074, 0x3072, 0x3076, 0x3075, 0x3077, 0x3075, 0x3079, 0x3078, 0x307A,
        0x3078, 0x307C, 0x307B, 0x307D, 0x307B, 0x3094, 0x3046, 0x309E, 0x309D, 0x30AC, 0x30AB,
        0x30AE, 0x30AD, 0x30B0, 0x30AF, 0x30B2, 0x30B1, 0x30B4, 0x30B3, 0x30B6, 0x30B5, 0x30B8,
        0x30B7, 0x30BA, 0x30B9, 0x30BC, 0x30BB, 0x30BE, 0x30BD, 0x30C0, 0x30BF, 0x30C2, 0x30C1,
        0x30C5, 0x30C4, 0x30C7, 0x30C6, 0x30C9, 0x30C8, 0x30D0, 0x30CF, 0x30D1, 0x30CF, 0x30D3,
        0x30D2, 0x30D4, 0x30D2, 0x30D6, 0x30D5, 0x30D7, 0x30D5, 0x30D9, 0x30D8, 0x30DA, 0x30D8,
        0x30DC, 0x30DB, 0x30DD, 0x30DB, 0x30F4, 0x30A6, 0x30F7, 0x30EF, 0x30F8, 0x30F0, 0x30F9,
        0x30F1, 0x30FA, 0x30F2, 0x30FE, 0x30FD, 0xFB1D, 0x5D9, 0xFB1F, 0x5F2, 0xFB2A, 0x5E9,
        0xFB2B, 0x5E9, 0xFB2C, 0x5E9, 0xFB2D, 0x5E9, 0xFB2E, 0x5D0, 0xFB2F, 0x5D0, 0xFB30, 0x5D0,
        0xFB31, 0x5D1, 0xFB32, 0x5D2, 0xFB33, 0x5D3, 0xFB34, 0x5D4, 0xFB35, 0x5D5, 0xFB36, 0x5D6,
        0xFB38, 0x5D8, 0xFB39, 0x5D9, 0xFB3A, 0x5DA, 0xFB3B, 0x5DB, 0xFB3C, 0x5DC, 0xFB3E, 0x5DE,
        0xFB40, 0x5E0, 0xFB41, 0x5E1, 0xFB43, 0x5E3, 0xFB44, 0x5E4, 0xFB46, 0x5E6, 0xFB47, 0x5E7,
        0xFB48, 0x5E8, 0xFB49, 0x5E9, 0xFB4A, 0x5EA, 0xFB4B, 0x5D5, 0xFB4C, 0x5D1, 0xFB4D, 0x5DB,
        0xFB4E, 0x5E4, 0x1109A, 0x11099, 0x1109C, 0x1109B, 0x110AB, 0x110A5, 0x114BB, 0x114B9,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::fs;

    /// The WordPiece fixture's vocabulary, in id order.
    const WORDPIECE_VOCAB: [&str; 30] = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "quick", "brown", "fox", "jump", "##s", "##ed",
        "##ing", "over", "lazy", "dog", "cat", "parse", "##r", "config", "file", "read", "##er",
        "!", "?", ".", "un", "##believ", "##able", "a", "##b",
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
            "added_tokens": [{"id": 1, "content": "[UNK]", "special": true}],
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
    fn unigram_embedding_is_normalised_mean_of_known_token_rows() {
        let root = tempfile::tempdir().unwrap();
        let model = unigram_model(root.path());
        assert_eq!(model.dim(), 3);
        let rows = unigram_rows();
        let tokens = unigram_ids(&["▁hello", "▁", "▁new▁york"]);
        let expected_rows: Vec<&[f32]> = tokens.iter().map(|&id| &rows[id as usize][..]).collect();
        assert_close(
            &model.embed("hello qq new york"),
            &expected_embedding(&expected_rows, &[1.0; 3]),
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
    fn byte_level_pre_tokenizer_maps_bytes_to_gpt2_characters() {
        let root = tempfile::tempdir().unwrap();
        let tokenizer = json!({
            "normalizer": null,
            "pre_tokenizer": {
                "type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true,
                "use_regex": false
            },
            "model": {
                "type": "Unigram", "unk_id": 0,
                "vocab": [["[UNK]", 0.0], ["Ġhello", -1.0], ["Ġworld", -1.0], ["Ġ", -3.0],
                          ["Ã©", -2.0]]
            }
        });
        let dir = root.path().join("bytelevel");
        write_model(&dir, &tokenizer, &[matrix(&[[1.0f32, 0.0]; 5], Dtype::F32)]);
        let model = Model2VecEmbedder::load(&dir).unwrap();
        assert_eq!(model.tokenize("hello world"), vec![1, 2]);
        // "é" is the bytes C3 A9, shown as "Ã©".
        assert_eq!(model.tokenize("é"), vec![3, 4]);
    }

    #[test]
    fn metaspace_with_split_gives_one_piece_per_word() {
        let root = tempfile::tempdir().unwrap();
        let mut tokenizer = unigram_tokenizer();
        tokenizer["pre_tokenizer"]["split"] = json!(true);
        let dir = root.path().join("split");
        write_model(&dir, &tokenizer, &[matrix(&unigram_rows(), Dtype::F32)]);
        let model = Model2VecEmbedder::load(&dir).unwrap();
        // Split on "▁", the multi-word token can no longer match.
        assert_eq!(model.tokenize("new york"), unigram_ids(&["▁new", "▁york"]));
    }

    #[test]
    fn split_behaviors_match_hugging_face() {
        // The piece sits at byte 2 of its text.
        let text = "> the-final--countdown";
        let run = |behavior| {
            let mut pieces = Vec::new();
            split_piece(&text[2..], 2, Delimiter::Char('-'), behavior, &mut pieces);
            pieces
                .iter()
                .map(|&(start, end)| &text[start..end])
                .collect::<Vec<_>>()
        };
        assert_eq!(run(SplitBehavior::Removed), ["the", "final", "countdown"]);
        assert_eq!(
            run(SplitBehavior::Isolated),
            ["the", "-", "final", "-", "-", "countdown"]
        );
        assert_eq!(
            run(SplitBehavior::MergedWithPrevious),
            ["the-", "final-", "-", "countdown"]
        );
        assert_eq!(
            run(SplitBehavior::MergedWithNext),
            ["the", "-final", "-", "-countdown"]
        );
        assert_eq!(
            run(SplitBehavior::Contiguous),
            ["the", "-", "final", "--", "countdown"]
        );
    }

    #[test]
    fn whitespace_pre_tokenizer_splits_words_from_symbols() {
        let text = "fn parse_args(x: &str)->  ok";
        let mut pieces = Vec::new();
        split_words(text, 0, &mut pieces);
        let words: Vec<&str> = pieces.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(
            words,
            ["fn", "parse_args", "(", "x", ":", "&", "str", ")->", "ok"]
        );
    }

    #[test]
    fn scratch_reuse_does_not_leak_between_calls_or_threads() {
        let root = tempfile::tempdir().unwrap();
        let model = unigram_model(root.path());
        let fresh =
            std::thread::scope(|scope| scope.spawn(|| model.embed("hello world")).join().unwrap());
        let long = "new york city? ".repeat(200);
        let _ = model.embed(&long);
        assert_eq!(model.embed("hello world"), fresh);
        assert_eq!(
            model.tokenize("hello world"),
            unigram_ids(&["▁hello", "▁world"])
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
        let cases = [
            ("/model/type", json!("BPE"), "tokenizer model type \"BPE\""),
            (
                "/normalizer",
                json!({"type": "Precompiled"}),
                "normalizer \"Precompiled\"",
            ),
            (
                "/pre_tokenizer",
                json!({"type": "UnicodeScripts"}),
                "pre-tokenizer \"UnicodeScripts\"",
            ),
            (
                "/pre_tokenizer",
                json!({"type": "ByteLevel", "add_prefix_space": true}),
                "ByteLevel pre-tokenizer with use_regex",
            ),
        ];
        for (pointer, value, what) in cases {
            let mut tokenizer = wordpiece_tokenizer();
            *tokenizer.pointer_mut(pointer).unwrap() = value;
            let dir = root.path().join(what.replace(['"', ' '], "_"));
            write_model(&dir, &tokenizer, &[matrix(&WORDPIECE_ROWS, Dtype::F32)]);
            let error = load_error(&dir);
            assert!(
                matches!(&error, Model2VecError::Unsupported { what: w, .. } if w == what),
                "{error}"
            );
            assert!(error.to_string().contains("supported: "), "{error}");
        }
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
        assert!(error.to_string().contains("[piece, score]"), "{error}");
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

    #[test]
    fn accent_stripping_uses_the_decomposition_table() {
        let stripped: String = "Crème Brûlée Ångström ŝ ǖ ﬁ"
            .chars()
            .filter_map(unicode::strip_accent)
            .collect();
        // The ligature has only a compatibility decomposition, so it stays.
        assert_eq!(stripped, "Creme Brulee Angstrom s u ﬁ");
        assert_eq!(unicode::strip_accent('\u{301}'), None);
        assert!(unicode::is_punctuation('¿') && unicode::is_punctuation('、'));
        assert!(!unicode::is_punctuation('a') && !unicode::is_punctuation('€'));
    }
}
