//! The one boundary between LSP and the engine: positions in the negotiated encoding to
//! rope and byte offsets and back, `file://` URIs to workspace paths, and engine answers and
//! errors to their wire forms. Nothing past this file sees an LSP position or URI.

use ail_engine::{Answer, QueryError};
use ail_protocol::{CitationItem, ContextResult, IndexSummary, ResultItem, TimingsMs};
use ropey::Rope;
use std::path::{Path, PathBuf};
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Uri};

/// How `Position::character` counts: the client and server agree on it in `initialize`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it (no conversion at all on our side), else the LSP
    /// default UTF-16, which every client must support.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }
}

/// The char index in `rope` that `pos` names. Out-of-range lines clamp to the end of the
/// text and out-of-range characters to the end of their line (as LSP asks); a position
/// inside a multi-unit character rounds down to that character's start.
pub fn char_index(rope: &Rope, pos: Position, encoding: Encoding) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_chars();
    }
    let line_start = rope.line_to_char(line);
    let line_end = line_start + content_chars(&rope.line(line));
    let character = pos.character as usize;
    match encoding {
        Encoding::Utf8 => {
            let start = rope.char_to_byte(line_start);
            let end = rope.char_to_byte(line_end);
            rope.byte_to_char(start.saturating_add(character).min(end))
        }
        Encoding::Utf16 => {
            let start = rope.char_to_utf16_cu(line_start);
            let end = rope.char_to_utf16_cu(line_end);
            rope.utf16_cu_to_char(start.saturating_add(character).min(end))
        }
    }
}

/// Chars of a rope line without its line break (`\n`, `\r\n` or `\r`).
fn content_chars(line: &ropey::RopeSlice) -> usize {
    let len = line.len_chars();
    let last = |back: usize| {
        len.checked_sub(back)
            .and_then(|i| line.get_char(i))
            .unwrap_or('\0')
    };
    match (last(2), last(1)) {
        ('\r', '\n') => len - 2,
        (_, '\n') | (_, '\r') => len - 1,
        _ => len,
    }
}

/// The text of line `line` of `rope` without its line break, if the line exists.
pub fn line_text(rope: &Rope, line: u32) -> Option<String> {
    let slice = rope.get_line(line as usize)?;
    let mut text = slice.to_string();
    trim_line_break(&mut text);
    Some(text)
}

/// The text of line `line` of `text` without its line break (LSP line breaks only).
pub fn line_of(text: &str, line: u32) -> Option<String> {
    line_text(&Rope::from_str(text), line)
}

fn trim_line_break(text: &mut String) {
    if text.ends_with('\n') {
        text.pop();
    }
    if text.ends_with('\r') {
        text.pop();
    }
}

/// The byte offset in `line` (one line's text) that `character` names, clamped to the line
/// and rounded down to a char boundary.
pub fn byte_in_line(line: &str, character: u32, encoding: Encoding) -> usize {
    let wanted = character as usize;
    let mut units = 0usize;
    for (byte, c) in line.char_indices() {
        let width = match encoding {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        };
        if units + width > wanted {
            return byte;
        }
        units += width;
    }
    line.len()
}

/// The `character` of byte offset `byte` in `line`, in `encoding`'s units.
pub fn character_in_line(line: &str, byte: usize, encoding: Encoding) -> u32 {
    let prefix = line.get(..byte.min(line.len())).unwrap_or(line);
    let units = match encoding {
        Encoding::Utf8 => prefix.len(),
        Encoding::Utf16 => prefix.chars().map(char::len_utf16).sum(),
    };
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// The filesystem path of a `file://` URI; `None` for any other scheme.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let scheme = uri.scheme().as_str();
    if !scheme.eq_ignore_ascii_case("file") {
        return None;
    }
    let path = uri.to_file_path()?.into_owned();
    // `to_file_path` decodes the bytes lossily; a name that is not UTF-8 must stay what it
    // is (and be refused as such), not become another name with U+FFFD in it.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let raw = uri.path().decode().to_bytes();
        if std::str::from_utf8(&raw).is_err() {
            return Some(PathBuf::from(std::ffi::OsStr::from_bytes(&raw)));
        }
    }
    Some(path)
}

/// The path of a URI given as text, for params we validate by hand.
pub fn uri_text_to_path(text: &str) -> Option<PathBuf> {
    text.parse::<Uri>().ok().as_ref().and_then(uri_to_path)
}

/// `path` relative to `root` with `/` separators, if its symlink-resolved form lies inside
/// (`..`, `%2e%2e` and links out of the workspace resolve outside). `root` is canonical; a
/// path that no longer exists (a deleted file) is resolved through its existing ancestors.
pub fn relative_to(root: &Path, path: &Path) -> Option<String> {
    ail_engine::safe_path::relative_inside(root, path)
}

