//! Chunker tests: a fixture per language with the exact chunks expected, the container
//! and window rules, fallbacks, and the coverage guarantees over hostile input.

use super::*;

type Row = (u32, u32, ChunkKind, Option<&'static str>);

fn rows(language: Language, text: &str) -> Vec<(u32, u32, ChunkKind, Option<String>)> {
    chunk_file(language, text)
        .into_iter()
        .map(|chunk| (chunk.start_line, chunk.end_line, chunk.kind, chunk.symbol))
        .collect()
}

fn assert_chunks(language: Language, text: &str, expected: &[Row]) {
    let expected: Vec<_> = expected
        .iter()
        .map(|&(start, end, kind, symbol)| (start, end, kind, symbol.map(str::to_string)))
        .collect();
    assert_eq!(rows(language, text), expected);
    assert_well_formed(language, text);
}

/// Line start offsets computed independently of the chunker.
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    for line in text.split_inclusive('\n') {
        starts.push(starts[starts.len() - 1] + line.len());
    }
    starts
}

/// The guarantees every result must keep, whatever the input: sorted, non-empty line
/// ranges inside the file, byte ranges at the matching line starts, and every non-blank
/// line inside some chunk.
fn assert_well_formed(language: Language, text: &str) -> Vec<ChunkSpan> {
    let chunks = chunk_file(language, text);
    let starts = line_starts(text);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut covered = vec![false; lines.len()];
    for pair in chunks.windows(2) {
        assert!(
            (pair[0].start_line, pair[0].end_line) <= (pair[1].start_line, pair[1].end_line),
            "{language:?}: chunks out of order: {:?}",
            pair
        );
    }
    for chunk in &chunks {
        let (start, end) = (chunk.start_line as usize, chunk.end_line as usize);
        assert!(
            start < end && end <= lines.len(),
            "{language:?}: bad range {chunk:?}"
        );
        assert_eq!(chunk.start_byte, starts[start], "{language:?}: {chunk:?}");
        assert_eq!(chunk.end_byte, starts[end], "{language:?}: {chunk:?}");
        assert!(text.get(chunk.start_byte..chunk.end_byte).is_some());
        covered[start..end].iter_mut().for_each(|line| *line = true);
    }
    for (number, line) in lines.iter().enumerate() {
        assert!(
            covered[number] || line.trim().is_empty(),
            "{language:?}: line {number} not covered: {line:?}"
        );
    }
    chunks
}

const RUST: &str = r#"//! Configuration loading for the server.

use std::fmt;
use std::path::{Path, PathBuf};

/// Settings read from `ail.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    pub root: PathBuf,
    pub max_file_bytes: u64,
}

impl Config {
    /// Reads the settings file under `root`.
    pub fn load(root: &Path) -> Config {
        Config {
            root: root.to_path_buf(),
            max_file_bytes: 1 << 20,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.root.display())
    }
}

pub trait Source {
    fn read(&self, path: &Path) -> Option<String>;

    fn exists(&self, path: &Path) -> bool {
        self.read(path).is_some()
    }
}

pub enum Mode {
    Fast,
    Thorough,
}

// Walks up from `start` looking for a settings file.
fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("ail.toml").exists())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_keeps_root() {
        assert_eq!(Config::load(Path::new("/x")).root, PathBuf::from("/x"));
    }
}
"#;

#[test]
fn rust_fixture_cuts_at_items_with_qualified_methods() {
    use ChunkKind::*;
    assert_chunks(
        Language::Rust,
        RUST,
        &[
            (0, 4, Module, None),
            (5, 11, Struct, Some("Config")),
            (12, 25, Impl, Some("impl Config")),
            (13, 20, Method, Some("Config::load")),
            (21, 24, Method, Some("Config::root")),
            (26, 31, Impl, Some("impl fmt::Display for Config")),
            (27, 30, Method, Some("Config::fmt")),
            (32, 39, Trait, Some("Source")),
            (33, 34, Method, Some("Source::read")),
            (35, 38, Method, Some("Source::exists")),
            (40, 44, Enum, Some("Mode")),
            (45, 52, Function, Some("find_root")),
            (53, 62, Module, Some("tests")),
            (57, 61, Function, Some("tests::load_keeps_root")),
        ],
    );
}

