//! Markdown chunking: one section per ATX heading, covering everything up to the next
//! heading of the same or a higher level, so a section includes its subsections.

use super::lines::{push_unit, LineSpan, LineTable};
use super::ChunkKind;

struct Heading {
    line: usize,
    level: usize,
    title: Option<String>,
}

pub(super) fn sections(lines: &LineTable) -> Vec<LineSpan> {
    let headings = headings(lines);
    let mut out = Vec::new();
    let first_heading = headings.first().map_or(lines.len(), |heading| heading.line);
    if let Some((start, end)) = lines.trim_blank(0, first_heading) {
        push_unit(&mut out, start, end, ChunkKind::Section, &None);
    }
    for (at, heading) in headings.iter().enumerate() {
        let end = headings[at + 1..]
            .iter()
            .find(|next| next.level <= heading.level)
            .map_or(lines.len(), |next| next.line);
        // Trailing blank lines before the next heading belong to nobody in particular.
        let end = lines
            .trim_blank(heading.line, end)
            .map_or(heading.line + 1, |(_, last)| last);
        push_unit(
            &mut out,
            heading.line,
            end,
            ChunkKind::Section,
            &heading.title,
        );
    }
    out
}

/// ATX headings outside fenced code blocks (a `# comment` in a shell snippet is not one).
fn headings(lines: &LineTable) -> Vec<Heading> {
    let mut found = Vec::new();
    let mut fence: Option<(u8, usize)> = None;
    for line_no in 0..lines.len() {
        let line = lines.line(line_no).trim_end_matches(['\n', '\r']);
        let Some(body) = strip_indent(line) else {
            continue;
        };
        if let Some((marker, length)) = fence_marker(body) {
            match fence {
                None => fence = Some((marker, length)),
                Some((open_marker, open_length)) => {
                    let closes = marker == open_marker
                        && length >= open_length
                        && body.trim_start_matches(marker as char).trim().is_empty();
                    if closes {
                        fence = None;
                    }
                }
            }
            continue;
        }
        if fence.is_some() {
            continue;
        }
        if let Some(heading) = atx_heading(line_no, body) {
            found.push(heading);
        }
    }
    found
}

/// The line without up to three leading spaces; `None` when it is indented further (an
/// indented code block in CommonMark terms).
fn strip_indent(line: &str) -> Option<&str> {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    (spaces <= 3).then(|| &line[spaces..])
}

fn fence_marker(body: &str) -> Option<(u8, usize)> {
    let marker = *body.as_bytes().first()?;
    if marker != b'`' && marker != b'~' {
        return None;
    }
    let length = body.bytes().take_while(|&byte| byte == marker).count();
    (length >= 3).then_some((marker, length))
}

fn atx_heading(line: usize, body: &str) -> Option<Heading> {
    let level = body.bytes().take_while(|&byte| byte == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &body[level..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let mut title = rest.trim();
    // A closing run of `#` is decoration when it stands apart from the title.
    let without_closing = title.trim_end_matches('#');
    if without_closing.is_empty() || without_closing.ends_with([' ', '\t']) {
        title = without_closing.trim_end();
    }
    Some(Heading {
        line,
        level,
        title: (!title.is_empty()).then(|| title.to_string()),
    })
}
