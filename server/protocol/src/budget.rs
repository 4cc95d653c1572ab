//! Token budgets: an answer packed into at most `max_tokens` tokens of its text rendering
//! (`render::context_text`), counted with the o200k tokenizer (GPT-4o's; its ranks are
//! compiled into the binary, nothing is downloaded).
//!
//! What goes in, in this order: the summary and warnings; the blame of the asked-about lines
//! and the file's history, each within a quarter of the budget; then whole places in rank
//! order while they fit; then the best remaining place trimmed to the lines nearest its
//! match (the asked-about line, else the line that shares the most words with the
//! question), and the next ones likewise while a line of them still fits. A trimmed place
//! has a short header (no link). A line is never cut. The text is counted again at the end, and trimmed further
//! if joining the blocks made it any longer, so the answer never exceeds the budget.

use crate::render;
use crate::{ContextResult, Range, ResultItem};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use tiktoken_rs::CoreBPE;

/// The smallest budget accepted: below it not even a summary and one line of code fit.
pub const MIN_MAX_TOKENS: usize = 100;
/// The largest budget accepted.
pub const MAX_MAX_TOKENS: usize = 1_000_000;

/// Where a place's code comes from: the current text of its file, read only through a path
/// the engine accepted (or an editor's buffer). `None` keeps the place's preview snippet.
pub type ReadFile<'a> = &'a dyn Fn(&ResultItem) -> Option<String>;

/// The asked-about file (its `uri`, as in results) and 0-based line.
#[derive(Clone, Copy, Debug)]
pub struct Focus<'a> {
    pub uri: &'a str,
    pub line: u32,
}

fn tokenizer() -> Option<&'static CoreBPE> {
    static BPE: OnceLock<Option<CoreBPE>> = OnceLock::new();
    BPE.get_or_init(|| match tiktoken_rs::o200k_base() {
        Ok(bpe) => Some(bpe),
        Err(e) => {
            tracing::error!("cannot build the o200k tokenizer ({e}); counting bytes instead");
            None
        }
    })
    .as_ref()
}

/// Tokens of `text` in the o200k encoding. (Should the tokenizer ever fail to build, the byte
/// count stands in: never fewer than the tokens, so a budget still holds.)
pub fn count_tokens(text: &str) -> usize {
    match tokenizer() {
        Some(bpe) => bpe.encode_ordinary(text).len(),
        None => text.len(),
    }
}

/// A block's tokens plus one for the blank line that joins it to the next.
fn block_cost(block: &str) -> usize {
    if block.is_empty() {
        0
    } else {
        count_tokens(block) + 1
    }
}

/// A place with the full text of its lines.
struct Candidate {
    item: ResultItem,
    lines: Vec<String>,
    /// The 0-based line of `lines[0]`.
    first_line: u32,
}

/// Pack `result` into `max_tokens` (see the module comment). Sets `tokens` and `omitted`.
pub fn pack(
    result: &mut ContextResult,
    max_tokens: usize,
    focus: Option<Focus<'_>>,
    read: ReadFile<'_>,
) {
    let matched = std::mem::take(&mut result.results);
    let total = matched.len();
    // Places often share a file: each is read once, and only when a place is considered.
    let mut texts: HashMap<String, Option<String>> = HashMap::new();
    let mut load_place = |item: ResultItem| {
        let text = texts
            .entry(item.uri.clone())
            .or_insert_with(|| read(&item))
            .as_deref();
        load(item, text)
    };

    let mut left = max_tokens;
    fit_head(result, max_tokens);
    left = left.saturating_sub(block_cost(&render::head(result)));
    left = left.saturating_sub(fit_blame(result, left.min(max_tokens / 4)));
    left = left.saturating_sub(fit_history(result, left.min(max_tokens / 4)));

    let terms: HashSet<String> = ail_engine::text::question_tokens(&result.question)
        .into_iter()
        .collect();
    let mut rest = matched.into_iter();
    let mut first_left_out = None;
    for item in rest.by_ref() {
        let mut c = load_place(item);
        c.item.snippet = c.lines.join("\n");
        let cost = block_cost(&render::place(
            &c.item,
            render::citation_of(result, &c.item),
        ));
        if cost > left {
            first_left_out = Some(c);
            break;
        }
        left -= cost;
        result.results.push(c.item);
    }
    // Then the best remaining place trimmed to the lines nearest its match, and the next
    // ones the same way while a line of them still fits. A place whose short header alone
    // does not fit is passed over without reading its file.
    let consider = |c: Candidate, left: &mut usize, result: &mut ContextResult| {
        if let Some(trimmed) = trim(result, c, *left, &terms, focus) {
            *left = left.saturating_sub(block_cost(&render::place(
                &trimmed,
                render::citation_of(result, &trimmed),
            )));
            result.results.push(trimmed);
        }
    };
    if let Some(c) = first_left_out {
        consider(c, &mut left, result);
    }
    for item in rest {
        if frame_cost(result, &item) >= left {
            continue;
        }
        consider(load_place(item), &mut left, result);
    }
    let kept: HashSet<usize> = result.results.iter().map(|r| r.citation).collect();
    result.citations.retain(|c| kept.contains(&c.id));
    enforce(result, max_tokens);
    result.omitted = Some(total - result.results.len());
}