const PYTHON: &str = r#""""Command-line entry point for the indexer."""

import argparse
import sys

DEFAULTS = {
    "limit": 10,
    "scope": "workspace",
}


# Parsed options, shared by every subcommand.
@dataclass
class Options:
    """What the user asked for."""

    limit: int = 10

    @classmethod
    def from_args(cls, args):
        return cls(limit=args.limit)

    def describe(self):
        # One line for the status bar.
        return f"limit={self.limit}"


def parse_args(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int)
    return parser.parse_args(argv)


async def main():
    options = Options.from_args(parse_args(sys.argv[1:]))
    print(options.describe())


if __name__ == "__main__":
    main()
"#;

#[test]
fn python_fixture_keeps_decorators_and_comments_with_definitions() {
    use ChunkKind::*;
    assert_chunks(
        Language::Python,
        PYTHON,
        &[
            (0, 4, Module, None),
            (5, 9, Module, Some("DEFAULTS")),
            (11, 25, Class, Some("Options")),
            (18, 21, Method, Some("Options.from_args")),
            (22, 25, Method, Some("Options.describe")),
            (27, 31, Function, Some("parse_args")),
            (33, 36, Function, Some("main")),
            (38, 40, Module, None),
        ],
    );
}

const GO: &str = r#"// Package store keeps indexed chunks on disk.
package store

import (
	"errors"
	"os"
)

var ErrClosed = errors.New("store closed")

// Store is an append-only chunk file.
type Store struct {
	file *os.File
	size int64
}

// Reader is anything that can hand back a chunk.
type Reader interface {
	Read(id int) ([]byte, error)
}

// Open creates or opens the store at path.
func Open(path string) (*Store, error) {
	file, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return &Store{file: file}, nil
}

// Size reports the bytes written so far.
func (s *Store) Size() int64 {
	return s.size
}

func (s Store) Close() error {
	return s.file.Close()
}

type (
	// Offset is a byte position in the file.
	Offset int64

	// Entry is one stored chunk.
	Entry struct {
		At   Offset
		Size int
	}
)
"#;

#[test]
fn go_fixture_names_methods_by_receiver_type() {
    use ChunkKind::*;
    assert_chunks(
        Language::Go,
        GO,
        &[
            (0, 9, Module, None),
            (10, 15, Struct, Some("Store")),
            (16, 20, Interface, Some("Reader")),
            (21, 29, Function, Some("Open")),
            (30, 34, Method, Some("Store.Size")),
            (35, 38, Method, Some("Store.Close")),
            // A one-line named type in a group stays with the group's other lines.
            (39, 42, Module, None),
            (43, 49, Struct, Some("Entry")),
        ],
    );
}

const JAVASCRIPT: &str = r#"import path from "node:path";
import { readFile } from "node:fs/promises";

/**
 * Splits argv into flags and positional arguments.
 */
const parseArgs = (argv) => {
  const flags = {};
  const rest = [];
  for (const arg of argv) {
    if (arg.startsWith("--")) flags[arg.slice(2)] = true;
    else rest.push(arg);
  }
  return { flags, rest };
};

export class Client {
  constructor(root) {
    this.root = root;
  }

  async read(name) {
    return readFile(path.join(this.root, name), "utf8");
  }

  onClose = () => {
    this.closed = true;
  };
}

export function main(argv) {
  const { rest } = parseArgs(argv);
  return new Client(rest[0] ?? ".");
}

export const Memo = memo((props) => {
  return props.children;
});

main(process.argv.slice(2));
"#;

#[test]
fn javascript_fixture_names_arrow_functions_and_class_members() {
    use ChunkKind::*;
    assert_chunks(
        Language::JavaScript,
        JAVASCRIPT,
        &[
            (0, 2, Module, None),
            (3, 15, Function, Some("parseArgs")),
            (16, 29, Class, Some("Client")),
            (17, 20, Method, Some("Client.constructor")),
            (21, 24, Method, Some("Client.read")),
            (25, 28, Method, Some("Client.onClose")),
            (30, 34, Function, Some("main")),
            (35, 38, Function, Some("Memo")),
            (39, 40, Module, None),
        ],
    );
}

