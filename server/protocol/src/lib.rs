//! The wire shapes of AIL's custom requests (`ail/context`, `ail/status`), exactly as
//! `protocol.md` documents them, built from the engine's plain results. The CLI's `--json`
//! output, the language server and the MCP server all use these, so they can never drift
//! apart. `budget` packs an answer into a token budget; `render` writes it as text.

pub mod budget;
pub mod merge;
pub mod render;
pub mod summary;
pub mod uri;

use ail_engine::{Answer, EngineStatus};
use serde::{Deserialize, Serialize};
use std::path::Path;
use uri::{citation_label, file_uri, file_url};

/// A position as LSP has it: 0-based line, character in the negotiated encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

impl Range {
    /// Whole lines `start..end` (end exclusive), as chunks are reported.
    pub fn lines(start: u32, end: u32) -> Range {
        Range {
            start: Position {
                line: start,
                character: 0,
            },
            end: Position {
                line: end,
                character: 0,
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextDocumentIdentifier {
    pub uri: String,
}

/// Params of `ail/context`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextParams {
    #[serde(default)]
    pub question: Option<String>,
    #[serde(default)]
    pub text_document: Option<TextDocumentIdentifier>,
    #[serde(default)]
    pub position: Option<Position>,
    #[serde(default)]
    pub limit: Option<i64>,
    /// Pack the answer into this many tokens (see `budget`); absent: no budget.
    #[serde(default)]
    pub max_tokens: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextResult {
    pub question: String,
    pub summary: String,
    pub results: Vec<ResultItem>,
    pub citations: Vec<CitationItem>,
    /// Filled by the git layer; `null` without git or without a file.
    pub history: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub blame: Option<serde_json::Value>,
    pub confidence: f32,
    pub cache: String,
    pub timings_ms: TimingsMs,
    pub index: IndexSummary,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub warnings: Vec<String>,
    /// With a token budget: the tokens of the answer's text rendering (o200k).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tokens: Option<usize>,
    /// With a token budget: how many matched places were left out to fit it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub omitted: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultItem {
    pub path: String,
    pub uri: String,
    pub range: Range,
    pub score: f32,
    pub symbol: Option<String>,
    pub kind: String,
    pub language: String,
    pub snippet: String,
    pub citation: usize,
    /// With a token budget: `snippet` holds only the lines of `range` nearest the match,
    /// not the whole place (its citation still covers the whole place).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub trimmed: bool,
    /// "first-party", "vendored", "generated", "test" or "documentation".
    pub file_kind: String,
    /// Other places with the same text, answered here once; absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub copies: Vec<CopyItem>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CopyItem {
    pub path: String,
    pub uri: String,
    pub range: Range,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CitationItem {
    pub id: usize,
    pub path: String,
    pub range: Range,
    pub label: String,
    pub url: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimingsMs {
    pub total: f64,
    pub embed: f64,
    pub search: f64,
    pub lexical: f64,
    pub vector: f64,
    pub rank: f64,
    pub format: f64,
    pub history: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndexSummary {
    pub state: String,
    pub files: usize,
    pub chunks: usize,
    pub generation: u64,
}

impl ContextResult {
    /// The wire form of `answer` for the workspace at `root`.
    pub fn from_answer(answer: &Answer, root: &Path) -> ContextResult {
        let t = &answer.timings;
        let results: Vec<ResultItem> = answer
            .results
            .iter()
            .map(|h| ResultItem {
                path: h.path.clone(),
                uri: file_uri(&root.join(&h.path)),
                range: Range::lines(h.start_line, h.end_line),
                score: round3(h.score),
                symbol: h.symbol.clone(),
                kind: h.kind.as_str().to_string(),
                language: h.language.as_str().to_string(),
                snippet: h.snippet.clone(),
                citation: h.citation,
                trimmed: false,
                file_kind: h.file_kind.as_str().to_string(),
                copies: h
                    .copies
                    .iter()
                    .map(|c| CopyItem {
                        path: c.path.clone(),
                        uri: file_uri(&root.join(&c.path)),
                        range: Range::lines(c.start_line, c.end_line),
                    })
                    .collect(),
            })
            .collect();
        ContextResult {
            question: answer.question.clone(),
            summary: summary::summarize(&answer.question, &results, answer.confidence, None),
            results,
            citations: answer
                .citations
                .iter()
                .map(|c| CitationItem {
                    id: c.id,
                    path: c.path.clone(),
                    range: Range::lines(c.start_line, c.end_line),
                    label: citation_label(&c.path, c.start_line, c.end_line),
                    url: c
                        .permalink
                        .clone()
                        .unwrap_or_else(|| file_url(&root.join(&c.path), c.start_line, c.end_line)),
                })
                .collect(),
            history: answer.history.as_ref().map(history_json),
            blame: answer.blame.as_ref().map(|hunks| blame_json(hunks)),
            confidence: round3(answer.confidence),
            cache: answer.cache.as_str().to_string(),
            timings_ms: TimingsMs {
                total: round3_f64(t.total),
                embed: round3_f64(t.embed),
                search: round3_f64(t.search),
                lexical: round3_f64(t.lexical),
                vector: round3_f64(t.vector),
                rank: round3_f64(t.rank),
                format: round3_f64(t.format),
                history: round3_f64(t.history),
            },
            index: IndexSummary {
                state: answer.index.state.as_str().to_string(),
                files: answer.index.files,
                chunks: answer.index.chunks,
                generation: answer.index.generation,
            },
            warnings: answer.warnings.clone(),
            tokens: None,
            omitted: None,
        }
    }
}

/// A file's history as `ail/context` reports it.
pub fn history_json(h: &ail_engine::git::FileHistory) -> serde_json::Value {
    let mut value = serde_json::json!({
        "path": h.path,
        "commits": h.commits.iter().map(|c| serde_json::json!({
            "sha": c.sha, "author": c.author, "date": c.date, "summary": c.summary,
        })).collect::<Vec<_>>(),
        "authors": h.authors.iter().map(|a| serde_json::json!({"name": a.name, "commits": a.commits})).collect::<Vec<_>>(),
        "totalCommits": h.total_commits,
        "complete": h.complete,
    });
    if !h.unread.is_empty() {
        value["unread"] = serde_json::json!({
            "commits": h.unread.commits,
            "renames": h.unread.renames,
            "reason": h.unread.first_error,
        });
    }
    value
}

/// Blame hunks as `ail/context` reports them.
pub fn blame_json(hunks: &[ail_engine::git::BlameHunk]) -> serde_json::Value {
    serde_json::Value::Array(
        hunks
            .iter()
            .map(|b| {
                serde_json::json!({
                    "range": Range::lines(b.start_line, b.end_line),
                    "sha": b.sha, "author": b.author, "date": b.date, "summary": b.summary,
                    "committed": b.committed,
                })
            })
            .collect(),
    )
}

fn round3_f64(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn round3(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

/// Result of `ail/status` (and `ail status --json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusResult {
    pub state: String,
    pub files: usize,
    /// Indexed files by kind: "first-party", "vendored", "generated", "test",
    /// "documentation" (every kind present, zero or not).
    pub files_by_kind: std::collections::BTreeMap<String, usize>,
    pub chunks: usize,
    pub generation: u64,
    pub index_bytes: usize,
    pub rss_bytes: u64,
    /// The resident set split: anonymous memory (heap, stacks), which the memory budget
    /// bounds, and file-backed pages (the mapped index segment), which the kernel may drop.
    #[serde(default)]
    pub rss_anon_bytes: u64,
    #[serde(default)]
    pub rss_file_bytes: u64,
    pub cache: CacheStats,
    pub latency_ms: LatencyStats,
    pub workspace: String,
    pub skipped: SkippedCounts,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub index_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub index_file_bytes: Option<u64>,
    pub embedder: String,
    pub vector_index: String,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub fallbacks: Vec<String>,
    pub git: GitSummary,
    /// Requests answered and failed, and per-stage latency percentiles.
    pub requests: u64,
    pub errors: u64,
    pub stages_ms: std::collections::BTreeMap<String, LatencyStats>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GitSummary {
    pub state: String,
    pub commits: usize,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheStats {
    pub entries: usize,
    pub hits: u64,
    pub misses: u64,
    pub exact_hits: u64,
    pub semantic_hits: u64,
    pub hit_rate: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyStats {
    pub count: u64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedCounts {
    pub binary: usize,
    pub too_large: usize,
    pub not_utf8: usize,
    pub unreadable: usize,
    pub symlink: usize,
    /// Named pipes, sockets and devices, which are never opened.
    pub special: usize,
    /// Files whose path is not valid UTF-8.
    pub name_not_utf8: usize,
}

impl StatusResult {
    pub fn from_status(s: &EngineStatus, memory: MemoryUsage) -> StatusResult {
        StatusResult {
            state: s.state.as_str().to_string(),
            files: s.files,
            files_by_kind: ail_engine::FileKind::ALL
                .iter()
                .zip(s.files_by_kind)
                .map(|(k, n)| (k.as_str().to_string(), n))
                .collect(),
            chunks: s.chunks,
            generation: s.generation,
            index_bytes: s.index_bytes,
            rss_bytes: memory.rss,
            rss_anon_bytes: memory.anon,
            rss_file_bytes: memory.file,
            cache: CacheStats {
                entries: s.cache.entries,
                hits: s.cache.hits,
                misses: s.cache.misses,
                exact_hits: s.cache.exact_hits,
                semantic_hits: s.cache.semantic_hits,
                hit_rate: s.cache.hit_rate(),
            },
            latency_ms: LatencyStats {
                count: s.metrics.total.count,
                p50: s.metrics.total.p50,
                p95: s.metrics.total.p95,
                p99: s.metrics.total.p99,
            },
            workspace: file_uri(&s.root),
            skipped: SkippedCounts {
                binary: s.skipped.binary,
                too_large: s.skipped.too_large,
                not_utf8: s.skipped.not_utf8,
                unreadable: s.skipped.unreadable,
                symlink: s.skipped.symlink,
                special: s.skipped.special,
                name_not_utf8: s.skipped.name_not_utf8,
            },
            index_path: s.index_path.as_ref().map(|p| p.display().to_string()),
            index_file_bytes: s.index_file_bytes,
            embedder: s.embedder.clone(),
            vector_index: s.vector_index.to_string(),
            fallbacks: s.fallbacks.clone(),
            git: GitSummary {
                state: s.git.state.to_string(),
                commits: s.git.commits,
                reason: s.git.reason.clone(),
            },
            requests: s.metrics.requests,
            errors: s.metrics.errors,
            stages_ms: [
                ("total", s.metrics.total),
                ("embed", s.metrics.embed),
                ("search", s.metrics.search),
                ("rank", s.metrics.rank),
                ("format", s.metrics.format),
                ("history", s.metrics.history),
                ("blame", s.metrics.blame),
            ]
            .into_iter()
            .map(|(name, p)| {
                (
                    name.to_string(),
                    LatencyStats {
                        count: p.count,
                        p50: p.p50,
                        p95: p.p95,
                        p99: p.p99,
                    },
                )
            })
            .collect(),
        }
    }
}

/// This process's resident memory, in bytes (Linux; zeros elsewhere).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryUsage {
    pub rss: u64,
    /// `RssAnon`: heap and stacks.
    pub anon: u64,
    /// `RssFile` + `RssShmem`: pages of mapped files.
    pub file: u64,
}

/// Read this process's resident memory from `/proc/self/status`.
pub fn memory_usage() -> MemoryUsage {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return MemoryUsage::default();
    };
    let kib = |key: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
            .map_or(0, |k| k * 1024)
    };
    MemoryUsage {
        rss: kib("VmRSS:"),
        anon: kib("RssAnon:"),
        file: kib("RssFile:") + kib("RssShmem:"),
    }
}

/// Resident set size of this process in bytes (Linux; 0 elsewhere).
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_params_accept_the_documented_shape_and_camel_case() {
        let p: ContextParams = serde_json::from_value(serde_json::json!({
            "question": "how are stale cache entries evicted?",
            "textDocument": { "uri": "file:///repo/src/cache.rs" },
            "position": { "line": 41, "character": 8 },
            "limit": 10
        }))
        .unwrap();
        assert_eq!(p.limit, Some(10));
        assert_eq!(
            p.position,
            Some(Position {
                line: 41,
                character: 8
            })
        );
        assert_eq!(p.text_document.unwrap().uri, "file:///repo/src/cache.rs");
    }

    #[test]
    fn ranges_serialize_as_lsp_ranges() {
        let v = serde_json::to_value(Range::lines(30, 58)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"start": {"line": 30, "character": 0}, "end": {"line": 58, "character": 0}})
        );
    }
}
