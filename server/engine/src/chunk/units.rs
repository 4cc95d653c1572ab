//! From found definitions to line spans: a short container whole beside its members, a long
//! one as its header and the code between its members, and every other line of the file
//! covered by top-level chunks. Shared by every code chunker, whatever found the definitions.

use super::lines::{push_unit, LineSpan, LineTable};
use super::ChunkKind;

/// A container at most this long is emitted whole next to its members; a longer one only
/// contributes its header (signature, docs, fields), since its members carry the rest.
const SHORT_CONTAINER_LINES: usize = 60;
/// Longest symbol kept, in bytes; longer names come from malformed or generated code.
pub(super) const MAX_SYMBOL_BYTES: usize = 200;

/// A definition found in the tree, in lines, with the definitions it contains.
#[derive(Debug)]
pub(super) struct Item {
    pub(super) start: usize,
    /// Exclusive.
    pub(super) end: usize,
    pub(super) kind: ChunkKind,
    pub(super) symbol: Option<String>,
    pub(super) members: Vec<Item>,
    /// A function with functions inside: cited whole however long it is, its inner
    /// functions as chunks of their own besides.
    pub(super) whole: bool,
}

/// Cuts `name` to at most `MAX_SYMBOL_BYTES`, at a character boundary.
pub(super) fn bound_symbol(name: &mut String) {
    if name.len() > MAX_SYMBOL_BYTES {
        let mut cut = MAX_SYMBOL_BYTES;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
    }
}

/// The spans for a file whose definitions are `items`: theirs, and top-level chunks for
/// the lines between them.
pub(super) fn spans(lines: &LineTable, items: &[Item]) -> Vec<LineSpan> {
    let mut out = Vec::new();
    let mut slivers = Vec::new();
    emit_items(lines, items, &mut out, &mut slivers);
    fill_gaps(
        lines,
        (0, lines.len()),
        items,
        ChunkKind::Module,
        &None,
        &mut out,
        &mut slivers,
    );
    absorb_slivers(&mut out, slivers);
    out
}

/// Turns found items into spans: a short container whole plus its members; a long one as
/// its header, its members and whatever else it holds between them.
fn emit_items(
    lines: &LineTable,
    items: &[Item],
    out: &mut Vec<LineSpan>,
    slivers: &mut Vec<Sliver>,
) {
    for item in items {
        let Some(first_member) = item.members.first() else {
            push_unit(out, item.start, item.end, item.kind, &item.symbol);
            continue;
        };
        if item.whole || item.end - item.start <= SHORT_CONTAINER_LINES {
            push_unit(out, item.start, item.end, item.kind, &item.symbol);
            emit_items(lines, &item.members, out, slivers);
            continue;
        }
        let header_end = first_member.start.max(item.start + 1).min(item.end);
        push_unit(out, item.start, header_end, item.kind, &item.symbol);
        emit_items(lines, &item.members, out, slivers);
        fill_gaps(
            lines,
            (header_end, item.end),
            &item.members,
            item.kind,
            &item.symbol,
            out,
            slivers,
        );
    }
}

/// A stretch of uncovered lines holding nothing but closing punctuation (`}`, `});`):
/// it joins the chunk just above it rather than standing alone.
struct Sliver {
    start: usize,
    end: usize,
    kind: ChunkKind,
    symbol: Option<String>,
}

const SLIVER_MAX_LINES: usize = 3;

/// Covers the lines of `range` that no item covers, as chunks of the given kind.
fn fill_gaps(
    lines: &LineTable,
    range: (usize, usize),
    items: &[Item],
    kind: ChunkKind,
    symbol: &Option<String>,
    out: &mut Vec<LineSpan>,
    slivers: &mut Vec<Sliver>,
) {
    let (low, high) = range;
    let mut covered: Vec<(usize, usize)> =
        items.iter().map(|item| (item.start, item.end)).collect();
    covered.sort_unstable();
    let mut cursor = low;
    let mut gaps = Vec::new();
    for (start, end) in covered {
        if start > cursor {
            gaps.push((cursor, start.min(high)));
        }
        cursor = cursor.max(end);
    }
    if cursor < high {
        gaps.push((cursor, high));
    }
    for (start, end) in gaps {
        let Some((start, end)) = lines.trim_blank(start, end) else {
            continue;
        };
        let only_punctuation =
            (start..end).all(|line| !lines.line(line).chars().any(char::is_alphanumeric));
        let non_blank = (start..end).filter(|&line| !lines.is_blank(line)).count();
        if only_punctuation && non_blank <= SLIVER_MAX_LINES {
            slivers.push(Sliver {
                start,
                end,
                kind,
                symbol: symbol.clone(),
            });
        } else {
            push_unit(out, start, end, kind, symbol);
        }
    }
}

/// Extends the chunk ending closest above each sliver to cover it; a sliver with nothing
/// above it becomes a chunk of its own.
fn absorb_slivers(out: &mut Vec<LineSpan>, mut slivers: Vec<Sliver>) {
    if slivers.is_empty() {
        return;
    }
    slivers.sort_unstable_by_key(|sliver| sliver.start);
    out.sort_by_key(|span| (span.end, span.start));
    let mut orphans = Vec::new();
    for sliver in slivers {
        // Nothing covers the sliver's first line, so every span ending after it starts
        // after the sliver too: extending the last span ending before it keeps `out`
        // ordered by end.
        let above = out.partition_point(|span| span.end <= sliver.start);
        match above.checked_sub(1).and_then(|at| out.get_mut(at)) {
            Some(span) => span.end = span.end.max(sliver.end),
            None => orphans.push(LineSpan {
                start: sliver.start,
                end: sliver.end,
                kind: sliver.kind,
                symbol: sliver.symbol,
            }),
        }
    }
    out.extend(orphans);
}
