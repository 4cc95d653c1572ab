//! Python definitions found from logical lines and indentation alone, without a parse
//! tree: the same items the tree-sitter chunker finds (functions, methods, classes,
//! decorated ones from their first decorator, long module-level assignments, each with the
//! comments directly above it), some twenty times faster than a parse.
//!
//! Only what the tree-sitter chunker searches is searched: the module, class bodies and
//! function bodies, not the blocks of `if`, `try` or `with`. Where tree-sitter's grammar
//! would see an error (an unexpected indent or dedent, a block header without a block) or
//! the lines leave a doubt, this returns `None` and the file goes to tree-sitter, so that
//! both agree on every file this decides.

use super::lines::LineTable;
use super::python_lines::{self, Head, Logical, Undecided};
use super::syntax::{MAX_NESTING, MAX_PARSE_BYTES, MINOR_DEFINITION_MIN_LINES};
use super::units::{bound_symbol, Item};
use super::ChunkKind;

/// More nested blocks than this are left to tree-sitter (Python itself allows 100), so
/// that hostile input cannot exhaust the stack.
const MAX_BLOCK_DEPTH: usize = 100;

/// The definitions in `lines`, or `None` when tree-sitter must decide. An empty list is
/// `None` too: only a parse tells whether a file without definitions is Python at all.
pub(super) fn items(lines: &LineTable) -> Option<Vec<Item>> {
    if lines.text().len() > MAX_PARSE_BYTES {
        return None;
    }
    let lexed = python_lines::lex(lines.text())?;
    let mut finder = Finder {
        code: &lexed.code,
        comment_indent: &lexed.comment_indent,
        at: 0,
        open_blocks: 0,
    };
    let module = Scope {
        prefix: String::new(),
        in_type: false,
        in_function: false,
    };
    let items = finder.block(0, Some(&module), 0, 0).ok()?;
    if finder.at < finder.code.len() || items.is_empty() {
        return None;
    }
    Some(items)
}

/// Where definitions are being looked for.
struct Scope {
    /// Prepended to names defined here: `Config.` in a class, `outer.` in a function.
    prefix: String,
    /// Functions here are methods.
    in_type: bool,
    /// A function's body: assignments here are never chunks of their own.
    in_function: bool,
}

struct Finder<'a, 'text> {
    code: &'a [Logical<'text>],
    comment_indent: &'a [Option<u32>],
    /// The next logical line to read.
    at: usize,
    /// Blocks being read, the module's included.
    open_blocks: usize,
}

impl Finder<'_, '_> {
    /// Reads the statements of a block indented by `indent`, up to the first line indented
    /// less, and returns the definitions `scope` keeps (none when `scope` is `None`: the
    /// block of an `if`, or nesting too deep). Comments from line `siblings_from` on may
    /// lead the first statement (at the top of the module; after a block header they
    /// belong to the header).
    fn block(
        &mut self,
        indent: u32,
        scope: Option<&Scope>,
        depth: usize,
        mut siblings_from: usize,
    ) -> Result<Vec<Item>, Undecided> {
        let scope = scope.filter(|_| depth <= MAX_NESTING);
        let mut items = Vec::new();
        while let Some(&line) = self.code.get(self.at) {
            if line.indent < indent {
                break;
            }
            if line.indent > indent {
                return Err(Undecided);
            }
            let start = self.leading_start(line.first, siblings_from);
            let statement = match line.head {
                Head::Decorator | Head::Def(_) | Head::Class(_) => {
                    self.definition(indent, scope, depth, start)?
                }
                Head::Assign(name) => {
                    self.at += 1;
                    let statement = self.body(&line, None, 0)?;
                    if let Some(scope) = scope {
                        let long = line.last + 1 - line.first >= MINOR_DEFINITION_MIN_LINES;
                        let module_level = scope.prefix.is_empty() && !scope.in_function;
                        if module_level && long && line.semicolon {
                            // `a = 1; b = [...]`: which statement spans which lines is
                            // for a parser to say.
                            return Err(Undecided);
                        }
                        if module_level && long {
                            items.push(Item {
                                start,
                                end: line.last + 1,
                                kind: ChunkKind::Module,
                                symbol: Some(bounded(name)),
                                members: Vec::new(),
                                whole: false,
                            });
                        }
                    }
                    statement
                }
                Head::Other => {
                    self.at += 1;
                    self.body(&line, None, 0)?
                }
            };
            items.extend(statement.item);
            siblings_from = statement.siblings_from;
        }
        Ok(items)
    }