const TYPESCRIPT: &str = r#"import { EventEmitter } from "events";

export interface CitationRange {
  path: string;
  startLine: number;
  endLine: number;
}

export type Scope =
  | { kind: "workspace" }
  | { kind: "file"; path: string };

export type Id = string;

export enum Confidence {
  Low,
  High,
}

@injectable()
export class ContextClient extends EventEmitter {
  private pending = 0;

  /** Asks the server for ranked context. */
  async ask(question: string, scope: Scope): Promise<CitationRange[]> {
    this.pending += 1;
    return [];
  }

  get busy(): boolean {
    return this.pending > 0;
  }
}

export default function createClient(): ContextClient {
  return new ContextClient();
}

export const formatRange = (range: CitationRange): string =>
  `${range.path}:${range.startLine + 1}-${range.endLine}`;

namespace Wire {
  export function encode(range: CitationRange): string {
    return JSON.stringify(range);
  }
}
"#;

#[test]
fn typescript_fixture_covers_interfaces_types_enums_and_decorated_classes() {
    use ChunkKind::*;
    assert_chunks(
        Language::TypeScript,
        TYPESCRIPT,
        &[
            (0, 1, Module, None),
            (2, 7, Interface, Some("CitationRange")),
            (8, 11, Interface, Some("Scope")),
            (12, 13, Module, None),
            (14, 18, Enum, Some("Confidence")),
            (19, 33, Class, Some("ContextClient")),
            (23, 28, Method, Some("ContextClient.ask")),
            (29, 32, Method, Some("ContextClient.busy")),
            (34, 37, Function, Some("createClient")),
            (38, 40, Function, Some("formatRange")),
            (41, 46, Module, Some("Wire")),
            (42, 45, Function, Some("Wire.encode")),
        ],
    );
}

const TSX: &str = r#"import React, { useState } from "react";

interface ResultListProps {
  results: string[];
  onPick: (index: number) => void;
}

export const ResultList = ({ results, onPick }: ResultListProps) => {
  const [selected, setSelected] = useState(0);
  return (
    <ul>
      {results.map((result, index) => (
        <li key={index} onClick={() => onPick(index)}>
          {result}
        </li>
      ))}
    </ul>
  );
};

export function EmptyState() {
  return <p>No results</p>;
}
"#;

#[test]
fn tsx_fixture_finds_components() {
    use ChunkKind::*;
    assert_chunks(
        Language::Tsx,
        TSX,
        &[
            (0, 1, Module, None),
            (2, 6, Interface, Some("ResultListProps")),
            (7, 19, Function, Some("ResultList")),
            (20, 23, Function, Some("EmptyState")),
        ],
    );
}

const MARKDOWN: &str = r#"Intro text before any heading.

# AIL

Repository context for editors.

## Install

```sh
# not a heading
cargo install ail
```

### From source

Build it yourself.

## Usage ##

Run `ail lsp`.

# License

MIT or Apache-2.0.
"#;

#[test]
fn markdown_sections_nest_and_ignore_fenced_code() {
    use ChunkKind::Section;
    assert_chunks(
        Language::Markdown,
        MARKDOWN,
        &[
            (0, 1, Section, None),
            (2, 20, Section, Some("AIL")),
            (6, 16, Section, Some("Install")),
            (13, 16, Section, Some("From source")),
            (17, 20, Section, Some("Usage")),
            (21, 24, Section, Some("License")),
        ],
    );
}

#[test]
fn markdown_without_headings_is_one_untitled_section() {
    assert_chunks(
        Language::Markdown,
        "\nJust a paragraph.\nAnd another line.\n\n",
        &[(1, 3, ChunkKind::Section, None)],
    );
}

