//! What the cursor is on: the identifier under it, else the line's text. This becomes the
//! question when a request gives a position and no question (hover, `ail/context`).

/// Questions built from a line are cut to this many chars: a minified line is not a
/// question, and its first words carry most of the meaning anyway.
const MAX_LINE_QUESTION: usize = 200;
/// Longer runs of word characters are not taken for an identifier; the line's first
/// words stand for them instead.
const MAX_IDENTIFIER: usize = 256;

/// The text a position stands for, and the byte span of `line` it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub text: String,
    pub start: usize,
    pub end: usize,
    /// Whether `text` is one identifier (as opposed to a line of text).
    pub identifier: bool,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// The identifier touching byte `at` of `line` (the cursor may sit just after its last
/// char), else the trimmed line; `None` for a blank line.
pub fn subject_at(line: &str, at: usize) -> Option<Subject> {
    identifier_at(line, at).or_else(|| line_subject(line))
}

fn identifier_at(line: &str, at: usize) -> Option<Subject> {
    let at = floor_boundary(line, at);
    let after = line[at..].chars().next().filter(|&c| is_word(c));
    let before = line[..at].chars().next_back().filter(|&c| is_word(c));
    if after.is_none() && before.is_none() {
        return None;
    }
    let start = line[..at]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word(c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = line[at..]
        .char_indices()
        .find(|&(_, c)| !is_word(c))
        .map_or(line.len(), |(i, _)| at + i);
    let text = &line[start..end];
    // A number is not a name anyone asks about; a "name" longer than a question may be is
    // not one either (a minified or generated line).
    if text.chars().all(|c| c.is_ascii_digit()) || text.len() > MAX_IDENTIFIER {
        return None;
    }
    Some(Subject {
        text: text.to_string(),
        start,
        end,
        identifier: true,
    })
}

fn line_subject(line: &str) -> Option<Subject> {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return None;
    }
    let start = line.len() - line.trim_start().len();
    let cut: String = trimmed.chars().take(MAX_LINE_QUESTION).collect();
    Some(Subject {
        end: start + cut.len(),
        text: cut,
        start,
        identifier: false,
    })
}

fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &str, at: usize) -> Option<String> {
        subject_at(line, at).map(|s| s.text)
    }

    #[test]
    fn the_identifier_under_or_just_before_the_cursor_is_the_subject() {
        let line = "    let total = parse_args(argv);";
        let at = line.find("parse_args").unwrap_or(0);
        assert_eq!(text(line, at).as_deref(), Some("parse_args"));
        assert_eq!(text(line, at + 3).as_deref(), Some("parse_args"));
        assert_eq!(
            text(line, at + "parse_args".len()).as_deref(),
            Some("parse_args")
        );
    }

    #[test]
    fn identifiers_may_hold_non_ascii_letters() {
        let line = "let 名前 = 1;";
        let at = line.find('前').unwrap_or(0);
        let s = subject_at(line, at + 1).unwrap_or_else(|| unreachable!());
        assert_eq!(s.text, "名前");
        assert_eq!(&line[s.start..s.end], "名前");
    }

    #[test]
    fn off_an_identifier_the_trimmed_line_is_the_subject() {
        let line = "   fn main() {   ";
        assert_eq!(
            text(line, line.find('{').unwrap_or(0) + 2).as_deref(),
            Some("fn main() {")
        );
        assert_eq!(
            text("x = 42", 5).as_deref(),
            Some("x = 42"),
            "numbers are not subjects"
        );
        assert_eq!(text("    ", 2), None);
        assert_eq!(text("", 0), None);
    }

    #[test]
    fn a_cursor_past_the_end_or_inside_a_char_does_not_panic() {
        assert_eq!(text("abc", 99).as_deref(), Some("abc"));
        assert_eq!(text("a😀b", 2).as_deref(), Some("a"));
    }
}
