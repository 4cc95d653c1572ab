//! Token budgets: an answer packed into at most `max_tokens` tokens of its text rendering
//! (`render::context_text`), counted with the o200k tokenizer (GPT-4o's; its ranks are
//! compiled into the binary, nothing is downloaded).
//!
//! What goes in, in this order: the summary (without its "Also:" line, whose places follow
//! as far as the budget allows) and warnings; the blame of the asked-about lines and the
//! file's history, each within a quarter of the budget; then whole places in rank order while
//! they fit; then the next places trimmed to the lines nearest their match (the asked-about
//! line, else the line that shares the most words with the question), in rank order while a
//! line of them fits. When the next one does not and more than a twentieth of the budget is
//! left, a place already shown may give up its link and its farthest lines (keeping at
//! least half of those it first showed) so that the next one's header and best line fit,
//! as long as that uses more of the budget. A trimmed place has a short header (no link). A line is never cut. The text is counted again at the end: trimmed
//! further if joining the blocks made it any longer, so the answer never exceeds the
//! budget, and the trimmed places widened by any whole lines that still fit.

use crate::render;
use crate::{ContextResult, Range, ResultItem};
use std::cell::OnceCell;
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
#[derive(Clone)]
struct Candidate {
    item: ResultItem,
    lines: Vec<String>,
    /// The 0-based line of `lines[0]`.
    first_line: u32,
    /// Each line's tokens, counted when first needed.
    costs: Vec<OnceCell<usize>>,
    /// The line trimming centers on, found when first needed.
    center: OnceCell<usize>,
    /// The fewest lines it may be trimmed to once shown: half of what it first showed.
    keep: usize,
}

impl Candidate {
    fn new(item: ResultItem, lines: Vec<String>, first_line: u32) -> Candidate {
        Candidate {
            costs: vec![OnceCell::new(); lines.len()],
            center: OnceCell::new(),
            keep: 0,
            item,
            lines,
            first_line,
        }
    }

    /// The tokens of line `i` with its line break.
    fn cost(&self, i: usize) -> usize {
        *self.costs[i].get_or_init(|| count_tokens(&format!("{}\n", self.lines[i])))
    }

    /// Remember it as shown with `item`'s lines.
    fn shown_as(mut self, item: &ResultItem) -> Candidate {
        self.keep = (line_count(item) as usize).div_ceil(2);
        self
    }
}

fn line_count(item: &ResultItem) -> u32 {
    item.range.end.line.saturating_sub(item.range.start.line)
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
    // The places the summary's "Also:" line names follow as far as the budget allows, and
    // the line would name citations the budget leaves out: its tokens go to code instead.
    result.summary = result
        .summary
        .lines()
        .filter(|l| !l.starts_with(crate::summary::SUMMARY_ALSO))
        .collect::<Vec<_>>()
        .join("\n");
    fit_head(result, max_tokens);
    left = left.saturating_sub(block_cost(&render::head(result)));
    left = left.saturating_sub(fit_blame(result, left.min(max_tokens / 4)));
    left = left.saturating_sub(fit_history(result, left.min(max_tokens / 4)));

    let terms: HashSet<String> = ail_engine::text::question_tokens(&result.question)
        .into_iter()
        .collect();
    let mut rest = matched.into_iter();
    let mut first_left_out = None;
    // The full lines of each place shown, in the order of `result.results`.
    let mut shown: Vec<Candidate> = Vec::new();
    for item in rest.by_ref() {
        let mut c = load_place(item);
        c.item.snippet = c.lines.join("\n");
        let cost = shown_cost(result, &c.item);
        if cost > left {
            first_left_out = Some(c);
            break;
        }
        left -= cost;
        result.results.push(c.item.clone());
        shown.push(c.clone().shown_as(&c.item));
    }
    // Then the next places trimmed to the lines nearest their match, in rank order while a
    // line of them fits. When one does not and more than a twentieth of the budget is
    // left, a place shown before it may take a short header and give up its lines farthest
    // from its match (keeping at least half of those it first showed) so that this one's
    // header and best line fit, if that uses more of the budget. A place whose short header
    // alone does not fit otherwise is passed over unread.
    let ctx = Trim {
        terms: &terms,
        focus,
    };
    let worth_making_room = |left: usize| left * 20 > max_tokens;
    let later = first_left_out
        .map(Ok)
        .into_iter()
        .chain(rest.map(Err::<Candidate, ResultItem>));
    for next in later {
        let c = match next {
            Ok(c) => c,
            Err(item) if !worth_making_room(left) && frame_cost(result, &item) >= left => continue,
            Err(item) => load_place(item),
        };
        if let Some(item) = ctx.trim(result, &c, left) {
            left = left.saturating_sub(shown_cost(result, &item));
            shown.push(c.shown_as(&item));
            result.results.push(item);
        } else if worth_making_room(left) {
            if let Some(item) = ctx.make_room(result, &shown, &c, &mut left) {
                shown.push(c.shown_as(&item));
            }
        }
    }
    let kept: HashSet<usize> = result.results.iter().map(|r| r.citation).collect();
    result.citations.retain(|c| kept.contains(&c.id));
    enforce(result, max_tokens);
    ctx.grow(result, max_tokens, &shown);
    result.omitted = Some(total - result.results.len());
}

/// A place's cost as shown: its header, code and the blank line after it.
fn shown_cost(result: &ContextResult, item: &ResultItem) -> usize {
    block_cost(&render::place(item, render::citation_of(result, item)))
}

/// What trimming centers on: the question's words and the asked-about line.
struct Trim<'a> {
    terms: &'a HashSet<String>,
    focus: Option<Focus<'a>>,
}