#[test]
fn doc_comments_attributes_and_decorators_join_their_definition() {
    use ChunkKind::*;
    let rust = "//! Crate docs stay with the module.\n\
                /// Outer doc.\n\
                #[inline]\n\
                #[allow(\n    dead_code,\n)]\n\
                fn documented() {}\n\
                \n\
                // Detached by the blank line below.\n\
                \n\
                fn detached() {}\n\
                const LIMIT: u32 = 1; // about LIMIT, not about the next function\n\
                fn after_trailing_comment() {}\n";
    assert_chunks(
        Language::Rust,
        rust,
        &[
            (0, 1, Module, None),
            (1, 7, Function, Some("documented")),
            (8, 9, Module, None),
            (10, 11, Function, Some("detached")),
            (11, 12, Module, None),
            (12, 13, Function, Some("after_trailing_comment")),
        ],
    );
    let go = "package x\n\n// Run does it.\n// Twice.\nfunc Run() {}\n";
    assert_chunks(
        Language::Go,
        go,
        &[(0, 1, Module, None), (2, 5, Function, Some("Run"))],
    );
    let typescript =
        "class Panel {\n  /**\n   * Redraws.\n   */\n  @throttle(16)\n  render() {}\n}\n";
    assert_chunks(
        Language::TypeScript,
        typescript,
        &[
            (0, 7, Class, Some("Panel")),
            (1, 6, Method, Some("Panel.render")),
        ],
    );
}

#[test]
fn empty_marker_impls_stay_with_top_level_code() {
    use ChunkKind::*;
    let text = "pub struct Parser;\n\
                \n\
                unsafe impl Send for Parser {}\n\
                unsafe impl Sync for Parser {}\n\
                \n\
                impl Default for Parser {\n    fn default() -> Self {\n        Parser\n    }\n}\n";
    assert_chunks(
        Language::Rust,
        text,
        &[
            (0, 1, Struct, Some("Parser")),
            (2, 4, Module, None),
            (5, 10, Impl, Some("impl Default for Parser")),
            (6, 9, Method, Some("Parser::default")),
        ],
    );
}

/// Builds source line by line, remembering where named parts start and end.
#[derive(Default)]
struct Source {
    text: String,
    lines: u32,
}

impl Source {
    fn line(&mut self, line: &str) -> u32 {
        self.text.push_str(line);
        self.text.push('\n');
        self.lines += 1;
        self.lines - 1
    }
}

#[test]
fn long_container_keeps_only_its_header_and_short_one_stays_whole() {
    use ChunkKind::*;
    let mut src = Source::default();
    let impl_start = src.line("/// Lookups by name.");
    src.line("impl Registry {");
    src.line("    const LIMIT: usize = 8;");
    src.line("");
    let mut methods = Vec::new();
    for index in 0..8 {
        if index == 4 {
            // Code between methods that is no definition belongs to the container.
            let macro_start = src.line("    delegate! {");
            src.line("        to self.inner;");
            src.line("    }");
            src.line("");
            methods.push((macro_start, macro_start + 3, Impl, Some("impl Registry")));
        }
        let start = src.line(&format!("    /// Entry {index}."));
        src.line(&format!("    pub fn get_{index}(&self) -> usize {{"));
        for step in 0..4 {
            src.line(&format!("        let value_{step} = {step} * LIMIT;"));
        }
        src.line(&format!("        {index}"));
        let end = src.line("    }") + 1;
        src.line("");
        methods.push((start, end, Method, None));
    }
    let closing = src.line("}");
    src.line("");
    let short_start = src.line("impl Drop for Registry {");
    src.line("    fn drop(&mut self) {}");
    let short_end = src.line("}") + 1;

    let symbols: Vec<String> = (0..8)
        .map(|index| format!("Registry::get_{index}"))
        .collect();
    let mut expected: Vec<(u32, u32, ChunkKind, Option<&str>)> =
        vec![(impl_start, 4, Impl, Some("impl Registry"))];
    let mut method_index = 0;
    for &(start, end, kind, symbol) in &methods {
        let symbol = match kind {
            Method => {
                method_index += 1;
                Some(symbols[method_index - 1].as_str())
            }
            _ => symbol,
        };
        expected.push((start, end, kind, symbol));
    }
    // The closing brace joins the last method instead of standing alone.
    let last = expected.len() - 1;
    expected[last].1 = closing + 1;
    expected.push((short_start, short_end, Impl, Some("impl Drop for Registry")));
    expected.push((
        short_start + 1,
        short_start + 2,
        Method,
        Some("Registry::drop"),
    ));

    let actual = rows(Language::Rust, &src.text);
    let actual: Vec<_> = actual
        .iter()
        .map(|(start, end, kind, symbol)| (*start, *end, *kind, symbol.as_deref()))
        .collect();
    assert_eq!(actual, expected);
    assert_well_formed(Language::Rust, &src.text);
}

