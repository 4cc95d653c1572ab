//! Line bookkeeping shared by every chunker: where lines start, which are blank, how long
//! units are cut into overlapping windows, and how line spans become [`ChunkSpan`]s.

use super::{ChunkKind, ChunkSpan};

/// A unit longer than this many lines is cut into windows: one embedding over hundreds of
/// lines says little about any of them, and a citation that long is not useful to read.
pub(super) const LONG_UNIT_LINES: usize = 150;
/// Window size and overlap for long units (definitions, sections, top-level code).
pub(super) const UNIT_WINDOW_LINES: usize = 80;
pub(super) const UNIT_WINDOW_OVERLAP: usize = 10;
/// Window size and overlap for files with no better structure than lines.
pub(super) const TEXT_WINDOW_LINES: usize = 50;
pub(super) const TEXT_WINDOW_OVERLAP: usize = 10;

/// The file's text split into lines, computed once per file.
///
/// A line ends after `\n`; a `\r` before it stays part of the line, so CRLF files keep
/// byte offsets that match the text. Text that does not end with `\n` still has its last
/// line counted.
pub(super) struct LineTable<'a> {
    text: &'a str,
    /// Byte offset where each line starts, plus `text.len()` as a final sentinel.
    starts: Vec<usize>,
    blank: Vec<bool>,
}

impl<'a> LineTable<'a> {
    pub(super) fn new(text: &'a str) -> LineTable<'a> {
        let mut starts = Vec::with_capacity(text.len() / 32 + 2);
        starts.push(0);
        for (at, byte) in text.bytes().enumerate() {
            if byte == b'\n' && at + 1 < text.len() {
                starts.push(at + 1);
            }
        }
        if text.is_empty() {
            starts.clear();
        }
        starts.push(text.len());
        let blank = starts
            .windows(2)
            .map(|pair| text.get(pair[0]..pair[1]).is_none_or(is_blank_line))
            .collect();
        LineTable {
            text,
            starts,
            blank,
        }
    }

    pub(super) fn text(&self) -> &'a str {
        self.text
    }

    /// Number of lines; 0 for empty text.
    pub(super) fn len(&self) -> usize {
        self.blank.len()
    }

    pub(super) fn is_blank(&self, line: usize) -> bool {
        self.blank.get(line).copied().unwrap_or(true)
    }

    /// The text of one line, including its line terminator.
    pub(super) fn line(&self, line: usize) -> &'a str {
        match (self.starts.get(line), self.starts.get(line + 1)) {
            (Some(&start), Some(&end)) => self.text.get(start..end).unwrap_or(""),
            _ => "",
        }
    }

    /// Byte offset of the start of `line`, or the text length past the last line.
    pub(super) fn byte_at(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.text.len())
    }

    /// True when every line in `start..end` is blank.
    pub(super) fn all_blank(&self, start: usize, end: usize) -> bool {
        (start..end).all(|line| self.is_blank(line))
    }

    /// Shrinks `start..end` to its first and last non-blank lines; `None` if all are blank.
    pub(super) fn trim_blank(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let first = (start..end).find(|&line| !self.is_blank(line))?;
        let last = (first..end).rev().find(|&line| !self.is_blank(line))?;
        Some((first, last + 1))
    }
}

/// Whether `line` is nothing but whitespace (as `str::trim` counts it), looking at bytes
/// until the first one that decides it: most lines start with a few spaces and then code.
fn is_blank_line(line: &str) -> bool {
    for &byte in line.as_bytes() {
        match byte {
            // The ASCII characters `char::is_whitespace` accepts.
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => {}
            0x80.. => return line.trim().is_empty(),
            _ => return false,
        }
    }
    true
}

/// A chunk measured in lines, before byte offsets are attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct LineSpan {
    pub(super) start: usize,
    /// Exclusive.
    pub(super) end: usize,
    pub(super) kind: ChunkKind,
    pub(super) symbol: Option<String>,
}