/// The place's lines from its file's text; its preview snippet without one.
fn load(mut item: ResultItem, text: Option<&str>) -> Candidate {
    let start = item.range.start.line;
    let end = item.range.end.line.max(start + 1);
    if let Some(text) = text {
        let lines: Vec<&str> = text.lines().collect();
        if (start as usize) < lines.len() {
            let end = (end as usize).min(lines.len());
            item.range = Range::lines(start, end as u32);
            return Candidate {
                lines: lines[start as usize..end]
                    .iter()
                    .map(|l| l.to_string())
                    .collect(),
                first_line: start,
                item,
            };
        }
    }
    Candidate {
        lines: item.snippet.lines().map(str::to_string).collect(),
        first_line: start,
        item,
    }
}

/// Shorten the summary (to its first line, then to nothing) until the head fits.
fn fit_head(result: &mut ContextResult, max_tokens: usize) {
    if block_cost(&render::head(result)) <= max_tokens {
        return;
    }
    result.summary = result.summary.lines().next().unwrap_or("").to_string();
    if block_cost(&render::head(result)) > max_tokens {
        result.summary.clear();
    }
    while block_cost(&render::head(result)) > max_tokens && result.warnings.pop().is_some() {}
}

/// Keep as many blame hunks as fit `room`; returns their cost.
fn fit_blame(result: &mut ContextResult, room: usize) -> usize {
    let Some(blame) = result.blame.take() else {
        return 0;
    };
    let count = blame.as_array().map_or(0, Vec::len);
    for n in (1..=count).rev() {
        if let Some(block) = render::blame_block(&blame, n) {
            let cost = block_cost(&block);
            if cost <= room {
                let kept = blame.as_array().into_iter().flatten().take(n).cloned();
                result.blame = Some(serde_json::Value::Array(kept.collect()));
                return cost;
            }
        }
    }
    0
}

/// Keep as many of the history's commits as fit `room` (none: no history); returns its cost.
fn fit_history(result: &mut ContextResult, room: usize) -> usize {
    let Some(mut history) = result.history.take() else {
        return 0;
    };
    let count = history["commits"].as_array().map_or(0, Vec::len);
    for n in (0..=count).rev() {
        if let Some(block) = render::history_block(&history, n) {
            let cost = block_cost(&block);
            if cost <= room {
                if let Some(commits) = history["commits"].as_array_mut() {
                    commits.truncate(n);
                }
                result.history = Some(history);
                return cost;
            }
        }
    }
    0
}

