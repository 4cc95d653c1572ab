//! Throughput of the indexing front half: chunking (MB/s of source text per language and
//! over this repository's own sources), and, later, embedding.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use ail_engine::chunk::{chunk_file, Language};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// Files per generated corpus and definitions per file: about 10 KB files, a typical size
/// for source files, so per-file costs (parser setup, line table) weigh as they do in a
/// real walk.
const FILES: usize = 48;
const DEFINITIONS_PER_FILE: usize = 12;

fn rust_file(seed: usize) -> String {
    let mut text = format!("//! Module {seed}: generated for the chunking benchmark.\n\nuse std::collections::HashMap;\n\n");
    for index in 0..DEFINITIONS_PER_FILE {
        let name = format!("Record{seed}x{index}");
        text.push_str(&format!(
            "/// A record kept in memory.\n#[derive(Debug, Clone)]\npub struct {name} {{\n    id: u64,\n    tags: HashMap<String, u32>,\n}}\n\n\
             impl {name} {{\n    /// Builds an empty record.\n    pub fn new(id: u64) -> Self {{\n        Self {{ id, tags: HashMap::new() }}\n    }}\n\n\
             \x20   pub fn tag(&mut self, tag: &str) -> u32 {{\n        let count = self.tags.entry(tag.to_string()).or_insert(0);\n        *count += 1;\n        *count\n    }}\n}}\n\n\
             // Sums every tag count.\nfn total_{index}(record: &{name}) -> u32 {{\n    record.tags.values().sum()\n}}\n\n"
        ));
    }
    text
}

fn python_file(seed: usize) -> String {
    let mut text = format!("\"\"\"Module {seed}: generated for the chunking benchmark.\"\"\"\n\nimport os\nimport sys\n\n");
    for index in 0..DEFINITIONS_PER_FILE {
        text.push_str(&format!(
            "class Record{index}:\n    \"\"\"A record kept in memory.\"\"\"\n\n    def __init__(self, ident):\n        self.ident = ident\n        self.tags = {{}}\n\n\
             \x20   @property\n    def size(self):\n        return len(self.tags)\n\n    def tag(self, name):\n        self.tags[name] = self.tags.get(name, 0) + 1\n        return self.tags[name]\n\n\n\
             # Sums every tag count.\ndef total_{index}(record):\n    return sum(record.tags.values())\n\n\n"
        ));
    }
    text
}

fn go_file(seed: usize) -> String {
    let mut text = format!("// Package gen{seed} is generated for the chunking benchmark.\npackage gen\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\n");
    for index in 0..DEFINITIONS_PER_FILE {
        text.push_str(&format!(
            "// Record{index} is a record kept in memory.\ntype Record{index} struct {{\n\tID   uint64\n\tTags map[string]int\n}}\n\n\
             // Tag counts one more use of name.\nfunc (r *Record{index}) Tag(name string) int {{\n\tr.Tags[strings.ToLower(name)]++\n\treturn r.Tags[name]\n}}\n\n\
             func (r Record{index}) String() string {{\n\treturn fmt.Sprintf(\"%d:%v\", r.ID, r.Tags)\n}}\n\n\
             // Total{index} sums every tag count.\nfunc Total{index}(r *Record{index}) int {{\n\ttotal := 0\n\tfor _, count := range r.Tags {{\n\t\ttotal += count\n\t}}\n\treturn total\n}}\n\n"
        ));
    }
    text
}

fn javascript_file(seed: usize) -> String {
    let mut text = format!("// Module {seed}: generated for the chunking benchmark.\nimport path from \"node:path\";\n\n");
    for index in 0..DEFINITIONS_PER_FILE {
        text.push_str(&format!(
            "/**\n * A record kept in memory.\n */\nexport class Record{index} {{\n  constructor(id) {{\n    this.id = id;\n    this.tags = new Map();\n  }}\n\n\
             \x20 tag(name) {{\n    const count = (this.tags.get(name) ?? 0) + 1;\n    this.tags.set(name, count);\n    return count;\n  }}\n\n\
             \x20 onReset = () => {{\n    this.tags.clear();\n  }};\n}}\n\n\
             const total{index} = (record) => {{\n  let sum = 0;\n  for (const count of record.tags.values()) sum += count;\n  return sum;\n}};\n\n\
             export function describe{index}(record) {{\n  return path.join(String(record.id), String(total{index}(record)));\n}}\n\n"
        ));
    }
    text
}