impl Trim<'_> {
    /// The index in `c.lines` trimming centers on (see `center_line`), found once.
    fn center(&self, c: &Candidate) -> usize {
        *c.center.get_or_init(|| {
            center_line(&c.lines, c.first_line, &c.item.uri, self.terms, self.focus)
        })
    }

    /// The lines of `c` nearest its match that fit `room` with the place's header, or `None`
    /// when not even one line does.
    fn trim(&self, result: &ContextResult, c: &Candidate, room: usize) -> Option<ResultItem> {
        if c.lines.is_empty() {
            return None;
        }
        let frame = frame_cost(result, &c.item);
        let center = self.center(c);
        let mut spent = frame + c.cost(center);
        if spent > room {
            return None;
        }
        let (lo, hi) = widen(c, (center, center + 1), &mut spent, room);
        let mut item = c.item.clone();
        item.trimmed = true;
        item.range = Range::lines(c.first_line + lo as u32, c.first_line + hi as u32);
        item.snippet = c.lines[lo..hi].join("\n");
        Some(item)
    }

    /// Make room for `next`: the last place shown that can (`shown` has their full lines)
    /// takes its trimmed form with fewer lines, not fewer than it may keep, and `next` is
    /// trimmed into the room that frees, when that uses more of the budget. Returns what
    /// was added.
    fn make_room(
        &self,
        result: &mut ContextResult,
        shown: &[Candidate],
        next: &Candidate,
        left: &mut usize,
    ) -> Option<ResultItem> {
        if next.lines.is_empty() {
            return None;
        }
        let need = frame_cost(result, &next.item) + next.cost(self.center(next));
        for (at, giver) in shown.iter().enumerate().rev() {
            let before = shown_cost(result, &result.results[at]);
            let room = *left + before;
            let Some(fewer) = room
                .checked_sub(need)
                .and_then(|r| self.trim(result, giver, r))
                .filter(|fewer| line_count(fewer) as usize >= giver.keep)
            else {
                continue;
            };
            let fewer_cost = shown_cost(result, &fewer);
            let Some(added) = room
                .checked_sub(fewer_cost)
                .and_then(|r| self.trim(result, next, r))
            else {
                continue;
            };
            let spent = fewer_cost + shown_cost(result, &added);
            if spent > before && spent <= room {
                result.results[at] = fewer;
                result.results.push(added.clone());
                *left = room - spent;
                return Some(added);
            }
        }
        None
    }

    /// Once the whole text is counted: widen the trimmed places (the last first; `shown` has
    /// their full lines) by the lines that still fit, and keep that only if the count stays
    /// within the budget.
    fn grow(&self, result: &mut ContextResult, max_tokens: usize, shown: &[Candidate]) {
        let Some(used) = result.tokens else { return };
        let mut left = max_tokens.saturating_sub(used);
        let before = result.results.clone();
        let mut grew = false;
        for c in shown.iter().rev() {
            let Some(item) = result
                .results
                .iter_mut()
                .find(|r| r.citation == c.item.citation && r.trimmed)
            else {
                continue;
            };
            let (Some(lo), Some(hi)) = (
                item.range.start.line.checked_sub(c.first_line),
                item.range.end.line.checked_sub(c.first_line),
            ) else {
                continue;
            };
            let (lo, hi) = (lo as usize, hi as usize);
            if lo >= hi || hi > c.lines.len() {
                continue;
            }
            let mut spent = 0;
            let (new_lo, new_hi) = widen(c, (lo, hi), &mut spent, left);
            if (new_lo, new_hi) != (lo, hi) {
                item.range =
                    Range::lines(c.first_line + new_lo as u32, c.first_line + new_hi as u32);
                item.snippet = c.lines[new_lo..new_hi].join("\n");
                left -= spent;
                grew = true;
            }
        }
        if !grew {
            return;
        }
        let tokens = count_tokens(&render::context_text(result));
        if tokens <= max_tokens {
            result.tokens = Some(tokens);
        } else {
            result.results = before;
        }
    }
}

/// Widen the window `lo..hi` of `c`'s lines one line below, then one above, while a line
/// fits `room` on top of `spent` (updated). Returns the new window.
fn widen(
    c: &Candidate,
    (mut lo, mut hi): (usize, usize),
    spent: &mut usize,
    room: usize,
) -> (usize, usize) {
    loop {
        let mut grew = false;
        if hi < c.lines.len() && *spent + c.cost(hi) <= room {
            *spent += c.cost(hi);
            hi += 1;
            grew = true;
        }
        if lo > 0 && *spent + c.cost(lo - 1) <= room {
            lo -= 1;
            *spent += c.cost(lo);
            grew = true;
        }
        if !grew {
            return (lo, hi);
        }
    }
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
            let lines = lines[start as usize..end]
                .iter()
                .map(|l| l.to_string())
                .collect();
            return Candidate::new(item, lines, start);
        }
    }
    let lines = item.snippet.lines().map(str::to_string).collect();
    Candidate::new(item, lines, start)
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

/// The cost of a trimmed place without its code: its short header and its fence (a longer
/// fence, for code holding backticks, is caught by the final count).
fn frame_cost(result: &ContextResult, item: &ResultItem) -> usize {
    let mut frame = item.clone();
    frame.trimmed = true;
    frame.snippet.clear();
    // Shown as its last line, so the header says "(trimmed from ...)" with the largest
    // line numbers it can have.
    let end = item.range.end.line.max(item.range.start.line + 1);
    if end - item.range.start.line > 1 {
        frame.range = Range::lines(end - 1, end);
    }
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