/// The lines of `c` nearest its match that fit `room` with the place's header, or `None`
/// when not even one line does.
fn trim(
    result: &ContextResult,
    c: Candidate,
    room: usize,
    terms: &HashSet<String>,
    focus: Option<Focus<'_>>,
) -> Option<ResultItem> {
    if c.lines.is_empty() {
        return None;
    }
    let frame = frame_cost(result, &c.item);
    if frame >= room {
        return None;
    }
    let mut item = c.item;
    item.trimmed = true;
    item.snippet.clear();
    // Lines are counted as the window grows, not all of them up front.
    let mut costs: Vec<Option<usize>> = vec![None; c.lines.len()];
    let mut cost =
        |i: usize| *costs[i].get_or_insert_with(|| count_tokens(&format!("{}\n", c.lines[i])));
    let center = center_line(&c.lines, c.first_line, &item.uri, terms, focus);
    let mut spent = frame + cost(center);
    if spent > room {
        return None;
    }
    let (mut lo, mut hi) = (center, center + 1);
    loop {
        let mut grew = false;
        if hi < c.lines.len() && spent + cost(hi) <= room {
            spent += cost(hi);
            hi += 1;
            grew = true;
        }
        if lo > 0 && spent + cost(lo - 1) <= room {
            lo -= 1;
            spent += cost(lo);
            grew = true;
        }
        if !grew {
            break;
        }
    }
    item.range = Range::lines(c.first_line + lo as u32, c.first_line + hi as u32);
    item.snippet = c.lines[lo..hi].join("\n");
    Some(item)
}

/// The cost of a trimmed place without its code: its short header (with the whole range:
/// never shorter than with the trimmed one, give or take a digit, which the final count
/// catches) and its fence.
fn frame_cost(result: &ContextResult, item: &ResultItem) -> usize {
    let mut frame = item.clone();
    frame.trimmed = true;
    frame.snippet.clear();
    block_cost(&render::place(&frame, render::citation_of(result, &frame)))
}

/// The index in `lines` of the asked-about line when it is in this place, else of the line
/// sharing the most tokens with the question (the first such line; the first line if none).
fn center_line(
    lines: &[String],
    first_line: u32,
    uri: &str,
    terms: &HashSet<String>,
    focus: Option<Focus<'_>>,
) -> usize {
    if let Some(f) = focus.filter(|f| f.uri == uri) {
        let at = f.line.wrapping_sub(first_line) as usize;
        if f.line >= first_line && at < lines.len() {
            return at;
        }
    }
    let mut best = (0usize, 0usize);
    for (i, line) in lines.iter().enumerate() {
        let hits = ail_engine::text::question_tokens(line)
            .iter()
            .filter(|t| terms.contains(*t))
            .count();
        if hits > best.1 {
            best = (i, hits);
        }
    }
    best.0
}

/// Count the whole text; while joining blocks made it exceed the budget, drop the last
/// line of the last place (then places, history, blame, warnings, summary lines).
fn enforce(result: &mut ContextResult, max_tokens: usize) {
    loop {
        let tokens = count_tokens(&render::context_text(result));
        if tokens <= max_tokens {
            result.tokens = Some(tokens);
            return;
        }
        if let Some(last) = result.results.last_mut() {
            let mut lines: Vec<String> = last.snippet.lines().map(str::to_string).collect();
            if lines.len() > 1 {
                lines.pop();
                last.snippet = lines.join("\n");
                last.range.end.line = last.range.start.line + lines.len() as u32;
                last.trimmed = true;
            } else {
                let gone = result.results.pop().map(|r| r.citation);
                result.citations.retain(|c| Some(c.id) != gone);
            }
        } else if result.history.is_some() || result.blame.is_some() {
            result.history = None;
            result.blame = None;
        } else if !result.warnings.is_empty() {
            result.warnings.pop();
        } else if !result.summary.is_empty() {
            let mut lines: Vec<&str> = result.summary.lines().collect();
            lines.pop();
            result.summary = lines.join("\n");
        } else {
            result.tokens = Some(tokens);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tokenizer_is_o200k_and_works_offline() {
        // "hello world" is two tokens in every OpenAI encoding; an identifier splits.
        assert_eq!(count_tokens("hello world"), 2);
        assert!(count_tokens("fn evict_oldest_entries(&mut self)") > 5);
        assert_eq!(count_tokens(""), 0);
    }
}
