//! Python source as logical lines: one statement line each, with its physical lines joined
//! across brackets, strings (triple-quoted, f-strings with nested quotes) and backslash
//! continuations, its indentation, how it begins (`def`, `class`, a decorator, an
//! assignment) and whether it opens a block. Comment-only lines are recorded apart.
//!
//! Indentation is counted as tree-sitter's Python grammar counts it (a tab is eight
//! columns), since its parse is what this must agree with. Whatever this cannot decide
//! for certain (form feeds, lone carriage returns, unterminated strings, unbalanced
//! brackets) makes `lex` return `None`, and the caller parses the file with tree-sitter.

/// Deeper f-string nesting than this is left to tree-sitter.
const MAX_INTERPOLATION_DEPTH: usize = 32;

/// How a logical line begins, as far as finding definitions cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Head<'a> {
    Other,
    /// `@decorator`.
    Decorator,
    /// `def name` or `async def name`.
    Def(&'a str),
    /// `class name`.
    Class(&'a str),
    /// `name = ...` or `name: type ...`.
    Assign(&'a str),
}

/// One statement line.
#[derive(Clone, Copy, Debug)]
pub(super) struct Logical<'a> {
    /// First physical line (0-based).
    pub(super) first: usize,
    /// Last physical line holding part of the statement (inclusive), trailing comments
    /// aside.
    pub(super) last: usize,
    /// Columns before the first token, a tab counting eight.
    pub(super) indent: u32,
    /// Ends with `:` outside brackets: an indented block follows.
    pub(super) opens_block: bool,
    /// Holds a `;` outside brackets: several statements share the line.
    pub(super) semicolon: bool,
    pub(super) head: Head<'a>,
}

/// A file's statement lines, and the indentation of every comment-only line (`None` for
/// other lines).
pub(super) struct Lexed<'a> {
    pub(super) code: Vec<Logical<'a>>,
    pub(super) comment_indent: Vec<Option<u32>>,
}

/// The file cannot be decided here; tree-sitter must parse it.
#[derive(Debug)]
pub(super) struct Undecided;

/// Splits `text` into logical lines, or `None` when it holds something this lexer does not
/// decide for certain.
pub(super) fn lex(text: &str) -> Option<Lexed<'_>> {
    let bytes = text.as_bytes();
    // Form feeds reset indentation, and a carriage return alone ends a line for some
    // readers and not others; a byte-order mark or NUL is unusual enough to leave alone.
    let odd_carriage_return =
        memchr::memchr_iter(b'\r', bytes).any(|at| bytes.get(at + 1) != Some(&b'\n'));
    if odd_carriage_return
        || memchr::memchr2(b'\x0c', b'\0', bytes).is_some()
        || text.starts_with('\u{feff}')
    {
        return None;
    }
    let mut lexer = Lexer {
        text,
        bytes,
        at: 0,
        line: 0,
    };
    let mut code = Vec::with_capacity(bytes.len() / 40);
    let mut comment_indent = Vec::with_capacity(bytes.len() / 30);
    lexer.lines(&mut code, &mut comment_indent).ok()?;
    Some(Lexed {
        code,
        comment_indent,
    })
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    line: usize,
}

/// What the code scanner stops at.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Until {
    /// The end of the logical line.
    LineEnd,
    /// The `}` closing an f-string replacement field.
    FieldEnd,
}

/// What a stretch of code ended with.
#[derive(Default)]
struct CodeEnd {
    last_line: usize,
    last_byte: u8,
    semicolon: bool,
}

fn is_identifier_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

fn is_string_prefix(word: &[u8]) -> bool {
    word.len() <= 2 && word.iter().all(|byte| b"rRbBuUfFtT".contains(byte))
}

/// Keywords that may stand right before a `:` without being an annotated name.
fn is_block_keyword(word: &str) -> bool {
    matches!(word, "else" | "try" | "finally" | "except" | "lambda")
}

