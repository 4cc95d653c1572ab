//! `textDocument/hover`: markdown about the identifier (or line) under the cursor.
//!
//! Sections, from one engine answer about the identifier in this file and line: the line's
//! last change, the file's recent history, and the two or three most related places
//! elsewhere in the workspace, each a clickable citation tagged with its file's kind when
//! that is not the project's own code ("vendored", "generated", ...) and followed by where
//! the same text is copied. Hover never waits for indexing: a partial index gives fewer
//! places and a note; an answer reused from the cache says so.

use crate::convert::{self, Encoding};
use crate::cursor::{self, Subject};
use crate::documents;
use crate::guard;
use crate::state::State;
use ail_engine::cache::CacheTier;
use ail_engine::{Answer, FileKind, Hit, IndexState, Query};
use ail_protocol::uri::{citation_label, file_url};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

/// Results asked of the engine: the places at the cursor itself are dropped afterwards.
const CANDIDATES: usize = 8;
/// Related places shown.
const SHOWN: usize = 3;

pub async fn handle(state: &Arc<State>, params: HoverParams) -> Result<Option<Hover>> {
    let started = Instant::now();
    let at = params.text_document_position_params;
    let position = at.position;
    let Some(path) = convert::uri_to_path(&at.text_document.uri) else {
        return Ok(None);
    };
    let Some((folder, rel)) = state.workspace.locate(&path) else {
        return Ok(None);
    };
    // The open document's line as of this request (None: not open, read the disk).
    let open_line = state
        .documents
        .line(at.text_document.uri.as_str(), position.line);
    let encoding = state.encoding();
    let max_size = state.settings.read().max_file_size;
    let shared = state.clone();
    let result = guard::run(state, "hover", move |cancel| {
        let Some(engine) = folder.engine() else {
            return Ok(None);
        };
        // Edits that arrived before this request are part of what it asks about.
        crate::indexer::index_pending_documents(&shared, std::slice::from_ref(&folder));
        let line = match open_line {
            Some(line) => line,
            None => documents::line_on_disk(&folder.root, &rel, position.line, max_size),
        };
        let Some(line) = line else {
            return Ok(None);
        };
        let Some(subject) = cursor::subject_at(
            &line,
            convert::byte_in_line(&line, position.character, encoding),
        ) else {
            return Ok(None);
        };
        let query = Query {
            question: subject.text.clone(),
            file: Some(rel.clone()),
            line: Some(position.line),
            limit: CANDIDATES,
            ..Default::default()
        };
        let answer = engine
            .query_with_cancel(&query, cancel)
            .map_err(|e| convert::query_error(&e))?;
        let Some(markdown) = hover_markdown(&answer, &folder.root, &rel, position.line, &subject)
        else {
            return Ok(None);
        };
        Ok(Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: markdown,
            }),
            range: Some(subject_range(&line, position.line, &subject, encoding)),
        }))
    })
    .await;
    if result.is_ok() {
        state.latency.record(started.elapsed());
    }
    result
}

/// Assemble the hover's markdown from an answer about `subject` at `path`:`line` of the
/// workspace at `root`. Sections, separated by rules, in the order a reader wants them: the
/// line's last change and the file's recent history (when the answer carries git data),
/// then related places, then notes on how complete and how fresh the answer is.
/// `None` when there is nothing worth showing.
pub fn hover_markdown(
    answer: &Answer,
    root: &Path,
    path: &str,
    line: u32,
    subject: &Subject,
) -> Option<String> {
    let mut sections: Vec<String> = Vec::new();
    if let Some(change) = last_change(answer, line) {
        sections.push(change);
    }
    if let Some(history) = history_line(answer) {
        sections.push(history);
    }
    if let Some(places) = related_places(answer, root, path, subject) {
        sections.push(places);
    }
    if sections.is_empty() {
        return None;
    }
    if answer.index.state == IndexState::Indexing {
        sections.push("_The index is still being built: more places may appear._".to_string());
    }
    if answer.cache != CacheTier::Miss {
        sections.push(
            "_Answered from the cache: asked before, and the files it cites have not changed since._"
                .to_string(),
        );
    }
    Some(sections.join("\n\n---\n\n"))
}

/// The line's last change: short sha, author, relative date, summary.
fn last_change(answer: &Answer, line: u32) -> Option<String> {
    let hunk = answer
        .blame
        .as_ref()?
        .iter()
        .find(|b| b.start_line <= line && line < b.end_line)?;
    if !hunk.committed {
        return Some("**Last change:** not committed yet".to_string());
    }
    let short: String = hunk.sha.chars().take(7).collect();
    Some(format!(
        "**Last change:** `{short}` {} · {} — {}",
        code(&hunk.author),
        relative_date(&hunk.date),
        code(&hunk.summary)
    ))
}

