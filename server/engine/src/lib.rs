//! AIL's engine: walk a workspace, chunk it, embed and index the chunks, and answer
//! questions with ranked, cited places. It knows nothing of LSP and never writes to stdout.

pub mod chunk;
pub mod embed;
pub mod git;
pub mod vector;
