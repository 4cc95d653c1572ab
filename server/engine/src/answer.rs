//! The plain result types the engine hands to its front ends (CLI, LSP). Lines are
//! 0-based with exclusive ends; paths are workspace-relative with `/` separators.

use crate::chunk::{ChunkKind, Language};

/// A question about the workspace.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub question: String,
    /// The file the question is asked about (workspace-relative), to bias ranking.
    pub file: Option<String>,
    /// The line the question is asked about (0-based).
    pub line: Option<u32>,
    /// How many results to return, 1..=100.
    pub limit: usize,
    /// Which retrievers run; everything but benchmarks wants `Hybrid`.
    pub retrieval: Retrieval,
}

/// Which retrievers answer a query.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Retrieval {
    /// Lexical and vector search, fused.
    #[default]
    Hybrid,
    /// BM25 alone.
    Lexical,
    /// Vector search alone.
    Vector,
}

pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 100;
/// The longest question answered, in bytes of UTF-8 after trimming: a few pages of text,
/// far more than a question needs, small enough that no answer is slow for its length.
pub const MAX_QUESTION_BYTES: usize = 16 * 1024;

/// One ranked place in the workspace.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    /// 0..1, relative to the best possible fused score.
    pub score: f32,
    pub symbol: Option<String>,
    pub kind: ChunkKind,
    pub language: Language,
    pub snippet: String,
    /// The id of this hit's citation (1-based).
    pub citation: usize,
    /// First-party, vendored, generated, test or documentation.
    pub file_kind: crate::file_kind::FileKind,
    /// The same text elsewhere in the workspace, answered here once.
    pub copies: Vec<CopyPlace>,
}

/// Where a copy of a hit's text is.
#[derive(Clone, Debug, PartialEq)]
pub struct CopyPlace {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
}

/// A reference a reader can open: the place, and its permalink when git can give one (the
/// protocol layer names it and links to the file otherwise).
#[derive(Clone, Debug, PartialEq)]
pub struct Citation {
    pub id: usize,
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    pub permalink: Option<String>,
}

/// Milliseconds spent per stage of one answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timings {
    pub total: f64,
    pub embed: f64,
    pub lexical: f64,
    pub vector: f64,
    pub search: f64,
    pub rank: f64,
    pub format: f64,
    pub history: f64,
}

/// Whether the first full indexing pass has finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexState {
    Indexing,
    Ready,
}

impl IndexState {
    pub fn as_str(self) -> &'static str {
        match self {
            IndexState::Indexing => "indexing",
            IndexState::Ready => "ready",
        }
    }
}

/// The index an answer was computed on.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexInfo {
    pub state: IndexState,
    pub files: usize,
    pub chunks: usize,
    pub generation: u64,
}

/// The answer to a `Query`.
#[derive(Clone, Debug)]
pub struct Answer {
    pub question: String,
    pub results: Vec<Hit>,
    pub citations: Vec<Citation>,
    /// 0..1: the chance that the first result is the place asked for (see `confidence`).
    pub confidence: f32,
    /// What the confidence was computed from (benchmarks fit the calibration on it).
    pub evidence: crate::confidence::Evidence,
    pub timings: Timings,
    pub index: IndexInfo,
    /// Anything degraded in this answer, in a few words each.
    pub warnings: Vec<String>,
    /// Which cache tier served this answer.
    pub cache: crate::cache::CacheTier,
    /// The asked-about file's history; `None` without git or without a file.
    pub history: Option<crate::git::FileHistory>,
    /// Blame of the lines around the asked-about line; `None` without a line or git.
    pub blame: Option<Vec<crate::git::BlameHunk>>,
}

/// Why a query could not be answered at all.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum QueryError {
    #[error("question is empty: ask something, e.g. \"how are chunks ranked\"")]
    EmptyQuestion,
    #[error("limit must be between 1 and {MAX_LIMIT}, got {0}")]
    BadLimit(usize),
    #[error("{0} bytes is too long; a question may have at most {MAX_QUESTION_BYTES} bytes")]
    QuestionTooLong(usize),
    #[error("the request was cancelled")]
    Cancelled,
}