impl<'a> Lexer<'a> {
    fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    fn lines(
        &mut self,
        code: &mut Vec<Logical<'a>>,
        comment_indent: &mut Vec<Option<u32>>,
    ) -> Result<(), Undecided> {
        while self.at < self.bytes.len() {
            let mut indent = 0u32;
            let mut at = self.at;
            loop {
                match self.byte(at) {
                    Some(b' ') => indent = indent.saturating_add(1),
                    Some(b'\t') => indent = indent.saturating_add(8),
                    _ => break,
                }
                at += 1;
            }
            match self.byte(at) {
                None => break,
                Some(b'\n') | Some(b'\r') => self.skip_line(at),
                Some(b'#') => {
                    comment_indent.resize(self.line, None);
                    comment_indent.push(Some(indent));
                    self.skip_line(at);
                }
                Some(b'\\') => return Err(Undecided),
                Some(_) => {
                    let first = self.line;
                    let head = self.head(at)?;
                    self.at = at;
                    let end = self.code(Until::LineEnd, 0)?;
                    code.push(Logical {
                        first,
                        last: end.last_line,
                        indent,
                        opens_block: end.last_byte == b':',
                        semicolon: end.semicolon,
                        head,
                    });
                }
            }
        }
        Ok(())
    }

    /// Moves past the end of the physical line that `at` is on.
    fn skip_line(&mut self, at: usize) {
        match memchr::memchr(b'\n', &self.bytes[at..]) {
            Some(offset) => {
                self.at = at + offset + 1;
                self.line += 1;
            }
            None => self.at = self.bytes.len(),
        }
    }

    fn identifier_at(&self, at: usize) -> (&'a str, usize) {
        let mut end = at;
        while self.byte(end).is_some_and(is_identifier_byte) {
            end += 1;
        }
        // Identifier bytes stop at an ASCII byte or the end, so `end` is a char boundary.
        (self.text.get(at..end).unwrap_or(""), end)
    }

    fn skip_blanks(&self, mut at: usize) -> usize {
        while matches!(self.byte(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        at
    }

    /// A definition's name after its keyword; a keyword without one is not for this lexer.
    fn name_after(&self, keyword_end: usize) -> Result<&'a str, Undecided> {
        let at = self.skip_blanks(keyword_end);
        if at == keyword_end {
            return Err(Undecided);
        }
        let (name, _) = self.identifier_at(at);
        if name.is_empty() || name.as_bytes()[0].is_ascii_digit() {
            return Err(Undecided);
        }
        Ok(name)
    }

    fn head(&self, at: usize) -> Result<Head<'a>, Undecided> {
        if self.byte(at) == Some(b'@') {
            return Ok(Head::Decorator);
        }
        let (word, end) = self.identifier_at(at);
        let blank_after = matches!(self.byte(end), Some(b' ' | b'\t'));
        match word {
            "def" if blank_after => Ok(Head::Def(self.name_after(end)?)),
            "class" if blank_after => Ok(Head::Class(self.name_after(end)?)),
            "async" if blank_after => {
                let next = self.skip_blanks(end);
                let (second, second_end) = self.identifier_at(next);
                if second == "def" {
                    Ok(Head::Def(self.name_after(second_end)?))
                } else {
                    Ok(Head::Other)
                }
            }
            "" => Ok(Head::Other),
            _ if word.as_bytes()[0].is_ascii_digit() => Ok(Head::Other),
            _ => {
                let next = self.skip_blanks(end);
                let assigns = match self.byte(next) {
                    Some(b'=') => self.byte(next + 1) != Some(b'='),
                    Some(b':') => !is_block_keyword(word) && self.byte(next + 1) != Some(b'='),
                    _ => false,
                };
                Ok(if assigns {
                    Head::Assign(word)
                } else {
                    Head::Other
                })
            }
        }
    }