/// The file's history in one line: how many commits, by whom, and the latest.
fn history_line(answer: &Answer) -> Option<String> {
    let h = answer.history.as_ref()?;
    let latest = h.commits.first()?;
    let authors: Vec<String> = h.authors.iter().take(3).map(|a| code(&a.name)).collect();
    let more = if h.complete { "" } else { "+" };
    Some(format!(
        "**History:** {}{more} commit{} by {}; latest {} — {}",
        h.total_commits,
        if h.total_commits == 1 { "" } else { "s" },
        authors.join(", "),
        relative_date(&latest.date),
        code(&latest.summary)
    ))
}

/// "3 days ago" from an RFC 3339 UTC date ("2026-01-02T03:04:05Z"); the date itself when it
/// cannot be read.
fn relative_date(date: &str) -> String {
    let Some(then) = parse_utc_seconds(date) else {
        return date.to_string();
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let ago = (now - then).max(0);
    let (n, unit) = match ago {
        s if s < 3600 => (s / 60, "minute"),
        s if s < 86_400 => (s / 3600, "hour"),
        s if s < 86_400 * 60 => (s / 86_400, "day"),
        s if s < 86_400 * 730 => (s / (86_400 * 30), "month"),
        s => (s / (86_400 * 365), "year"),
    };
    if n == 0 {
        "just now".to_string()
    } else {
        format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
    }
}

/// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SSZ".
fn parse_utc_seconds(date: &str) -> Option<i64> {
    let num = |r: std::ops::Range<usize>| date.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Days from the civil date (proleptic Gregorian), after Howard Hinnant's algorithm.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// The best places that are not where the cursor already is, each a citation link.
fn related_places(answer: &Answer, root: &Path, path: &str, subject: &Subject) -> Option<String> {
    // Elsewhere means other files: the reader already has this one open.
    let elsewhere = answer.results.iter().filter(|h| h.path != path);
    let mut items = Vec::new();
    for hit in elsewhere.take(SHOWN) {
        let citation = answer.citations.iter().find(|c| c.id == hit.citation);
        let label = link_text(&citation.map_or_else(
            || hit.path.clone(),
            |c| citation_label(&c.path, c.start_line, c.end_line),
        ));
        let url = citation.map_or_else(String::new, |c| {
            c.permalink
                .clone()
                .unwrap_or_else(|| file_url(&root.join(&c.path), c.start_line, c.end_line))
        });
        let name = hit
            .symbol
            .as_deref()
            .map(|s| format!("`{}` ", code(s)))
            .unwrap_or_default();
        items.push(format!(
            "{}. {name}[{label}]({url}){}{}",
            items.len() + 1,
            kind_tag(hit.file_kind),
            copies_note(hit, root)
        ));
    }
    if items.is_empty() {
        return None;
    }
    let about = if subject.identifier {
        format!(" for `{}`", code(&subject.text))
    } else {
        String::new()
    };
    Some(format!("**Related places**{about}\n\n{}", items.join("\n")))
}

/// " · _vendored_" for a place outside the project's own code; nothing for first-party.
fn kind_tag(kind: FileKind) -> String {
    if kind == FileKind::FirstParty {
        String::new()
    } else {
        format!(" · _{}_", kind.as_str())
    }
}

/// " · also in [vendor/x.rs:3-9](file://...)" for the first copy of a place's text, and how
/// many more there are; labels as the engine writes citations.
fn copies_note(hit: &Hit, root: &Path) -> String {
    let Some(first) = hit.copies.first() else {
        return String::new();
    };
    let label = citation_label(&first.path, first.start_line, first.end_line);
    let url = file_url(&root.join(&first.path), first.start_line, first.end_line);
    let more = match hit.copies.len() - 1 {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    format!(" · also in [{}]({url}){more}", link_text(&label))
}

/// A path as a link's text, shown as written: `__init__.py` is not bold, `[x]` not a link.
fn link_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text for inline code: a backtick would end it early.
fn code(text: &str) -> String {
    text.replace('`', "'")
}

fn subject_range(line_text: &str, line: u32, subject: &Subject, encoding: Encoding) -> Range {
    let at = |byte| Position {
        line,
        character: convert::character_in_line(line_text, byte, encoding),
    };
    Range {
        start: at(subject.start),
        end: at(subject.end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ail_engine::chunk::{ChunkKind, Language};
    use ail_engine::{Citation, CopyPlace, IndexInfo, Timings};

    fn hit(path: &str, symbol: &str, citation: usize, file_kind: FileKind) -> Hit {
        Hit {
            path: path.into(),
            start_line: 2,
            end_line: 14,
            score: 0.9,
            symbol: Some(symbol.into()),
            kind: ChunkKind::Function,
            language: Language::Rust,
            snippet: String::new(),
            citation,
            file_kind,
            copies: Vec::new(),
        }
    }

    fn answer(results: Vec<Hit>, state: IndexState, cache: CacheTier) -> Answer {
        let citations = results
            .iter()
            .map(|h| Citation {
                id: h.citation,
                path: h.path.clone(),
                start_line: h.start_line,
                end_line: h.end_line,
                permalink: None,
            })
            .collect();
        Answer {
            question: "crc32_update".into(),
            results,
            citations,
            confidence: 0.5,
            evidence: Default::default(),
            timings: Timings::default(),
            index: IndexInfo {
                state,
                files: 12,
                chunks: 40,
                generation: 1,
            },
            warnings: Vec::new(),
            cache,
            history: None,
            blame: None,
        }
    }

    fn subject() -> Subject {
        Subject {
            text: "crc32_update".into(),
            start: 0,
            end: 12,
            identifier: true,
        }
    }

    #[test]
    fn related_places_outside_the_project_s_own_code_are_tagged_and_copies_named() {
        let mut own = hit(
            "core/src/cache.rs",
            "remove_oldest",
            2,
            FileKind::FirstParty,
        );
        own.copies = vec![
            CopyPlace {
                path: "vendor/lru/src/cache.rs".into(),
                start_line: 69,
                end_line: 75,
            },
            CopyPlace {
                path: "third_party/lru/cache.rs".into(),
                start_line: 0,
                end_line: 6,
            },
        ];
        let results = vec![
            hit(
                "core/src/checksum.rs",
                "catalog_checksum",
                1,
                FileKind::FirstParty,
            ),
            hit("libs/crc/crc32.rs", "crc32_update", 3, FileKind::Vendored),
            own,
            hit(
                "core/src/crc_table.rs",
                "crc32_table_entry",
                4,
                FileKind::Generated,
            ),
        ];
        let a = answer(results, IndexState::Ready, CacheTier::Miss);
        let Some(md) = hover_markdown(
            &a,
            Path::new("/repo"),
            "core/src/checksum.rs",
            8,
            &subject(),
        ) else {
            panic!("no hover for related places");
        };
        assert!(
            md.contains("1. `crc32_update` [libs/crc/crc32.rs:3-14](file:///repo/libs/crc/crc32.rs#L3-L14) · _vendored_\n"),
            "{md}"
        );
        assert!(
            md.contains("2. `remove_oldest` [core/src/cache.rs:3-14](file:///repo/core/src/cache.rs#L3-L14) · also in [vendor/lru/src/cache.rs:70-75](file:///repo/vendor/lru/src/cache.rs#L70-L75) and 1 more\n"),
            "{md}"
        );
        assert!(
            md.ends_with("3. `crc32_table_entry` [core/src/crc\\_table.rs:3-14](file:///repo/core/src/crc_table.rs#L3-L14) · _generated_"),
            "{md}"
        );
        assert!(!md.contains("first-party"), "{md}");
        assert_eq!(
            link_text("api/bookshelf_api/__init__.py:24-43"),
            "api/bookshelf\\_api/\\_\\_init\\_\\_.py:24-43"
        );
        assert!(!md.contains("still being built"), "{md}");
        assert!(!md.contains("from the cache"), "{md}");
    }

    #[test]
    fn the_hover_says_when_the_index_is_still_building_and_when_it_came_from_the_cache() {
        let results = vec![hit(
            "libs/crc/crc32.rs",
            "crc32_update",
            1,
            FileKind::Vendored,
        )];
        for (state, cache, building, cached) in [
            (IndexState::Indexing, CacheTier::Miss, true, false),
            (IndexState::Ready, CacheTier::Exact, false, true),
            (IndexState::Ready, CacheTier::Semantic, false, true),
            (IndexState::Indexing, CacheTier::Exact, true, true),
        ] {
            let a = answer(results.clone(), state, cache);
            let Some(md) = hover_markdown(
                &a,
                Path::new("/repo"),
                "core/src/checksum.rs",
                8,
                &subject(),
            ) else {
                panic!("no hover for {state:?} {cache:?}");
            };
            assert_eq!(
                md.contains("_The index is still being built: more places may appear._"),
                building,
                "{state:?} {cache:?}: {md}"
            );
            assert_eq!(
                md.contains("_Answered from the cache:"),
                cached,
                "{state:?} {cache:?}: {md}"
            );
        }
        // Nothing to show stays nothing, whatever the notes would say.
        let empty = answer(Vec::new(), IndexState::Indexing, CacheTier::Exact);
        assert_eq!(
            hover_markdown(&empty, Path::new("/repo"), "a.rs", 0, &subject()),
            None
        );
    }
}
