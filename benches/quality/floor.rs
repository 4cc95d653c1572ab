//! The floor of the quality benchmark: a plain grep-style ranking of the same chunks by
//! how often the question's words occur in them.

use super::{Question, TOP_K};
use ail_engine::chunk::{chunk_file, Language};
use std::collections::HashMap;
use std::path::Path;

/// Files the floor leaves out, as the engine's default size limit does.
const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Words the floor ignores: English function words and the words of the identifier
/// question template, which carry nothing about any particular answer.
const FLOOR_STOP_WORDS: &[&str] = &[
    "and", "are", "but", "can", "defined", "does", "for", "from", "has", "have", "how", "into",
    "its", "not", "the", "that", "their", "them", "then", "there", "these", "this", "was", "were",
    "what", "when", "where", "which", "who", "why", "will", "with",
];

/// Grep-style ranking: chunks ordered by how many times the question's words occur in
/// them, case-insensitively, as substrings. Words are alphanumeric, so every occurrence
/// lies inside one alphanumeric run of the text; counting through a vocabulary of those
/// runs gives the same counts as scanning the text, much faster.
pub struct Floor {
    pub files: usize,
    /// (path, start line, end line), in path then line order.
    pub chunks: Vec<(String, u32, u32)>,
    pub vocabulary: Vec<String>,
    /// Per vocabulary entry: (chunk, occurrences).
    postings: Vec<Vec<(u32, u32)>>,
    /// Per question word: (chunk, occurrences), computed on first use.
    word_hits: HashMap<String, Vec<(u32, u32)>>,
    scores: Vec<u32>,
}

impl Floor {
    pub fn build(root: &Path) -> Floor {
        let mut files = Vec::new();
        collect_text_files(root, "", &mut files);
        let mut floor = Floor {
            files: files.len(),
            chunks: Vec::new(),
            vocabulary: Vec::new(),
            postings: Vec::new(),
            word_hits: HashMap::new(),
            scores: Vec::new(),
        };
        let mut ids: HashMap<String, u32> = HashMap::new();
        for (path, text) in &files {
            for span in chunk_file(Language::from_path(path), text) {
                let Some(chunk_text) = text.get(span.start_byte..span.end_byte) else {
                    continue;
                };
                let chunk = floor.chunks.len() as u32;
                floor
                    .chunks
                    .push((path.clone(), span.start_line, span.end_line));
                let mut counts: HashMap<u32, u32> = HashMap::new();
                let lower = chunk_text.to_lowercase();
                for run in lower
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|r| !r.is_empty())
                {
                    let id = match ids.get(run) {
                        Some(&id) => id,
                        None => {
                            let id = floor.vocabulary.len() as u32;
                            ids.insert(run.to_string(), id);
                            floor.vocabulary.push(run.to_string());
                            floor.postings.push(Vec::new());
                            id
                        }
                    };
                    *counts.entry(id).or_default() += 1;
                }
                for (id, n) in counts {
                    floor.postings[id as usize].push((chunk, n));
                }
            }
        }
        floor.scores = vec![0; floor.chunks.len()];
        floor
    }

    fn words(question: &str) -> Vec<String> {
        let mut words: Vec<String> = question
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 3 && !FLOOR_STOP_WORDS.contains(w))
            .map(str::to_string)
            .collect();
        words.sort();
        words.dedup();
        words
    }

    fn hits_of(&mut self, word: &str) -> &[(u32, u32)] {
        if !self.word_hits.contains_key(word) {
            let mut per_chunk: HashMap<u32, u32> = HashMap::new();
            for (id, run) in self.vocabulary.iter().enumerate() {
                let n = run.matches(word).count() as u32;
                if n > 0 {
                    for &(chunk, count) in &self.postings[id] {
                        *per_chunk.entry(chunk).or_default() += n * count;
                    }
                }
            }
            self.word_hits
                .insert(word.to_string(), per_chunk.into_iter().collect());
        }
        self.word_hits.get(word).map_or(&[], |v| v.as_slice())
    }

    pub fn rank(&mut self, q: &Question) -> Option<usize> {
        let mut touched = Vec::new();
        for word in Floor::words(&q.question) {
            let hits: Vec<(u32, u32)> = self.hits_of(&word).to_vec();
            for (chunk, n) in hits {
                let s = &mut self.scores[chunk as usize];
                if *s == 0 {
                    touched.push(chunk);
                }
                *s += n;
            }
        }
        // Highest count first; ties in path and line order.
        touched.sort_by(|&a, &b| {
            self.scores[b as usize]
                .cmp(&self.scores[a as usize])
                .then(a.cmp(&b))
        });
        let rank = touched.iter().take(TOP_K).position(|&c| {
            let (path, start, end) = &self.chunks[c as usize];
            *path == q.path && *start <= q.def_line && q.def_line < *end
        });
        for c in touched {
            self.scores[c as usize] = 0;
        }
        rank.map(|i| i + 1)
    }
}

/// UTF-8 files under `dir` (workspace-relative paths), skipping hidden entries, symbolic
/// links, oversized and binary files, roughly as the engine's walk does.
fn collect_text_files(dir: &Path, rel: &str, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let child_rel = if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        if kind.is_dir() {
            collect_text_files(&entry.path(), &child_rel, out);
        } else if kind.is_file() {
            if entry.metadata().map_or(true, |m| m.len() > MAX_FILE_BYTES) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            if !text.contains('\0') {
                out.push((child_rel, text));
            }
        }
    }
}