    /// Scans code from `self.at` to the end of the logical line or, inside an f-string,
    /// to the `}` closing the replacement field, which it consumes.
    fn code(&mut self, until: Until, nesting: usize) -> Result<CodeEnd, Undecided> {
        if nesting > MAX_INTERPOLATION_DEPTH {
            return Err(Undecided);
        }
        let mut depth = 0usize;
        let mut end = CodeEnd {
            last_line: self.line,
            ..CodeEnd::default()
        };
        // A backslash continuation must be followed by more of the statement.
        let mut continued = false;
        loop {
            let Some(byte) = self.byte(self.at) else {
                return if depth == 0 && until == Until::LineEnd && !continued {
                    Ok(end)
                } else {
                    Err(Undecided)
                };
            };
            match byte {
                b' ' | b'\t' | b'\r' => self.at += 1,
                b'\n' => {
                    self.at += 1;
                    self.line += 1;
                    if depth == 0 && until == Until::LineEnd {
                        return if continued { Err(Undecided) } else { Ok(end) };
                    }
                }
                b'#' => match memchr::memchr(b'\n', &self.bytes[self.at..]) {
                    Some(offset) => self.at += offset,
                    None => self.at = self.bytes.len(),
                },
                b'\\' => {
                    let after = if self.byte(self.at + 1) == Some(b'\r') {
                        self.at + 2
                    } else {
                        self.at + 1
                    };
                    if self.byte(after) != Some(b'\n') {
                        return Err(Undecided);
                    }
                    self.at = after + 1;
                    self.line += 1;
                    continued = true;
                    continue;
                }
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    self.at += 1;
                }
                b'}' if depth == 0 && until == Until::FieldEnd => {
                    self.at += 1;
                    return Ok(end);
                }
                b')' | b']' | b'}' => {
                    depth = depth.checked_sub(1).ok_or(Undecided)?;
                    self.at += 1;
                }
                b':' if depth == 0 && until == Until::FieldEnd => {
                    self.at += 1;
                    self.format_spec(nesting)?;
                    return Ok(end);
                }
                b'\'' | b'"' => self.string(false, nesting)?,
                _ if is_identifier_byte(byte) => {
                    let (word, word_end) = self.identifier_at(self.at);
                    let quoted = matches!(self.byte(word_end), Some(b'\'' | b'"'));
                    self.at = word_end;
                    if quoted && is_string_prefix(word.as_bytes()) {
                        let formatted = word.bytes().any(|b| b"fFtT".contains(&b));
                        self.string(formatted, nesting)?;
                    }
                }
                _ => self.at += 1,
            }
            if !matches!(byte, b' ' | b'\t' | b'\r' | b'\n' | b'#') {
                end.last_line = self.line;
                // A string's last byte is its quote, whatever `byte` was.
                end.last_byte = self.bytes[self.at - 1];
                if byte == b';' && depth == 0 {
                    end.semicolon = true;
                }
                continued = false;
            }
        }
    }

    /// Scans a string literal whose opening quote is at `self.at`.
    fn string(&mut self, formatted: bool, nesting: usize) -> Result<(), Undecided> {
        let quote = self.bytes[self.at];
        let triple = self.byte(self.at + 1) == Some(quote) && self.byte(self.at + 2) == Some(quote);
        self.at += if triple { 3 } else { 1 };
        loop {
            let Some(byte) = self.byte(self.at) else {
                return Err(Undecided);
            };
            match byte {
                b'\\' => {
                    // An escaped byte never ends the string, even in a raw string.
                    self.at += 1;
                    if self.byte(self.at) == Some(b'\r') && self.byte(self.at + 1) == Some(b'\n') {
                        self.at += 1;
                    }
                    match self.byte(self.at) {
                        Some(b'\n') => {
                            self.line += 1;
                            self.at += 1;
                        }
                        Some(_) => self.at += 1,
                        None => return Err(Undecided),
                    }
                }
                b'\n' if !triple => return Err(Undecided),
                b'\n' => {
                    self.line += 1;
                    self.at += 1;
                }
                _ if byte == quote => {
                    if !triple {
                        self.at += 1;
                        return Ok(());
                    }
                    if self.byte(self.at + 1) == Some(quote)
                        && self.byte(self.at + 2) == Some(quote)
                    {
                        self.at += 3;
                        return Ok(());
                    }
                    self.at += 1;
                }
                b'{' if formatted => {
                    if self.byte(self.at + 1) == Some(b'{') {
                        self.at += 2;
                    } else {
                        self.at += 1;
                        self.code(Until::FieldEnd, nesting + 1)?;
                    }
                }
                _ => self.at += 1,
            }
        }
    }

    /// Scans an f-string format spec after its `:`, nested fields included, through the
    /// `}` that closes the field.
    fn format_spec(&mut self, nesting: usize) -> Result<(), Undecided> {
        loop {
            match self.byte(self.at) {
                None | Some(b'\'' | b'"') => return Err(Undecided),
                Some(b'}') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'{') => {
                    self.at += 1;
                    self.code(Until::FieldEnd, nesting + 1)?;
                }
                Some(b'\n') => {
                    self.line += 1;
                    self.at += 1;
                }
                Some(_) => self.at += 1,
            }
        }
    }
}