/// The wire error for an engine refusal, naming the field at fault.
pub fn query_error(error: &QueryError) -> jsonrpc::Error {
    match error {
        QueryError::EmptyQuestion => invalid_params(format!("question: {error}")),
        QueryError::BadLimit(_) => invalid_params(format!("limit: {error}")),
        QueryError::QuestionTooLong(_) => invalid_params(format!("question: {error}")),
        QueryError::Cancelled => jsonrpc::Error::request_cancelled(),
    }
}

pub fn invalid_params(message: impl Into<String>) -> jsonrpc::Error {
    jsonrpc::Error::invalid_params(message.into())
}

/// One folder's answer in wire form.
pub fn context_result(answer: &Answer, root: &Path) -> ContextResult {
    ContextResult::from_answer(answer, root)
}

/// The answer when there is nothing to search at all (no workspace folder, or none loaded):
/// empty, with zero confidence and the reason.
pub fn empty_context_result(question: &str, reason: &str, state: &str) -> ContextResult {
    ContextResult {
        question: question.to_string(),
        summary: format!("Nothing to search: {reason}."),
        results: Vec::new(),
        citations: Vec::new(),
        history: None,
        blame: None,
        confidence: 0.0,
        cache: "miss".to_string(),
        timings_ms: TimingsMs::default(),
        index: IndexSummary {
            state: state.to_string(),
            files: 0,
            chunks: 0,
            generation: 0,
        },
        warnings: vec![reason.to_string()],
    }
}

