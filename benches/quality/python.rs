//! Just enough of Python's tokenizer to find function docstrings: logical lines of names,
//! strings and operators, with strings read whole.

/// The few Python tokens the docstring finder needs.
#[derive(Debug)]
pub enum Token {
    Name(String),
    Str(StringToken),
    Op(char),
    Other,
}

#[derive(Debug)]
pub struct StringToken {
    pub start_line: u32,
    pub end_line: u32,
    pub body: String,
    /// Plain or raw/unicode-prefixed: bytes and f-strings are not docstrings.
    pub is_docstring_kind: bool,
}

/// One logical line: a statement's tokens, across bracketed or backslash-joined lines.
#[derive(Debug)]
pub struct LogicalLine {
    pub first_line: u32,
    pub indent: usize,
    pub tokens: Vec<Token>,
}

/// Split Python source into logical lines, skipping comments and blank lines, and
/// reading strings whole so that code inside docstrings is never mistaken for code.
pub fn logical_lines(text: &str) -> Vec<LogicalLine> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut current: Option<LogicalLine> = None;
    let mut line: u32 = 0;
    let mut line_start = 0usize;
    let mut depth = 0i32;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => {
                line += 1;
                i += 1;
                line_start = i;
                if depth <= 0 {
                    depth = 0;
                    out.extend(current.take());
                }
                continue;
            }
            '\\' if chars.get(i + 1) == Some(&'\n') => {
                line += 1;
                i += 2;
                line_start = i;
                continue;
            }
            ' ' | '\t' | '\r' | '\x0c' => {
                i += 1;
                continue;
            }
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        let logical = current.get_or_insert_with(|| LogicalLine {
            first_line: line,
            indent: i - line_start,
            tokens: Vec::new(),
        });
        if c == '"' || c == '\'' {
            let (token, next, lines) = read_string(&chars, i, line, true);
            logical.tokens.push(Token::Str(token));
            line += lines;
            if lines > 0 {
                line_start = chars[..next]
                    .iter()
                    .rposition(|&c| c == '\n')
                    .map_or(0, |p| p + 1);
            }
            i = next;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let is_prefix = word.len() <= 2
                && word.chars().all(|c| "rRbBuUfF".contains(c))
                && matches!(chars.get(i), Some('"') | Some('\''));
            if is_prefix {
                let plain = word.chars().all(|c| "rRuU".contains(c));
                let (token, next, lines) = read_string(&chars, i, line, plain);
                logical.tokens.push(Token::Str(token));
                line += lines;
                if lines > 0 {
                    line_start = chars[..next]
                        .iter()
                        .rposition(|&c| c == '\n')
                        .map_or(0, |p| p + 1);
                }
                i = next;
            } else {
                logical.tokens.push(Token::Name(word));
            }
        } else if c.is_ascii_digit() {
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '.' || chars[i] == '_')
            {
                i += 1;
            }
            logical.tokens.push(Token::Other);
        } else {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            }
            logical.tokens.push(Token::Op(c));
            i += 1;
        }
    }
    out.extend(current);
    out
}

/// Read the string literal whose opening quote is at `at`. Returns the token, the index
/// after it and how many newlines it spans.
fn read_string(chars: &[char], at: usize, line: u32, plain: bool) -> (StringToken, usize, u32) {
    let quote = chars[at];
    let triple = chars.get(at + 1) == Some(&quote) && chars.get(at + 2) == Some(&quote);
    let mut i = at + if triple { 3 } else { 1 };
    let body_start = i;
    let mut newlines = 0;
    let body_end;
    loop {
        match chars.get(i) {
            None => {
                body_end = chars.len();
                break;
            }
            Some('\\') => {
                if chars.get(i + 1) == Some(&'\n') {
                    newlines += 1;
                }
                i += 2;
            }
            Some('\n') if !triple => {
                // Unterminated single-quoted string: stop at the line end.
                body_end = i;
                break;
            }
            Some('\n') => {
                newlines += 1;
                i += 1;
            }
            Some(&c) if c == quote => {
                if !triple {
                    body_end = i;
                    i += 1;
                    break;
                }
                if chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote) {
                    body_end = i;
                    i += 3;
                    break;
                }
                i += 1;
            }
            Some(_) => i += 1,
        }
    }
    let body: String = chars[body_start..body_end.min(chars.len())]
        .iter()
        .collect();
    (
        StringToken {
            start_line: line,
            end_line: line + newlines,
            body,
            is_docstring_kind: plain,
        },
        i.min(chars.len()),
        newlines,
    )
}