    /// Reads the block `header` opens, if it opens one, with its definitions found in
    /// `scope`.
    fn body(
        &mut self,
        header: &Logical,
        scope: Option<&Scope>,
        depth: usize,
    ) -> Result<Statement, Undecided> {
        let mut statement = Statement {
            item: None,
            members: Vec::new(),
            end: header.last + 1,
            siblings_from: header.last + 1,
        };
        if !header.opens_block {
            return Ok(statement);
        }
        let body_indent = match self.code.get(self.at) {
            Some(next) if next.indent > header.indent => next.indent,
            _ => return Err(Undecided),
        };
        let body_first = self.code[self.at].first;
        if self.open_blocks >= MAX_BLOCK_DEPTH {
            return Err(Undecided);
        }
        self.open_blocks += 1;
        statement.members = self.block(body_indent, scope, depth, body_first)?;
        self.open_blocks -= 1;
        let last = self.code[self.at - 1].last;
        let next = self.code.get(self.at).map_or(usize::MAX, |line| line.first);
        let (end, siblings_from) = self.closing_comments(last + 1, next, body_indent);
        statement.end = end;
        statement.siblings_from = siblings_from;
        Ok(statement)
    }

    /// Which of the comment lines from `from` up to `next` (the next statement's line)
    /// still belong to a block indented by `indent` that ends there: those before the
    /// first comment indented less, as tree-sitter's grammar closes a block at such a
    /// comment. Returns the block's end with them and the line where the rest begin.
    fn closing_comments(&self, from: usize, next: usize, indent: u32) -> (usize, usize) {
        let mut end = from;
        let stop = next.min(self.comment_indent.len());
        for line in from..stop {
            match self.comment_indent[line] {
                Some(comment) if comment < indent => return (end, line),
                Some(_) => end = line + 1,
                None => {}
            }
        }
        (end, end)
    }

    /// Reads a definition (its decorators, header and body) at the current line; `start`
    /// is where its leading comments begin.
    fn definition(
        &mut self,
        indent: u32,
        scope: Option<&Scope>,
        depth: usize,
        start: usize,
    ) -> Result<Statement, Undecided> {
        while let Some(line) = self.code.get(self.at) {
            if line.head != Head::Decorator {
                break;
            }
            if line.indent != indent || line.opens_block {
                return Err(Undecided);
            }
            self.at += 1;
        }
        let header = *self.code.get(self.at).ok_or(Undecided)?;
        if header.indent != indent {
            return Err(Undecided);
        }
        let (name, is_class) = match header.head {
            Head::Def(name) => (name, false),
            Head::Class(name) => (name, true),
            _ => return Err(Undecided),
        };
        self.at += 1;
        let name = bounded(name);
        let inner = scope.map(|scope| Scope {
            prefix: format!("{}{name}.", scope.prefix),
            in_type: is_class,
            in_function: !is_class,
        });
        let mut statement = self.body(&header, inner.as_ref(), depth + 1)?;
        let Some(scope) = scope else {
            return Ok(statement);
        };
        let kind = match (is_class, scope.in_type) {
            (true, _) => ChunkKind::Class,
            (false, true) => ChunkKind::Method,
            (false, false) => ChunkKind::Function,
        };
        let end = statement.end;
        statement.item = Some(Item {
            start,
            end,
            kind,
            symbol: Some(format!("{}{name}", scope.prefix)),
            members: std::mem::take(&mut statement.members)
                .into_iter()
                .filter(|member| member.start >= start && member.end <= end)
                .collect(),
            // A function is cited whole beside the functions it defines.
            whole: !is_class,
        });
        Ok(statement)
    }

    /// The first line of the comment lines directly above `line` (no blank line between)
    /// from `siblings_from` on, or `line` itself.
    fn leading_start(&self, line: usize, siblings_from: usize) -> usize {
        let mut start = line;
        while start > siblings_from
            && self
                .comment_indent
                .get(start - 1)
                .is_some_and(|indent| indent.is_some())
        {
            start -= 1;
        }
        start
    }
}

/// One statement read: the definition it makes, if any, and its extent.
struct Statement {
    item: Option<Item>,
    /// Definitions in its block, before they join `item`.
    members: Vec<Item>,
    /// Exclusive end line, comments its block keeps included.
    end: usize,
    /// The first line after it whose comments lead the next statement.
    siblings_from: usize,
}

fn bounded(name: &str) -> String {
    let mut name = name.to_string();
    bound_symbol(&mut name);
    name
}
