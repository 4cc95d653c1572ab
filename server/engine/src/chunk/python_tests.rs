//! Tests of the Python line scanner: the chunks expected on its tricky cases, that it
//! decides them rather than leaving them to tree-sitter, and that wherever it decides it
//! cuts exactly as the tree-sitter chunker does, on those cases and on generated programs.

use super::lines::LineTable;
use super::*;

type Row = (u32, u32, ChunkKind, Option<&'static str>);

fn rows(chunks: Vec<ChunkSpan>) -> Vec<(u32, u32, ChunkKind, Option<String>)> {
    chunks
        .into_iter()
        .map(|chunk| (chunk.start_line, chunk.end_line, chunk.kind, chunk.symbol))
        .collect()
}

fn scanner_decides(text: &str) -> bool {
    python::items(&LineTable::new(text)).is_some()
}

/// The scanner decides `text`, cuts it into `expected`, and tree-sitter agrees.
fn assert_scanned(text: &str, expected: &[Row]) {
    assert!(scanner_decides(text), "left to tree-sitter:\n{text}");
    let expected: Vec<_> = expected
        .iter()
        .map(|&(start, end, kind, symbol)| (start, end, kind, symbol.map(str::to_string)))
        .collect();
    assert_eq!(rows(chunk_file(Language::Python, text)), expected, "{text}");
    assert_same_as_parse(text);
}

fn assert_same_as_parse(text: &str) {
    assert_eq!(
        chunk_file(Language::Python, text),
        chunk_file_parsed(Language::Python, text),
        "scanner and tree-sitter disagree on:\n{text}"
    );
}

use ChunkKind::{Class, Function, Method, Module};

#[test]
fn decorators_join_their_definition_with_the_comments_above() {
    assert_scanned(
        "import functools\n\
         \n\
         # Caches the answer.\n\
         @functools.cache\n\
         # between decorators\n\
         @other(\n    key=1,\n)\n\
         def cached(x):\n    return x\n",
        &[(0, 1, Module, None), (2, 10, Function, Some("cached"))],
    );
}

#[test]
fn nested_classes_and_functions_are_named_by_their_containers() {
    assert_scanned(
        "class Outer:\n\
         \x20   class Inner:\n\
         \x20       def method(self):\n\
         \x20           def helper():\n\
         \x20               return 1\n\
         \x20           return helper()\n\
         \n\
         \x20   def other(self):\n\
         \x20       pass\n",
        &[
            (0, 9, Class, Some("Outer")),
            (1, 6, Class, Some("Outer.Inner")),
            (2, 6, Method, Some("Outer.Inner.method")),
            (3, 5, Function, Some("Outer.Inner.method.helper")),
            (7, 9, Method, Some("Outer.other")),
        ],
    );
}

#[test]
fn definitions_inside_strings_are_not_definitions() {
    assert_scanned(
        "def real():\n\
         \x20   \"\"\"Looks like code:\n\
         \n\
         def fake():\n\
         \x20   class Fake:\n\
         \"\"\"\n\
         \x20   s = '''\n\
         class AlsoFake: ''' + \"# not a comment\"\n\
         \x20   return r'\\'' + f\"{d['def x']}\" + f'{value:{width}}'\n\
         \n\
         class After:\n\
         \x20   pass\n",
        &[
            (0, 9, Function, Some("real")),
            (10, 12, Class, Some("After")),
        ],
    );
}

#[test]
fn continuations_and_brackets_belong_to_their_statement() {
    assert_scanned(
        "def f(a,\n\
         \x20     b):\n\
         \x20   total = a + \\\n\
         b\n\
         \x20   return [\n\
         1,\n\
         \x20       # a comment inside brackets\n\
         ]\n\
         \n\
         def g(): return 2\n",
        &[(0, 8, Function, Some("f")), (9, 10, Function, Some("g"))],
    );
}

#[test]
fn async_functions_and_methods_are_found() {
    assert_scanned(
        "async def fetch(url):\n\
         \x20   async with session() as s:\n\
         \x20       return await s.get(url)\n\
         \n\
         class Client:\n\
         \x20   async def close(self):\n\
         \x20       pass\n",
        &[
            (0, 3, Function, Some("fetch")),
            (4, 7, Class, Some("Client")),
            (5, 7, Method, Some("Client.close")),
        ],
    );
}

#[test]
fn unicode_names_and_text_keep_their_lines() {
    assert_scanned(
        "# Grüße\n\
         def grüße(名前):\n\
         \x20   \"\"\"Sagt 'hallo' — 日本語 🎉\"\"\"\n\
         \x20   return f\"Hallo {名前}\"\n\
         \n\
         class Ünïcödé:\n\
         \x20   ω = 1\n",
        &[
            (0, 4, Function, Some("grüße")),
            (5, 7, Class, Some("Ünïcödé")),
        ],
    );
}

#[test]
fn comments_after_a_block_stay_with_it_while_indented_as_deep() {
    // Tree-sitter's grammar ends a block at the first comment indented less than it;
    // comments before that point are the block's, those after lead what follows.
    assert_scanned(
        "class A:\n\
         \x20   def f(self):\n\
         \x20       pass\n\
         \x20       # still f\n\
         \x20   # about g\n\
         # about g too\n\
         \x20   def g(self):\n\
         \x20       pass\n\
         \n\
         \x20       # still g, after a blank line\n\
         # after everything\n\
         x = 1\n",
        &[
            (0, 10, Class, Some("A")),
            (1, 4, Method, Some("A.f")),
            (4, 10, Method, Some("A.g")),
            (10, 12, Module, None),
        ],
    );
}

#[test]
fn a_comment_right_after_a_header_does_not_lead_the_first_member() {
    assert_scanned(
        "class A:\n\
         \x20   # belongs to the class line\n\
         \x20   def f(self):\n\
         \x20       pass\n",
        &[(0, 4, Class, Some("A")), (2, 4, Method, Some("A.f"))],
    );
}

#[test]
fn long_module_assignments_stand_alone_and_short_ones_do_not() {
    assert_scanned(
        "SHORT = 1\n\
         TABLE: dict = {\n\
         \x20   'a': 1,\n\
         \x20   'b': 2,\n\
         }\n\
         def f():\n\
         \x20   LOCAL = [\n\
         \x20       1,\n\
         \x20   ]\n",
        &[
            (0, 1, Module, None),
            (1, 5, Module, Some("TABLE")),
            (5, 9, Function, Some("f")),
        ],
    );
}

#[test]
fn definitions_in_conditional_blocks_are_left_to_their_surroundings() {
    assert_scanned(
        "def top():\n    pass\n\
         if TYPE_CHECKING:\n\
         \x20   def hidden():\n\
         \x20       pass\n\
         else:\n\
         \x20   class Hidden:\n\
         \x20       pass\n",
        &[(0, 2, Function, Some("top")), (2, 8, Module, None)],
    );
}

#[test]
fn what_the_scanner_cannot_decide_goes_to_tree_sitter() {
    let undecided = [
        // An indent where no block opened.
        "def f():\n    pass\n        x = 1\n",
        // A block header without its block.
        "def f():\ndef g():\n    pass\n",
        // A dedent to a column no block started at.
        "class A:\n    def f(self):\n        pass\n  def g(self):\n        pass\n",
        // Unterminated string and brackets.
        "def f():\n    return 'open\n",
        "def f():\n    return (1,\n",
        // Form feed, lone carriage return.
        "def f():\n\x0c    pass\n",
        "def f():\r    pass\n",
        // A backslash continuation into a comment line.
        "def f():\n    x = 1 + \\\n    # no\n",
        // No definitions: only a parse tells Python from something else.
        "x = 1\nprint(x)\n",
    ];
    for text in undecided {
        assert!(!scanner_decides(text), "decided:\n{text}");
        assert_well_formed_python(text);
    }
}

#[test]
fn nesting_deeper_than_python_allows_is_left_to_tree_sitter() {
    let mut text = String::new();
    for depth in 0..150 {
        text.push_str(&" ".repeat(depth));
        text.push_str("if x:\n");
    }
    text.push_str(&" ".repeat(150));
    text.push_str("def f():\n");
    text.push_str(&" ".repeat(151));
    text.push_str("pass\n");
    assert!(!scanner_decides(&text));
    let shallow = "def f():\n    if x:\n        if y:\n            pass\n";
    assert!(scanner_decides(shallow));
}

fn assert_well_formed_python(text: &str) {
    let chunks = chunk_file(Language::Python, text);
    let line_count = text.split_inclusive('\n').count() as u32;
    assert!(chunks.iter().all(|chunk| chunk.end_line <= line_count));
}

/// A small deterministic generator (xorshift) of mostly valid Python.
struct Programs {
    state: u64,
}

impl Programs {
    fn below(&mut self, bound: usize) -> usize {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        (self.state % bound as u64) as usize
    }

    fn program(&mut self) -> String {
        let mut out = String::new();
        // Indentation of the open blocks, innermost last.
        let mut open: Vec<usize> = vec![0];
        let mut needs_body = false;
        let statements = 5 + self.below(40);
        for _ in 0..statements {
            let indent = if needs_body {
                let deeper = open.last().copied().unwrap_or(0) + [2, 4, 4, 8][self.below(4)];
                open.push(deeper);
                deeper
            } else {
                // Close some blocks.
                let keep = 1 + self.below(open.len());
                open.truncate(keep);
                open.last().copied().unwrap_or(0)
            };
            let pad = " ".repeat(indent);
            needs_body = false;
            for _ in 0..self.below(3).saturating_sub(1) {
                let column = self.below(indent + 9);
                out.push_str(&format!(
                    "{}# comment {}\n",
                    " ".repeat(column),
                    self.below(9)
                ));
            }
            if self.below(4) == 0 {
                out.push('\n');
            }
            let name = ["alpha", "beta", "größe", "_hidden", "run2"][self.below(5)];
            match self.below(16) {
                0..=2 => {
                    let keyword = ["def", "async def"][self.below(2)];
                    out.push_str(&format!("{pad}{keyword} {name}(self, x=1):\n"));
                    needs_body = true;
                }
                3 | 4 => {
                    out.push_str(&format!("{pad}class {name}(Base):\n"));
                    needs_body = true;
                }
                5 => {
                    out.push_str(&format!("{pad}@decorator(\n{pad}    'arg',\n{pad})\n"));
                    out.push_str(&format!("{pad}# between\n{pad}def {name}():\n"));
                    needs_body = true;
                }
                6 => {
                    out.push_str(&format!("{pad}if {name}:\n"));
                    needs_body = true;
                }
                7 => out.push_str(&format!(
                    "{pad}\"\"\"Doc.\n\ndef not_real():\n  '''\"\"\"\n"
                )),
                8 => out.push_str(&format!("{pad}{name} = [\n{pad}    1,  # one\n\n{pad}]\n")),
                9 => out.push_str(&format!("{pad}total = 1 + \\\n    2\n")),
                10 => out.push_str(&format!("{pad}s = f\"{{d['#']}}\" + '\"' + r'\\''\n")),
                11 => out.push_str(&format!("{pad}def {name}(): return 0  # one line\n")),
                12 => out.push_str(&format!("{pad}x = 1; y = 2\n")),
                _ => out.push_str(&format!("{pad}call({name}, 'def x():')\n")),
            }
        }
        if needs_body {
            let deeper = open.last().copied().unwrap_or(0) + 4;
            out.push_str(&format!("{}pass\n", " ".repeat(deeper)));
        }
        if self.below(3) == 0 {
            out.push_str(&format!("{}# trailing\n", " ".repeat(self.below(12))));
        }
        out
    }
}

#[test]
fn generated_programs_are_cut_as_tree_sitter_cuts_them() {
    let mut programs = Programs {
        state: 0x9e37_79b9_7f4a_7c15,
    };
    let mut decided = 0;
    let total = 3_000;
    for _ in 0..total {
        let text = programs.program();
        if scanner_decides(&text) {
            decided += 1;
            assert_same_as_parse(&text);
        }
    }
    // Most of them are valid Python, which the scanner should decide.
    assert!(decided * 2 > total, "decided only {decided} of {total}");
}
