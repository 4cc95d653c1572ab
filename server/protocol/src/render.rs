//! An `ail/context` answer as plain text a model (or a person) reads directly: the summary,
//! each place with its citation and code, then blame and history. The token budget is
//! counted on exactly this text, so every front end that shows it must use this function.

use crate::{CitationItem, ContextResult, ResultItem};
use serde_json::Value;

/// The whole answer: its blocks separated by blank lines.
pub fn context_text(result: &ContextResult) -> String {
    let mut blocks = vec![head(result)];
    for item in &result.results {
        blocks.push(place(item, citation_of(result, item)));
    }
    if let Some(blame) = result
        .blame
        .as_ref()
        .and_then(|b| blame_block(b, usize::MAX))
    {
        blocks.push(blame);
    }
    if let Some(history) = result
        .history
        .as_ref()
        .and_then(|h| history_block(h, usize::MAX))
    {
        blocks.push(history);
    }
    join(&blocks)
}

/// A file's history (the `history` object of `ail/context`) as text; `None` for `null`.
pub fn history_text(history: &Value) -> Option<String> {
    history_block(history, usize::MAX)
}

/// Blame hunks (the `blame` array of `ail/context`) as text; `None` for `null` or none.
pub fn blame_text(blame: &Value) -> Option<String> {
    blame_block(blame, usize::MAX)
}

/// Blocks joined by one blank line; every block ends with a newline.
pub(crate) fn join(blocks: &[String]) -> String {
    blocks
        .iter()
        .filter(|b| !b.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn citation_of<'a>(
    result: &'a ContextResult,
    item: &ResultItem,
) -> Option<&'a CitationItem> {
    result.citations.iter().find(|c| c.id == item.citation)
}

/// The summary, then the warnings and, while indexing runs, how far it got.
pub(crate) fn head(result: &ContextResult) -> String {
    let mut s = String::new();
    for line in result.summary.lines() {
        s.push_str(line);
        s.push('\n');
    }
    if result.index.state != "ready" {
        s.push_str(&format!(
            "Index: {} ({} files so far); answers may miss places.\n",
            result.index.state, result.index.files
        ));
    }
    for w in &result.warnings {
        s.push_str(&format!("Warning: {w}\n"));
    }
    s
}

/// The first line of a place: citation number, lines shown, symbol, score, and its link. A
/// trimmed place (the last one of a budgeted answer) gets a short header instead: the
/// lines shown and the whole place's lines (its link is in the structured answer).
pub(crate) fn place_header(item: &ResultItem, citation: Option<&CitationItem>) -> String {
    let shown = format!(
        "{}:{}-{}",
        item.path,
        item.range.start.line + 1,
        item.range.end.line.max(item.range.start.line + 1)
    );
    let mut s = format!("[{}] {shown}", item.citation);
    if item.trimmed {
        match citation.filter(|c| c.range != item.range) {
            Some(c) => s.push_str(&format!(
                " (trimmed from {}-{})\n",
                c.range.start.line + 1,
                c.range.end.line.max(c.range.start.line + 1)
            )),
            None => s.push('\n'),
        }
        return s;
    }
    if let Some(symbol) = &item.symbol {
        s.push_str(&format!(" `{symbol}` ({})", item.kind));
    }
    s.push_str(&format!(" score {:.2}\n", item.score));
    if let Some(c) = citation {
        s.push_str(&c.url);
        s.push('\n');
    }
    s
}

/// A place: its header and its code in a fence long enough not to clash with the code.
pub(crate) fn place(item: &ResultItem, citation: Option<&CitationItem>) -> String {
    let mut s = place_header(item, citation);
    let fence = fence_for(&item.snippet);
    s.push_str(&format!("{fence}{}\n", item.language));
    for line in item.snippet.lines() {
        s.push_str(line);
        s.push('\n');
    }
    s.push_str(&fence);
    s.push('\n');
    s
}

/// Three backticks, or one more than the longest run of backticks in `code`.
pub(crate) fn fence_for(code: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in code.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// The blame of the asked-about lines, at most `hunks` of them; `None` when there are none.
pub(crate) fn blame_block(blame: &Value, hunks: usize) -> Option<String> {
    let list = blame.as_array().filter(|l| !l.is_empty() && hunks > 0)?;
    let mut s = String::from("Blame of the asked-about lines:\n");
    for h in list.iter().take(hunks) {
        let start = h["range"]["start"]["line"].as_u64().unwrap_or(0) + 1;
        let end = h["range"]["end"]["line"].as_u64().unwrap_or(0).max(start);
        s.push_str(&format!(
            "- lines {start}-{end}: {} {} {}: {}\n",
            short_sha(h["sha"].as_str().unwrap_or("")),
            h["author"].as_str().unwrap_or(""),
            day(h["date"].as_str().unwrap_or("")),
            h["summary"].as_str().unwrap_or("")
        ));
    }
    Some(s)
}

/// The asked-about file's history with at most `commits` commits; `None` when there is none.
pub(crate) fn history_block(history: &Value, commits: usize) -> Option<String> {
    let path = history["path"].as_str()?;
    let total = history["totalCommits"].as_u64().unwrap_or(0);
    let complete = history["complete"].as_bool().unwrap_or(false);
    let mut s = format!(
        "History of {path}: {total} commit{}{}\n",
        if total == 1 { "" } else { "s" },
        if complete { "" } else { " so far" }
    );
    for c in history["commits"]
        .as_array()
        .into_iter()
        .flatten()
        .take(commits)
    {
        s.push_str(&format!(
            "- {} {} {}: {}\n",
            day(c["date"].as_str().unwrap_or("")),
            short_sha(c["sha"].as_str().unwrap_or("")),
            c["author"].as_str().unwrap_or(""),
            c["summary"].as_str().unwrap_or("")
        ));
    }
    let authors: Vec<String> = history["authors"]
        .as_array()
        .into_iter()
        .flatten()
        .take(5)
        .map(|a| {
            format!(
                "{} ({})",
                a["name"].as_str().unwrap_or(""),
                a["commits"].as_u64().unwrap_or(0)
            )
        })
        .collect();
    if !authors.is_empty() {
        s.push_str(&format!("Authors: {}\n", authors.join(", ")));
    }
    Some(s)
}

fn short_sha(sha: &str) -> &str {
    sha.get(..10).unwrap_or(sha)
}

/// `2026-01-02` of an RFC 3339 date.
fn day(date: &str) -> &str {
    date.get(..10).unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_the_backticks_inside_the_code() {
        assert_eq!(fence_for("let x = 1;"), "```");
        assert_eq!(fence_for("doc = \"```rust\""), "````");
    }

    #[test]
    fn history_lists_commits_and_authors() {
        let h = serde_json::json!({
            "path": "a.rs", "totalCommits": 2, "complete": true,
            "commits": [{"sha": "0123456789abcdef", "author": "Ann", "date": "2026-01-02T03:04:05Z", "summary": "fix"}],
            "authors": [{"name": "Ann", "commits": 2}],
        });
        let text = history_block(&h, 10).unwrap_or_default();
        assert_eq!(
            text,
            "History of a.rs: 2 commits\n- 2026-01-02 0123456789 Ann: fix\nAuthors: Ann (2)\n"
        );
    }
}