#[test]
fn long_python_class_keeps_docstring_and_fields_in_its_header() {
    use ChunkKind::*;
    let mut src = Source::default();
    src.line("class Index:");
    src.line("    \"\"\"Every chunk of the workspace.\"\"\"");
    src.line("");
    src.line("    generation = 0");
    src.line("");
    let mut expected = vec![(0, 5, Class, Some("Index".to_string()))];
    for index in 0..6 {
        let start = src.line(&format!("    def step_{index}(self):"));
        for step in 0..9 {
            src.line(&format!("        self.generation += {step}"));
        }
        let end = src.line("        return self.generation") + 1;
        src.line("");
        expected.push((start, end, Method, Some(format!("Index.step_{index}"))));
    }
    expected[0].1 = expected[1].0;
    assert!(src.lines > 60);
    assert_eq!(rows(Language::Python, &src.text), expected);
    assert_well_formed(Language::Python, &src.text);
}

fn long_rust_function(body_lines: u32) -> String {
    let mut src = Source::default();
    src.line("/// Does a great deal.");
    src.line("fn long_one() {");
    for index in 0..body_lines {
        src.line(&format!("    let value_{index} = {index};"));
    }
    src.line("}");
    src.text
}

#[test]
fn long_definitions_are_windowed_keeping_symbol_and_kind() {
    let function = |start, end| (start, end, ChunkKind::Function, Some("long_one"));
    // 150 lines in all: still one unit.
    assert_chunks(
        Language::Rust,
        &long_rust_function(147),
        &[function(0, 150)],
    );
    // 151 lines: two windows, the short tail folded into the second.
    assert_chunks(
        Language::Rust,
        &long_rust_function(148),
        &[function(0, 80), function(70, 151)],
    );
    assert_chunks(
        Language::Rust,
        &long_rust_function(397),
        &[
            function(0, 80),
            function(70, 150),
            function(140, 220),
            function(210, 290),
            function(280, 360),
            function(350, 400),
        ],
    );
}

#[test]
fn long_top_level_code_is_windowed_as_module() {
    let script: String = (0..200)
        .map(|index| format!("total += {index}\n"))
        .collect();
    let module = |start, end| (start, end, ChunkKind::Module, None);
    assert_chunks(
        Language::Python,
        &script,
        &[module(0, 80), module(70, 150), module(140, 200)],
    );
}

#[test]
fn long_markdown_section_is_windowed() {
    let mut text = String::from("# Changelog\n");
    for index in 0..199 {
        text.push_str(&format!("- change {index}\n"));
    }
    let section = |start, end| (start, end, ChunkKind::Section, Some("Changelog"));
    assert_chunks(
        Language::Markdown,
        &text,
        &[section(0, 80), section(70, 150), section(140, 200)],
    );
}

#[test]
fn text_is_cut_into_overlapping_line_windows() {
    let lines =
        |count: usize| -> String { (0..count).map(|index| format!("line {index}\n")).collect() };
    let window = |start, end| (start, end, ChunkKind::Lines, None);
    assert_chunks(
        Language::Text,
        &lines(120),
        &[window(0, 50), window(40, 90), window(80, 120)],
    );
    // A tail adding no more than the overlap is folded into the window before it.
    assert_chunks(Language::Text, &lines(55), &[window(0, 55)]);
    assert_chunks(Language::Text, &lines(3), &[window(0, 3)]);
    // Windows of blank lines are dropped; the lines around them stay covered.
    let mut sparse = lines(10);
    sparse.push_str(&"\n".repeat(200));
    sparse.push_str("tail\n");
    assert_chunks(Language::Text, &sparse, &[window(0, 50), window(160, 211)]);
}