fn typescript_file(seed: usize) -> String {
    let mut text = format!("// Module {seed}: generated for the chunking benchmark.\nimport {{ join }} from \"path\";\n\n");
    for index in 0..DEFINITIONS_PER_FILE {
        text.push_str(&format!(
            "export interface Shape{index} {{\n  id: number;\n  tags: Map<string, number>;\n}}\n\n\
             /** A record kept in memory. */\nexport class Record{index} implements Shape{index} {{\n  tags = new Map<string, number>();\n\n  constructor(public id: number) {{}}\n\n\
             \x20 tag(name: string): number {{\n    const count = (this.tags.get(name) ?? 0) + 1;\n    this.tags.set(name, count);\n    return count;\n  }}\n}}\n\n\
             export const total{index} = (record: Shape{index}): number => {{\n  let sum = 0;\n  for (const count of record.tags.values()) sum += count;\n  return sum;\n}};\n\n\
             export function describe{index}(record: Shape{index}): string {{\n  return join(String(record.id), String(total{index}(record)));\n}}\n\n"
        ));
    }
    text
}

fn markdown_file(seed: usize) -> String {
    let mut text = format!("# Guide {seed}\n\nGenerated for the chunking benchmark.\n\n");
    for index in 0..DEFINITIONS_PER_FILE {
        text.push_str(&format!(
            "## Topic {index}\n\nSome prose about the topic, long enough to look like documentation that a\nperson wrote by hand, with `code` and a [link](https://example.com).\n\n\
             ```sh\n# a comment, not a heading\nail context \"where is topic {index}\"\n```\n\n\
             ### Details {index}\n\n- one point\n- another point\n- a third point with more words in it\n\n"
        ));
    }
    text
}

fn text_file(seed: usize) -> String {
    (0..300)
        .map(|line| {
            format!(
                "{seed}:{line} plain text line with a few words and numbers {}\n",
                line * 7
            )
        })
        .collect()
}

fn corpus(make: fn(usize) -> String) -> Vec<String> {
    (0..FILES).map(make).collect()
}

/// This repository's own Rust and Markdown sources: real code, whatever it holds today.
fn workspace_sources() -> Vec<(Language, String)> {
    fn walk(dir: &Path, out: &mut Vec<(Language, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    walk(&path, out);
                }
                continue;
            }
            let language = Language::from_path(&name);
            if matches!(language, Language::Rust | Language::Markdown) {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    out.push((language, text));
                }
            }
        }
    }
    let mut out = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    walk(&root.join("server"), &mut out);
    walk(&root.join("benches"), &mut out);
    out
}

fn total_bytes<'a>(texts: impl Iterator<Item = &'a str>) -> u64 {
    texts.map(|text| text.len() as u64).sum()
}

fn chunking(c: &mut Criterion) {
    let mut group = c.benchmark_group("chunk");
    group.measurement_time(Duration::from_secs(8));
    let corpora = [
        ("rust", Language::Rust, corpus(rust_file)),
        ("python", Language::Python, corpus(python_file)),
        ("go", Language::Go, corpus(go_file)),
        ("javascript", Language::JavaScript, corpus(javascript_file)),
        ("typescript", Language::TypeScript, corpus(typescript_file)),
        ("markdown", Language::Markdown, corpus(markdown_file)),
        ("text", Language::Text, corpus(text_file)),
    ];
    for (name, language, files) in &corpora {
        group.throughput(Throughput::Bytes(total_bytes(
            files.iter().map(String::as_str),
        )));
        group.bench_function(*name, |b| {
            b.iter(|| {
                for file in files {
                    black_box(chunk_file(*language, black_box(file)));
                }
            })
        });
    }
    let workspace = workspace_sources();
    if !workspace.is_empty() {
        group.throughput(Throughput::Bytes(total_bytes(
            workspace.iter().map(|(_, text)| text.as_str()),
        )));
        group.bench_function("workspace_sources", |b| {
            b.iter(|| {
                for (language, text) in &workspace {
                    black_box(chunk_file(*language, black_box(text)));
                }
            })
        });
    }
    group.finish();
}

// EMBEDDING THROUGHPUT: an `embedding` bench (chunks embedded per second and MB/s of chunk
// text, over the chunks produced from the corpora above) is to be added here, registered
// in `criterion_group!` below next to `chunking`.

criterion_group!(benches, chunking);
criterion_main!(benches);