/// Cuts `start..end` into windows of `size` lines overlapping by `overlap`.
///
/// A last window that would add no more than `overlap` new lines is folded into the one
/// before it, so a unit never ends with a sliver that mostly repeats its neighbour.
pub(super) fn windows(
    start: usize,
    end: usize,
    size: usize,
    overlap: usize,
) -> Vec<(usize, usize)> {
    let size = size.max(1);
    let step = size.saturating_sub(overlap).max(1);
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut from = start;
    while from < end {
        let to = end.min(from.saturating_add(size));
        out.push((from, to));
        if to >= end {
            break;
        }
        from += step;
    }
    if out.len() >= 2 {
        let previous_end = out[out.len() - 2].1;
        if end - previous_end <= overlap {
            out.pop();
            if let Some(last) = out.last_mut() {
                last.1 = end;
            }
        }
    }
    out
}

/// Pushes one span for `start..end`, or windows of it when it is a long unit.
pub(super) fn push_unit(
    out: &mut Vec<LineSpan>,
    start: usize,
    end: usize,
    kind: ChunkKind,
    symbol: &Option<String>,
) {
    if end <= start {
        return;
    }
    if end - start <= LONG_UNIT_LINES {
        out.push(LineSpan {
            start,
            end,
            kind,
            symbol: symbol.clone(),
        });
        return;
    }
    for (from, to) in windows(start, end, UNIT_WINDOW_LINES, UNIT_WINDOW_OVERLAP) {
        out.push(LineSpan {
            start: from,
            end: to,
            kind,
            symbol: symbol.clone(),
        });
    }
}

/// The fallback for text and unparsable code: overlapping windows over the whole file.
pub(super) fn text_windows(lines: &LineTable) -> Vec<LineSpan> {
    windows(0, lines.len(), TEXT_WINDOW_LINES, TEXT_WINDOW_OVERLAP)
        .into_iter()
        .filter(|&(start, end)| !lines.all_blank(start, end))
        .map(|(start, end)| LineSpan {
            start,
            end,
            kind: ChunkKind::Lines,
            symbol: None,
        })
        .collect()
}

/// Sorts, drops repeats of a line range (the first, outermost unit keeps it) and attaches
/// byte offsets.
///
/// Two units over the same lines would embed the same text twice; on minified code, where
/// hundreds of definitions share one huge line, that repetition would multiply the work
/// by the number of definitions.
pub(super) fn finish(lines: &LineTable, mut spans: Vec<LineSpan>) -> Vec<ChunkSpan> {
    let line_count = lines.len();
    spans.retain_mut(|span| {
        span.end = span.end.min(line_count);
        span.start < span.end
    });
    spans.sort_by_key(|span| (span.start, span.end));
    spans.dedup_by_key(|span| (span.start, span.end));
    spans
        .into_iter()
        .map(|span| ChunkSpan {
            start_line: line_number(span.start),
            end_line: line_number(span.end),
            start_byte: lines.byte_at(span.start),
            end_byte: lines.byte_at(span.end),
            symbol: span.symbol,
            kind: span.kind,
        })
        .collect()
}

fn line_number(line: usize) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::is_blank_line;

    #[test]
    fn blank_lines_are_those_that_trim_to_nothing() {
        let mut lines: Vec<String> = [
            "",
            " ",
            "\t",
            "\n",
            "\r\n",
            " \t\r\n",
            "\x0b",
            "\x0c",
            "\u{85}",
            "\u{a0}",
            "\u{3000}",
            "\u{2028}",
            "\u{feff}",
            "x",
            " x",
            "\tx\n",
            "  \u{a0}x",
            "\u{a0} ",
            "é",
            " é ",
            "\0",
            "\x1f",
            "#",
            "  }\n",
            "\u{200b}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for c in (0u32..0x3100).filter_map(char::from_u32) {
            lines.push(format!(" {c} "));
            lines.push(c.to_string());
        }
        for line in &lines {
            assert_eq!(is_blank_line(line), line.trim().is_empty(), "{line:?}");
        }
    }
}