#[test]
fn code_that_does_not_parse_falls_back_to_line_windows() {
    let prose: String = (0..60)
        .map(|index| format!("{index}) ¿qué? ]] >>> {{{{ not rust at all\n"))
        .collect();
    let window = |start, end| (start, end, ChunkKind::Lines, None);
    assert_chunks(Language::Rust, &prose, &[window(0, 60)]);
}

#[test]
fn broken_code_keeps_the_definitions_that_parse() {
    let text = "fn good() {\n    1\n}\n\nfn broken( {\n    let = ;\n\nfn also_good() {}\n";
    let chunks = assert_well_formed(Language::Rust, text);
    let symbols: Vec<_> = chunks
        .iter()
        .filter_map(|chunk| chunk.symbol.as_deref())
        .collect();
    assert!(symbols.contains(&"good"), "{chunks:?}");
}

#[test]
fn blank_text_gives_no_chunks() {
    for language in ALL_LANGUAGES {
        for text in ["", "\n", "\n\n\n", "  \t\r\n   \r\n", " "] {
            assert_eq!(
                chunk_file(language, text),
                Vec::new(),
                "{language:?} {text:?}"
            );
        }
    }
}

const ALL_LANGUAGES: [Language; 8] = [
    Language::Rust,
    Language::Python,
    Language::Go,
    Language::JavaScript,
    Language::TypeScript,
    Language::Tsx,
    Language::Markdown,
    Language::Text,
];

fn fixtures() -> Vec<(Language, &'static str)> {
    vec![
        (Language::Rust, RUST),
        (Language::Python, PYTHON),
        (Language::Go, GO),
        (Language::JavaScript, JAVASCRIPT),
        (Language::TypeScript, TYPESCRIPT),
        (Language::Tsx, TSX),
        (Language::Markdown, MARKDOWN),
        (Language::Text, MARKDOWN),
    ]
}

#[test]
fn crlf_line_endings_give_the_same_lines() {
    for (language, text) in fixtures() {
        let crlf = text.replace('\n', "\r\n");
        let plain: Vec<_> = rows(language, text);
        assert_eq!(rows(language, &crlf), plain, "{language:?}");
        assert_well_formed(language, &crlf);
    }
}

#[test]
fn coverage_holds_for_fixtures_in_every_language_and_their_prefixes() {
    for (_, text) in fixtures() {
        for language in ALL_LANGUAGES {
            assert_well_formed(language, text);
            // Every cut of the file is a file with a syntax error somewhere, or none at all.
            let cuts = text.char_indices().map(|(at, _)| at).step_by(17);
            for cut in cuts {
                assert_well_formed(language, &text[..cut]);
            }
            assert_well_formed(language, text.trim_end_matches('\n'));
        }
    }
}

#[test]
fn coverage_holds_for_hostile_inputs() {
    let mut inputs: Vec<String> = vec![
        "fn ünïcödé() -> &'static str { \"日本語 🎉\" }\n// ✓ done".to_string(),
        "class Ω:\n    def ∂(self): return 'é'\n".to_string(),
        "no newline at the end".to_string(),
        "\r\r\rold mac line endings\rfn x() {}\r".to_string(),
        "fn nul() {}\0\0\0\nfn after() {}\n".to_string(),
        "}}}}\n)))\n]]]\n{{{{\n".to_string(),
        "# \n#\n####### seven\n#no space\n```\n# in fence\n".to_string(),
        "\u{feff}fn with_bom() {}\n".to_string(),
    ];
    inputs.push("mod m {\n".repeat(300) + &"}\n".repeat(300));
    inputs.push("class A:\n  def f(self):\n".to_string() + &"(".repeat(5_000));
    inputs.push("{".repeat(20_000));
    inputs.push("fn f() {}\n".repeat(5_000));
    inputs.push(
        (0..5_000)
            .map(|index| format!("def f{index}(x):\n    return x\n"))
            .collect(),
    );
    inputs.push("x".repeat(200 * 1024));
    inputs.push(format!(
        "const a = 1;\n{}\nfunction b() {{}}\n",
        "let s = 'a';".repeat(17_000)
    ));
    for text in &inputs {
        for language in ALL_LANGUAGES {
            assert_well_formed(language, text);
        }
    }
}

