//! Prints every chunk `chunk_file` makes for the files under a folder, one per line
//! (`path start end kind symbol`, lines 0-based, end exclusive), and to stderr the time spent
//! chunking on one thread per language. Two builds' outputs can be compared with `diff`:
//!
//!     cargo run --release -p ail-engine --example chunk_dump -- DIR [EXT...] > chunks.tsv
//!
//! With extensions (`py rs`), only files ending in them are read. With `--parsed` first,
//! every code file is parsed by tree-sitter (`chunk_file_parsed`), to compare with the
//! Python line scanner.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ail_engine::chunk::{chunk_file, chunk_file_parsed, Language};

fn files_under(root: &Path, extensions: &[String]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                let name = path.to_string_lossy();
                if extensions.is_empty()
                    || extensions.iter().any(|e| name.ends_with(&format!(".{e}")))
                {
                    found.push(path);
                }
            }
        }
    }
    found.sort();
    found
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let parsed = args.next_if(|arg| arg == "--parsed").is_some();
    let Some(root) = args.next().map(PathBuf::from) else {
        eprintln!("usage: chunk_dump [--parsed] DIR [EXT...]");
        std::process::exit(2);
    };
    let extensions: Vec<String> = args.collect();
    let mut spent: BTreeMap<&'static str, (usize, usize, Duration)> = BTreeMap::new();
    let mut out = String::new();
    for path in files_under(&root, &extensions) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let relative = path.strip_prefix(&root).unwrap_or(&path).to_string_lossy();
        let language = Language::from_path(&relative);
        let started = Instant::now();
        let chunks = if parsed {
            chunk_file_parsed(language, &text)
        } else {
            chunk_file(language, &text)
        };
        let entry = spent.entry(language.as_str()).or_default();
        entry.0 += 1;
        entry.1 += text.len();
        entry.2 += started.elapsed();
        for chunk in chunks {
            out.push_str(&format!(
                "{relative}\t{}\t{}\t{}\t{}\n",
                chunk.start_line,
                chunk.end_line,
                chunk.kind.as_str(),
                chunk.symbol.as_deref().unwrap_or("-")
            ));
        }
    }
    print!("{out}");
    for (language, (files, bytes, time)) in spent {
        eprintln!(
            "{language}: {files} files, {:.1} MiB, {:.3} s, {:.1} MiB/s",
            bytes as f64 / (1 << 20) as f64,
            time.as_secs_f64(),
            bytes as f64 / (1 << 20) as f64 / time.as_secs_f64().max(1e-9)
        );
    }
}
