//! AIL's engine: walk a workspace, chunk it, embed and index the chunks, and answer
//! questions with ranked, cited places. It knows nothing of LSP and never writes to stdout.

pub mod answer;
pub mod bm25;
pub mod cache;
pub mod cancel;
pub mod chunk;
pub mod confidence;
pub mod config;
pub mod copies;
pub mod embed;
pub mod engine;
pub mod file_kind;
pub mod found_list;
pub mod git;
pub mod index;
pub mod index_file;
pub mod metrics;
pub mod persist;
mod pool;
pub mod prebuilt;
mod question;
pub mod rank;
pub mod related;
pub mod rerank;
pub mod rollback;
pub mod safe_path;
mod scratch;
pub mod segment;
pub mod store;
pub mod text;
mod token_count;
mod topk;
pub mod vector;
pub mod vocab;
pub mod walk;

pub use answer::{
    Answer, Citation, CopyPlace, Hit, IndexInfo, IndexState, Query, QueryError, Retrieval, Timings,
};
pub use cancel::CancelToken;
pub use config::EngineConfig;
pub use engine::{Engine, EngineError, EngineStatus, Phase, Progress, RefreshReport};
pub use file_kind::FileKind;
pub use pool::limit_allocator_arenas;