#[test]
fn minified_code_is_not_repeated_per_definition() {
    let line: String = (0..10_000)
        .map(|index| format!("function f{index}(){{return {index}}}"))
        .collect();
    let chunks = assert_well_formed(Language::JavaScript, &line);
    assert_eq!(chunks.len(), 1, "one line, one chunk");
}

#[test]
fn five_thousand_line_file_is_fully_chunked() {
    let text: String = (0..1_000)
        .map(|index| format!("/// Doc {index}.\nfn f{index}() {{\n    g({index});\n}}\n\n"))
        .collect();
    let chunks = assert_well_formed(Language::Rust, &text);
    assert_eq!(chunks.len(), 1_000);
    assert_eq!(chunks[999].symbol.as_deref(), Some("f999"));
    assert_eq!(
        (chunks[999].start_line, chunks[999].end_line),
        (4_995, 4_999)
    );
}

#[test]
fn chunking_on_many_threads_matches_one_thread() {
    let expected: Vec<_> = fixtures()
        .into_iter()
        .map(|(language, text)| chunk_file(language, text))
        .collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    (0..20)
                        .map(|_| {
                            fixtures()
                                .into_iter()
                                .map(|(language, text)| chunk_file(language, text))
                                .collect::<Vec<_>>()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for worker in workers {
            let Ok(rounds) = worker.join() else {
                panic!("a chunking thread panicked");
            };
            for round in rounds {
                assert_eq!(round, expected);
            }
        }
    });
}

#[test]
fn nested_functions_get_chunks_of_their_own_inside_the_whole_function() {
    use ChunkKind::*;
    let python = "\
def cached(func):
    LIMIT = {
        'size': 10,
        'ttl': 60,
    }

    @wraps(func)
    def wrapper(*args):
        return func(*args)

    class Entry:
        pass

    return wrapper
";
    assert_chunks(
        Language::Python,
        python,
        &[
            (0, 14, Function, Some("cached")),
            (6, 9, Function, Some("cached.wrapper")),
            (10, 12, Class, Some("cached.Entry")),
        ],
    );

    let script = "\
export function makeStore(initial) {
  const limit = {
    size: 10,
    ttl: 60,
  };
  function save(value) {
    localStorage.setItem('k', value);
  }
  const load = () => {
    return localStorage.getItem('k');
  };
  return { save, load };
}
";
    assert_chunks(
        Language::JavaScript,
        script,
        &[
            (0, 13, Function, Some("makeStore")),
            (5, 8, Function, Some("makeStore.save")),
            (8, 11, Function, Some("makeStore.load")),
        ],
    );

    let rust = "\
fn outer(values: &[u32]) -> u32 {
    fn square(x: u32) -> u32 {
        x * x
    }
    values.iter().map(|&v| square(v)).sum()
}
";
    assert_chunks(
        Language::Rust,
        rust,
        &[
            (0, 6, Function, Some("outer")),
            (1, 4, Function, Some("outer.square")),
        ],
    );
}

#[test]
fn a_long_function_stays_whole_beside_its_nested_functions() {
    let mut text = String::from("def outer():\n    def inner():\n        return 1\n");
    for i in 0..80 {
        text.push_str(&format!("    value_{i} = inner()\n"));
    }
    let chunks = assert_well_formed(Language::Python, &text);
    let outer = chunks
        .iter()
        .find(|c| c.symbol.as_deref() == Some("outer"))
        .expect("outer function chunk");
    assert_eq!(outer.start_line, 0, "{chunks:?}");
    assert!(
        chunks
            .iter()
            .any(|c| c.symbol.as_deref() == Some("outer.inner") && c.start_line == 1),
        "{chunks:?}"
    );
}
