//! Chunking: cut a file into the units a person would cite (functions, methods,
//! classes, impl blocks, Markdown sections), falling back to overlapping line windows.

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde::{Deserialize, Serialize};

mod budget;
mod lines;
mod markdown;
mod python;
mod python_lines;
#[cfg(test)]
mod python_tests;
mod syntax;
#[cfg(test)]
mod tests;
mod units;

use lines::LineTable;

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
    /// Every language, in declaration order: a language's code on disk is its position.
    pub const ALL: [Language; 8] = [
        Language::Rust,
        Language::Python,
        Language::Go,
        Language::JavaScript,
        Language::TypeScript,
        Language::Tsx,
        Language::Markdown,
        Language::Text,
    ];

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
    /// Every kind, in declaration order: a kind's code on disk is its position.
    pub const ALL: [ChunkKind; 11] = [
        ChunkKind::Function,
        ChunkKind::Method,
        ChunkKind::Class,
        ChunkKind::Struct,
        ChunkKind::Enum,
        ChunkKind::Trait,
        ChunkKind::Interface,
        ChunkKind::Impl,
        ChunkKind::Module,
        ChunkKind::Section,
        ChunkKind::Lines,
    ];

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

/// Cuts `text` into the units a person would cite, sorted by `(start_line, end_line)`.
///
/// Code in a known grammar is cut at definitions (see the `syntax` module; most Python
/// files are cut the same way from their lines by the `python` module), Markdown at
/// headings, and everything else, including code that does not parse, into overlapping
/// windows of lines. Every non-blank line lands in at least one chunk; units may overlap
/// (a short class and its methods), and the ranker merges overlapping results.
///
/// Never panics and keeps no state between calls beyond a per-thread parser cache, so it
/// can run on many threads at once.
pub fn chunk_file(language: Language, text: &str) -> Vec<ChunkSpan> {
    chunk_with(language, text, true)
}

/// `chunk_file` with every code file parsed by tree-sitter, the Python line scanner left
/// out: for checking that the scanner cuts files as the parse does
/// (`examples/chunk_dump.rs`).
#[doc(hidden)]
pub fn chunk_file_parsed(language: Language, text: &str) -> Vec<ChunkSpan> {
    chunk_with(language, text, false)
}

fn chunk_with(language: Language, text: &str, scan_python: bool) -> Vec<ChunkSpan> {
    let lines = LineTable::new(text);
    if lines.all_blank(0, lines.len()) {
        return Vec::new();
    }
    let structured = catch_unwind(AssertUnwindSafe(|| match language {
        Language::Markdown => Some(markdown::sections(&lines)),
        // Most Python is decided from its lines and indentation; the rest is parsed.
        Language::Python => match python::items(&lines).filter(|_| scan_python) {
            Some(items) => Some(units::spans(&lines, &items)),
            None => syntax::chunk(syntax::Grammar::Python, &lines),
        },
        other => syntax::Grammar::of(other).and_then(|grammar| syntax::chunk(grammar, &lines)),
    }));
    let spans = match structured {
        Ok(Some(spans)) => spans,
        Ok(None) => lines::text_windows(&lines),
        Err(_) => {
            // A bug here must not cost the file its place in the index.
            tracing::error!(
                language = language.as_str(),
                "chunker panicked; falling back to line windows"
            );
            lines::text_windows(&lines)
        }
    };
    lines::finish(&lines, spans)
}
