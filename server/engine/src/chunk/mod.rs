//! Chunking: cut a file into the units a person would cite (functions, methods,
//! classes, impl blocks, Markdown sections), falling back to overlapping line windows.

use serde::{Deserialize, Serialize};

/// The language a file is written in, as far as chunking cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Language {
    Rust,
    Python,
    Go,
    JavaScript,
    TypeScript,
    Tsx,
    Markdown,
    /// Anything else: chunked by line windows.
    Text,
}

impl Language {
    /// Guess from the file name alone (extension, a few well-known names).
    pub fn from_path(path: &str) -> Language {
        let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("rs") => Language::Rust,
            Some("py") | Some("pyi") => Language::Python,
            Some("go") => Language::Go,
            Some("js") | Some("mjs") | Some("cjs") | Some("jsx") => Language::JavaScript,
            Some("ts") | Some("mts") | Some("cts") => Language::TypeScript,
            Some("tsx") => Language::Tsx,
            Some("md") | Some("markdown") | Some("mdx") => Language::Markdown,
            _ => Language::Text,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Python => "python",
            Language::Go => "go",
            Language::JavaScript => "javascript",
            Language::TypeScript => "typescript",
            Language::Tsx => "tsx",
            Language::Markdown => "markdown",
            Language::Text => "text",
        }
    }
}

/// What a chunk is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChunkKind {
    Function,
    Method,
    Class,
    Struct,
    Enum,
    Trait,
    Interface,
    Impl,
    Module,
    Section,
    /// A window of lines with no better unit.
    Lines,
}

impl ChunkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChunkKind::Function => "function",
            ChunkKind::Method => "method",
            ChunkKind::Class => "class",
            ChunkKind::Struct => "struct",
            ChunkKind::Enum => "enum",
            ChunkKind::Trait => "trait",
            ChunkKind::Interface => "interface",
            ChunkKind::Impl => "impl",
            ChunkKind::Module => "module",
            ChunkKind::Section => "section",
            ChunkKind::Lines => "lines",
        }
    }
}

/// One citable unit of a file, before it is indexed.
///
/// Lines are 0-based; `end_line` is exclusive. Bytes index into the file's text and
/// always fall on UTF-8 boundaries at line starts (`end_byte` is the start of `end_line`,
/// or the file length).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkSpan {
    pub start_line: u32,
    pub end_line: u32,
    pub start_byte: usize,
    pub end_byte: usize,
    /// The defined name (`parse_args`, `Config`, `impl Display for Config`, a heading).
    pub symbol: Option<String>,
    pub kind: ChunkKind,
}

/// TEMPORARY: line windows only, until the tree-sitter chunker lands.
pub fn chunk_file(_language: Language, text: &str) -> Vec<ChunkSpan> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i < text.len())
        .collect();
    let mut out = Vec::new();
    let mut s = 0;
    while s < starts.len() {
        let e = (s + 50).min(starts.len());
        out.push(ChunkSpan {
            start_line: s as u32,
            end_line: e as u32,
            start_byte: starts[s],
            end_byte: starts.get(e).copied().unwrap_or(text.len()),
            symbol: None,
            kind: ChunkKind::Lines,
        });
        if e == starts.len() {
            break;
        }
        s = e - 10;
    }
    out
}