/// Several folders' answers as one: results interleaved by score, cut to `limit`, citations
/// renumbered. Paths stay relative to their own folder; each result's `uri` is absolute and
/// tells them apart. A single answer passes through untouched.
pub fn merge_context_results(
    question: &str,
    mut parts: Vec<(String, ContextResult)>,
    limit: usize,
) -> ContextResult {
    if parts.len() == 1 {
        if let Some((_, only)) = parts.pop() {
            return only;
        }
    }
    // Scores are relative to each folder's own best and saturate in small folders, so a
    // folder's confidence weighs its results: a folder that barely matches the question
    // does not lead with its best guess. Order within a folder is kept.
    let mut ranked: Vec<(f32, usize, ResultItem)> = Vec::new();
    for (i, (_, part)) in parts.iter().enumerate() {
        let weight = 0.1 + part.confidence;
        ranked.extend(
            part.results
                .iter()
                .cloned()
                .map(|r| (r.score * weight, i, r)),
        );
    }
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.truncate(limit);

    let mut results = Vec::with_capacity(ranked.len());
    let mut citations = Vec::with_capacity(ranked.len());
    for (n, (_, part, mut item)) in ranked.into_iter().enumerate() {
        let id = n + 1;
        if let Some(c) = parts[part]
            .1
            .citations
            .iter()
            .find(|c| c.id == item.citation)
        {
            citations.push(CitationItem { id, ..c.clone() });
        }
        item.citation = id;
        results.push(item);
    }

    let top_part = results.first().and_then(|top| {
        parts
            .iter()
            .position(|(_, p)| p.results.iter().any(|r| r.uri == top.uri))
    });
    let confidence = top_part.map_or(0.0, |i| parts[i].1.confidence);
    let mut warnings = Vec::new();
    let mut timings = TimingsMs::default();
    let mut index = IndexSummary {
        state: "ready".to_string(),
        files: 0,
        chunks: 0,
        generation: 0,
    };
    for (name, part) in &parts {
        warnings.extend(part.warnings.iter().map(|w| format!("{name}: {w}")));
        timings.total += part.timings_ms.total;
        timings.embed += part.timings_ms.embed;
        timings.search += part.timings_ms.search;
        timings.lexical += part.timings_ms.lexical;
        timings.vector += part.timings_ms.vector;
        timings.rank += part.timings_ms.rank;
        timings.format += part.timings_ms.format;
        index.files += part.index.files;
        index.chunks += part.index.chunks;
        index.generation += part.index.generation;
        if part.index.state != "ready" {
            index.state = part.index.state.clone();
        }
    }
    let summary = match (top_part, results.first()) {
        (Some(i), Some(top)) => {
            let what = match &top.symbol {
                Some(s) => format!("`{s}` ({}) in `{}`", top.kind, top.path),
                None => format!("`{}`", top.path),
            };
            format!(
                "**{} place{}** for \u{201c}{question}\u{201d} across {} folders. Best match: {what} in {}, lines {}\u{2013}{} [1].",
                results.len(),
                if results.len() == 1 { "" } else { "s" },
                parts.len(),
                parts[i].0,
                top.range.start.line + 1,
                top.range.end.line.max(top.range.start.line + 1),
            )
        }
        _ => format!(
            "Nothing in the {} workspace folders matches \u{201c}{question}\u{201d}.",
            parts.len()
        ),
    };
    ContextResult {
        question: question.to_string(),
        summary,
        results,
        citations,
        history: None,
        blame: None,
        confidence,
        cache: "miss".to_string(),
        timings_ms: timings,
        index,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "let 名前 = \"😀\"; target();";

    #[test]
    fn utf16_and_utf8_characters_name_the_same_byte_on_a_line_with_emoji_and_cjk() {
        let byte = LINE.find("target").unwrap_or(0);
        // let (4) + 名前 (2 UTF-16 units, 6 bytes) + ` = "` (4) + 😀 (2 units, 4 bytes) + `"; ` (3)
        assert_eq!(character_in_line(LINE, byte, Encoding::Utf16), 15);
        assert_eq!(character_in_line(LINE, byte, Encoding::Utf8), byte as u32);
        assert_eq!(byte_in_line(LINE, 15, Encoding::Utf16), byte);
        assert_eq!(byte_in_line(LINE, byte as u32, Encoding::Utf8), byte);
    }

    #[test]
    fn positions_inside_a_character_round_down_and_past_the_end_clamp() {
        let emoji = LINE.find('😀').unwrap_or(0);
        // The second UTF-16 unit of the emoji's surrogate pair.
        let units = character_in_line(LINE, emoji, Encoding::Utf16);
        assert_eq!(byte_in_line(LINE, units + 1, Encoding::Utf16), emoji);
        assert_eq!(byte_in_line(LINE, emoji as u32 + 2, Encoding::Utf8), emoji);
        assert_eq!(byte_in_line(LINE, 10_000, Encoding::Utf16), LINE.len());
    }

    #[test]
    fn rope_positions_clamp_to_the_line_and_to_the_text() {
        let rope = Rope::from_str("ab\r\n名前\nlast");
        let at = |line, character, enc| char_index(&rope, Position { line, character }, enc);
        assert_eq!(at(0, 99, Encoding::Utf16), 2, "stops before \\r\\n");
        assert_eq!(at(1, 1, Encoding::Utf16), 5);
        assert_eq!(at(1, 3, Encoding::Utf8), 5);
        assert_eq!(at(1, 4, Encoding::Utf8), 5, "inside 前 rounds down");
        assert_eq!(at(9, 0, Encoding::Utf8), rope.len_chars());
        assert_eq!(line_text(&rope, 0).as_deref(), Some("ab"));
        assert_eq!(line_text(&rope, 2).as_deref(), Some("last"));
    }

    fn part(paths: &[(&str, f32)], confidence: f32) -> ContextResult {
        let mut r = empty_context_result("q", "x", "ready");
        r.warnings.clear();
        r.confidence = confidence;
        for (i, (path, score)) in paths.iter().enumerate() {
            r.results.push(ResultItem {
                path: path.to_string(),
                uri: format!("file:///{path}"),
                range: ail_protocol::Range::lines(0, 1),
                score: *score,
                symbol: None,
                kind: "lines".into(),
                language: "rust".into(),
                snippet: String::new(),
                citation: i + 1,
                file_kind: "first-party".into(),
                copies: Vec::new(),
            });
            r.citations.push(CitationItem {
                id: i + 1,
                path: path.to_string(),
                range: ail_protocol::Range::lines(0, 1),
                label: format!("{path}:1"),
                url: format!("file:///{path}#L1"),
            });
        }
        r
    }

    #[test]
    fn merged_answers_rank_by_score_weighed_by_confidence_and_renumber_citations() {
        let a = part(&[("a/one", 1.0), ("a/two", 0.5)], 0.2);
        let b = part(&[("b/one", 1.0)], 0.9);
        let merged = merge_context_results("q", vec![("a".into(), a), ("b".into(), b)], 2);
        let paths: Vec<&str> = merged.results.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["b/one", "a/one"]);
        assert_eq!(merged.results[1].citation, 2);
        assert_eq!(merged.citations[1].path, "a/one");
        assert_eq!(
            merged.citations.iter().map(|c| c.id).collect::<Vec<_>>(),
            [1, 2]
        );
        assert!((merged.confidence - 0.9).abs() < 1e-6);
    }

    #[test]
    fn relative_paths_use_forward_slashes_and_refuse_outsiders() {
        let dir = std::env::temp_dir();
        let root = std::fs::canonicalize(&dir).unwrap_or(dir);
        assert_eq!(
            relative_to(&root, &root.join("a").join("b.rs")).as_deref(),
            Some("a/b.rs")
        );
        assert_eq!(
            relative_to(&root.join("inner"), Path::new("/elsewhere/x")),
            None
        );
    }
}
