//! The in-memory index (the store's overlay): files, their chunks, the lexical index and the
//! vectors, kept consistent. Plain single-threaded data: readers see it through snapshots.
//!
//! Chunk ids only grow. A changed file's old chunks are tombstoned (their slot becomes
//! `None`), skipped by every search, and squeezed out when the index is compacted (on
//! persist, or when tombstones pass a fifth of all chunks).

use crate::bm25::{Bm25, TermCounts};
use crate::chunk::{ChunkKind, ChunkSpan, Language};
use crate::embed::hashed::HashedTfIdf;
use crate::embed::Embedder;
use crate::file_kind::{FileKind, KindRules};
use crate::text::for_each_token;
use crate::token_count::TokenCounter;
use crate::vector::exact::ExactIndex;
use crate::vector::HnswIndex;
use crate::vector::VectorIndex;
use crate::walk::SkipReason;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use xxhash_rust::xxh3::xxh3_64;

/// One indexed chunk.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChunkRecord {
    pub file: u32,
    pub start_line: u32,
    pub end_line: u32,
    pub symbol: Option<Box<str>>,
    pub kind: ChunkKind,
    pub language: Language,
    /// xxh3 of the chunk's text.
    pub hash: u64,
    /// The first lines, for display, kept only for text that is not on disk (an editor's
    /// buffer); otherwise `None` and read from the file when an answer shows it, which
    /// keeps the index about a fifth smaller.
    pub snippet: Option<Box<str>>,
}

/// One indexed file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FileRecord {
    pub path: Box<str>,
    pub size: u64,
    pub mtime_ns: u64,
    /// xxh3 of the whole file.
    pub hash: u64,
    pub language: Language,
    pub chunks: Vec<u32>,
    /// Number of lines, to clamp requested positions.
    pub lines: u32,
    /// First-party, vendored, generated, test or documentation (read through
    /// `Index::file_kind`).
    pub kind: FileKind,
}

/// A file read, chunked and tokenised, ready to be applied to the index. Produced on
/// worker threads without touching the index.
pub struct PreparedFile {
    pub path: String,
    pub size: u64,
    pub mtime_ns: u64,
    pub hash: u64,
    pub language: Language,
    pub lines: u32,
    pub kind: FileKind,
    pub chunks: Vec<PreparedChunk>,
    /// Every chunk's distinct tokens, chunk after chunk, each in order of first occurrence.
    /// Kept in two buffers per file rather than a string per token: a cold index prepares
    /// millions of them, and their allocations cost more than the counting.
    pub tokens: Vec<PreparedToken>,
    /// The tokens' text, back to back.
    pub token_text: String,
}

pub struct PreparedChunk {
    pub span: ChunkSpan,
    pub hash: u64,
    /// Only made for text that is not on disk (see `ChunkRecord::snippet`).
    pub snippet: Option<Box<str>>,
    /// This chunk's tokens: a range of `PreparedFile::tokens`.
    pub tokens: std::ops::Range<usize>,
    /// Present when the embedder needs no corpus statistics (a static model).
    pub vector: Option<Vec<f32>>,
}

/// One distinct token of a chunk, with its count (interned when applied).
pub struct PreparedToken {
    /// xxh3 of the token, as the vocabulary keys it.
    pub hash: u64,
    /// Where the token ends in `PreparedFile::token_text`; it starts where the previous
    /// token of the file ends.
    pub end: usize,
    pub count: u16,
}

impl PreparedFile {
    /// The text of `tokens[at]`.
    fn token(&self, at: usize) -> &str {
        let start = at.checked_sub(1).map_or(0, |p| self.tokens[p].end);
        &self.token_text[start..self.tokens[at].end]
    }
}

/// How chunks become vectors.
#[derive(Clone)]
pub enum EmbedderChoice {
    /// The built-in hashed TF-IDF, fitted to this index's corpus.
    Hashed(HashedTfIdf),
    /// A static model: the same vectors whatever the corpus.
    Static(Arc<dyn Embedder>),
}

impl EmbedderChoice {
    pub fn embed_question(&self, question: &str) -> Vec<f32> {
        match self {
            EmbedderChoice::Hashed(h) if h.is_fitted() => h.embed_question(question),
            EmbedderChoice::Hashed(h) => h.embed(question),
            EmbedderChoice::Static(e) => e.embed(question),
        }
    }

    pub fn name(&self) -> String {
        match self {
            EmbedderChoice::Hashed(h) => format!("{}-{}", h.name(), h.dim()),
            EmbedderChoice::Static(e) => e.name().to_string(),
        }
    }

    pub fn dim(&self) -> usize {
        match self {
            EmbedderChoice::Hashed(h) => h.dim(),
            EmbedderChoice::Static(e) => e.dim(),
        }
    }
}

/// Chunks embedded together by `Index::fit_and_embed`: 1024 float vectors of 512
/// dimensions are 2 MiB.
const EMBED_BLOCK: usize = 1024;

/// How many times a chunk's symbol name counts, on top of its occurrence in the text.
const SYMBOL_WEIGHT: usize = 3;

/// Read a file's text into a `PreparedFile`: chunk it, tokenise each chunk (its symbol and
/// path count as text too), and embed it when the embedder is corpus-independent.
/// `keep_snippets` for text that is not on disk (see `ChunkRecord::snippet`); `kinds` says
/// what kind of file it is.
pub fn prepare_file(
    path: &str,
    text: &str,
    size: u64,
    mtime_ns: u64,
    static_embedder: Option<&dyn Embedder>,
    keep_snippets: bool,
    kinds: &KindRules,
) -> PreparedFile {
    let language = Language::from_path(path);
    let spans = crate::chunk::chunk_file(language, text);
    // The file's name (not its folders, which every chunk below them would share).
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let path_words = file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _)| stem)
        .replace(['.', '-'], " ");
    // Every chunk of the file ends with the same name tokens: split them once.
    let mut path_tokens: Vec<String> = Vec::new();
    for_each_token(&path_words, |t| path_tokens.push(t.to_string()));
    let mut counter = TokenCounter::default();
    let mut tokens = Vec::new();
    let mut token_text = String::new();
    let chunks = spans
        .into_iter()
        .filter_map(|span| {
            let body = text.get(span.start_byte..span.end_byte)?;
            counter.clear();
            let mut push = |t: &str| counter.add(t);
            for_each_token(body, &mut push);
            // A definition's name is the strongest evidence of what it is about.
            // Its container (`Config` in `Config::load`) counts once, like any other word.
            if let Some(sym) = &span.symbol {
                let name = sym
                    .rsplit(['.', ':', ' '])
                    .find(|s| !s.is_empty())
                    .unwrap_or(sym);
                // Each token counted SYMBOL_WEIGHT times in a row: the same counts and
                // order of first occurrence as tokenising the name that many times.
                for_each_token(name, |t| {
                    for _ in 0..SYMBOL_WEIGHT {
                        push(t);
                    }
                });
                if name.len() < sym.len() {
                    for_each_token(sym, &mut push);
                }
            }
            path_tokens.iter().for_each(|t| push(t));
            let vector = static_embedder.map(|e| {
                let context = format!(
                    "{} {}\n{}",
                    path,
                    span.symbol.as_deref().unwrap_or(""),
                    body
                );
                e.embed(&context)
            });
            let first = tokens.len();
            counter.append_to(&mut tokens, &mut token_text);
            Some(PreparedChunk {
                hash: xxh3_64(body.as_bytes()),
                snippet: keep_snippets.then(|| snippet(body)),
                tokens: first..tokens.len(),
                vector,
                span,
            })
        })
        .collect();
    PreparedFile {
        path: path.to_string(),
        size,
        mtime_ns,
        hash: xxh3_64(text.as_bytes()),
        language,
        lines: line_count(text),
        kind: kinds.kind_of(path, text),
        chunks,
        tokens,
        token_text,
    }
}

/// `text.lines().count()`, counting newline bytes instead of iterating over lines.
fn line_count(text: &str) -> u32 {
    let newlines = text.bytes().filter(|&b| b == b'\n').count();
    let unterminated = !text.is_empty() && !text.ends_with('\n');
    (newlines + usize::from(unterminated)) as u32
}

/// The first few non-empty lines of a chunk, at most about 300 bytes.
pub(crate) fn snippet(body: &str) -> Box<str> {
    let mut out = String::new();
    for line in body.lines().filter(|l| !l.trim().is_empty()).take(4) {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line.trim_end());
        if out.len() > 300 {
            break;
        }
    }
    if out.len() > 300 {
        let mut cut = 300;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out.into()
}

/// The hashes `Index::names_qualified_symbol` looks for: the compound of a qualified symbol
/// (`Config.load` -> `configload`) and its stem; `None` for an unqualified one, whose tokens
/// the lexical index holds already.
pub fn qualified_symbol_keys(symbol: &str) -> Option<[u64; 2]> {
    let last = symbol
        .rsplit(['.', ':', ' '])
        .find(|s| !s.is_empty())
        .unwrap_or(symbol);
    if last.len() == symbol.len() {
        return None;
    }
    let compound = crate::text::compound(symbol);
    Some([
        xxh3_64(compound.as_bytes()),
        xxh3_64(crate::text::stem(&compound).as_bytes()),
    ])
}

#[derive(Clone)]
pub struct Index {
    /// The id of `chunks[0]`: chunk ids of an overlay continue after its segment's.
    pub first_id: u32,
    pub files: Vec<Option<FileRecord>>,
    pub file_ids: foldhash::HashMap<Box<str>, u32>,
    pub chunks: Vec<Option<ChunkRecord>>,
    pub live_chunks: usize,
    pub bm25: Bm25,
    pub vectors: Arc<ExactIndex>,
    pub embedder: EmbedderChoice,
    /// Bumped by every change; answers and caches are tied to it.
    pub generation: u64,
    pub skipped: BTreeMap<String, SkipReason>,
    /// Chunks waiting for a vector until the hashed embedder is fitted (first full pass).
    pub unembedded: Vec<u32>,
    /// An HNSW graph over the same vectors, once the workspace is large enough for it.
    pub graph: Option<Arc<HnswIndex>>,
    /// Hashes of the compounds of qualified symbols (`Config.load` -> `configload`), which a
    /// question can name without the lexical index knowing the compound. Built on first use
    /// (only the answer cache asks), then kept up to date. Never shrinks; a stale entry only
    /// makes the answer cache's signature stricter.
    pub qualified_symbols: std::sync::OnceLock<foldhash::HashSet<u64>>,
    /// Related words learned from this workspace at the end of the last full pass.
    pub related: crate::related::RelatedWords,
}

impl Index {
    pub fn new(embedder: EmbedderChoice) -> Self {
        let dim = embedder.dim();
        Index {
            first_id: 0,
            files: Vec::new(),
            file_ids: Default::default(),
            chunks: Vec::new(),
            live_chunks: 0,
            bm25: Bm25::new(),
            vectors: Arc::new(ExactIndex::with_dim(dim)),
            embedder,
            generation: 0,
            skipped: BTreeMap::new(),
            unembedded: Vec::new(),
            graph: None,
            qualified_symbols: Default::default(),
            related: Default::default(),
        }
    }

    /// Remember `symbol`'s compound spellings when it is qualified, for
    /// `names_qualified_symbol`.
    pub fn note_symbol(&mut self, symbol: &str) {
        if let (Some(set), Some(keys)) = (
            self.qualified_symbols.get_mut(),
            qualified_symbol_keys(symbol),
        ) {
            set.extend(keys);
        }
    }

    /// Whether `token` spells a qualified symbol's compound (see `note_symbol`).
    pub fn names_qualified_symbol(&self, token: &str) -> bool {
        self.qualified_symbols
            .get_or_init(|| {
                self.chunks
                    .iter()
                    .flatten()
                    .filter_map(|c| c.symbol.as_deref())
                    .filter_map(qualified_symbol_keys)
                    .flatten()
                    .collect()
            })
            .contains(&xxh3_64(token.as_bytes()))
    }

    pub fn file_count(&self) -> usize {
        self.file_ids.len()
    }

    pub fn file(&self, path: &str) -> Option<&FileRecord> {
        self.file_ids
            .get(path)
            .and_then(|&id| self.files[id as usize].as_ref())
    }

    /// The kind of the file with id `file` (first-party when there is no such file).
    pub fn file_kind(&self, file: u32) -> FileKind {
        self.files
            .get(file as usize)
            .and_then(|f| f.as_ref())
            .map_or(FileKind::FirstParty, |f| f.kind)
    }

    pub fn chunk(&self, id: u32) -> Option<&ChunkRecord> {
        let local = id.checked_sub(self.first_id)?;
        self.chunks.get(local as usize).and_then(|c| c.as_ref())
    }

    /// One past the largest chunk id given out.
    pub fn id_bound(&self) -> u32 {
        self.first_id + self.chunks.len() as u32
    }

    pub fn path_of(&self, chunk: &ChunkRecord) -> &str {
        self.files
            .get(chunk.file as usize)
            .and_then(|f| f.as_ref())
            .map_or("", |f| &f.path)
    }

    pub fn is_live(&self, id: u32) -> bool {
        self.chunk(id).is_some()
    }

    pub fn tombstones(&self) -> usize {
        self.chunks.len() - self.live_chunks
    }

    /// Put a prepared file in the index, replacing what was there under its path.
    /// Vectors are added at once when the embedder can make them now, otherwise queued.
    pub fn apply(&mut self, mut file: PreparedFile) {
        self.remove(&file.path);
        self.skipped.remove(&file.path);
        let file_id = self.files.len() as u32;
        let mut chunk_ids = Vec::with_capacity(file.chunks.len());
        let mut counts: TermCounts = Vec::new();
        for c in std::mem::take(&mut file.chunks) {
            let local = self.chunks.len() as u32;
            let id = self.first_id + local;
            counts.clear();
            counts.extend(c.tokens.map(|at| {
                let token = &file.tokens[at];
                (
                    self.bm25.intern_hashed(file.token(at), token.hash),
                    token.count,
                )
            }));
            counts.sort_unstable();
            self.bm25.add(local, &counts);
            match (&self.embedder, c.vector) {
                (_, Some(v)) => self.vectors.insert(id, &v),
                (EmbedderChoice::Hashed(h), None) if h.is_fitted() => {
                    let v =
                        h.embed_counts(counts.iter().map(|&(t, n)| (self.bm25.term_hash(t), n)));
                    self.vectors.insert(id, &v);
                }
                _ => self.unembedded.push(id),
            }
            if let Some(symbol) = &c.span.symbol {
                self.note_symbol(symbol);
            }
            self.chunks.push(Some(ChunkRecord {
                file: file_id,
                start_line: c.span.start_line,
                end_line: c.span.end_line,
                symbol: c.span.symbol.map(Into::into),
                kind: c.span.kind,
                language: file.language,
                hash: c.hash,
                snippet: c.snippet,
            }));
            chunk_ids.push(id);
            self.live_chunks += 1;
        }
        let path: Box<str> = file.path.into();
        self.files.push(Some(FileRecord {
            path: path.clone(),
            size: file.size,
            mtime_ns: file.mtime_ns,
            hash: file.hash,
            language: file.language,
            chunks: chunk_ids,
            lines: file.lines,
            kind: file.kind,
        }));
        self.file_ids.insert(path, file_id);
        self.generation += 1;
    }

    /// Record a file's new size and mtime when its content is unchanged.
    pub fn touch(&mut self, path: &str, size: u64, mtime_ns: u64) {
        if let Some(&id) = self.file_ids.get(path) {
            if let Some(Some(f)) = self.files.get_mut(id as usize) {
                f.size = size;
                f.mtime_ns = mtime_ns;
            }
        }
    }

    /// Take a file out of the index (its chunks become tombstones). Returns whether it was there.
    pub fn remove(&mut self, path: &str) -> bool {
        let Some(id) = self.file_ids.remove(path) else {
            return false;
        };
        if let Some(record) = self.files.get_mut(id as usize).and_then(Option::take) {
            for c in record.chunks {
                let local = c.wrapping_sub(self.first_id);
                if let Some(slot) = self.chunks.get_mut(local as usize) {
                    if slot.take().is_some() {
                        self.live_chunks -= 1;
                        self.bm25.remove(local);
                    }
                }
            }
        }
        self.generation += 1;
        true
    }

    /// Record that a file was skipped (and drop any older version of it from the index).
    pub fn skip(&mut self, path: &str, reason: SkipReason) {
        self.remove(path);
        self.skipped.insert(path.to_string(), reason);
    }

    /// Fit the hashed embedder to the corpus and embed every chunk still waiting.
    ///
    /// The vectors are built from the lexical index's postings (a chunk's postings are its
    /// term counts), a block of chunks at a time, so the first pass keeps no per-chunk term
    /// lists and never holds more than one block of float vectors.
    pub fn fit_and_embed(&mut self) {
        if let EmbedderChoice::Hashed(h) = &self.embedder {
            let fitted =
                HashedTfIdf::fit(h.dim(), self.bm25.document_frequencies(), self.bm25.len());
            self.embedder = EmbedderChoice::Hashed(fitted);
        }
        let EmbedderChoice::Hashed(h) = &self.embedder else {
            self.unembedded.clear();
            return;
        };
        let mut pending = std::mem::take(&mut self.unembedded);
        pending.retain(|&id| self.is_live(id));
        // Postings count documents from `first_id`.
        let first_id = self.first_id;
        pending.iter_mut().for_each(|id| *id -= first_id);
        pending.sort_unstable();
        pending.dedup();
        let dim = h.dim();
        // Per term its weight factor, looked up once rather than per posting (its hash the
        // vocabulary keeps already).
        let idfs: Vec<f32> = (0..self.bm25.term_count() as u32)
            .map(|t| h.idf_of(self.bm25.term_hash(t)))
            .collect();
        let mut cursors = vec![0u32; idfs.len()];
        if self.vectors.is_empty() {
            self.vectors = Arc::new(ExactIndex::with_dim(dim)); // not a snapshot's to see
        }
        self.vectors.reserve(pending.len());
        for block in pending.chunks(EMBED_BLOCK) {
            let (lo, hi) = (block[0], block[block.len() - 1] + 1);
            let mut slot_of = vec![u32::MAX; (hi - lo) as usize];
            for (slot, &id) in block.iter().enumerate() {
                slot_of[(id - lo) as usize] = slot as u32;
            }
            let mut vectors = vec![0.0f32; block.len() * dim];
            // Terms in id order, as `embed_counts` adds a chunk's sorted counts: the same sums.
            self.bm25
                .for_each_posting_below(hi, &mut cursors, |term, doc, tf| {
                    if doc < lo {
                        return;
                    }
                    let slot = slot_of[(doc - lo) as usize];
                    if slot != u32::MAX {
                        let (hash, idf) = (self.bm25.term_hash(term), idfs[term as usize]);
                        let at = slot as usize * dim;
                        h.add_term(&mut vectors[at..at + dim], hash, tf, idf);
                    }
                });
            for (slot, &id) in block.iter().enumerate() {
                let v = &mut vectors[slot * dim..(slot + 1) * dim];
                crate::embed::normalize(v);
                self.vectors.insert(first_id + id, v);
            }
        }
        self.generation += 1;
    }

    /// Squeeze out tombstones: renumber live chunks densely in order. Returns the new index.
    pub fn compacted(&self) -> Index {
        let mut new_id: Vec<Option<u32>> = Vec::with_capacity(self.chunks.len());
        let mut next = 0u32;
        for c in &self.chunks {
            if c.is_some() {
                new_id.push(Some(next));
                next += 1;
            } else {
                new_id.push(None);
            }
        }
        // Ids are global (from `first_id`); the lexical index counts from 0.
        let first_id = self.first_id;
        let local_map = |old: u32| new_id.get(old as usize).copied().flatten();
        let map = |old: u32| local_map(old.wrapping_sub(first_id)).map(|n| n + first_id);
        let mut files = Vec::new();
        let mut file_ids = foldhash::HashMap::default();
        let mut chunks = Vec::with_capacity(self.live_chunks);
        for f in self.files.iter().flatten() {
            let fid = files.len() as u32;
            let mut record = f.clone();
            record.chunks = f.chunks.iter().filter_map(|&c| map(c)).collect();
            for &c in &f.chunks {
                if let Some(chunk) = self.chunk(c) {
                    chunks.push((
                        map(c),
                        ChunkRecord {
                            file: fid,
                            ..chunk.clone()
                        },
                    ));
                }
            }
            file_ids.insert(record.path.clone(), fid);
            files.push(Some(record));
        }
        chunks.sort_by_key(|(id, _)| *id);
        let chunks: Vec<Option<ChunkRecord>> = chunks.into_iter().map(|(_, c)| Some(c)).collect();
        let mut bm25 = self.bm25.clone();
        bm25.renumber(local_map);
        let vectors = ExactIndex::with_dim(self.vectors.dim());
        for (id, v) in self.vectors.iter() {
            if let Some(n) = map(id) {
                vectors.insert(n, &v);
            }
        }
        Index {
            first_id: self.first_id,
            files,
            file_ids,
            live_chunks: chunks.len(),
            chunks,
            bm25,
            vectors: Arc::new(vectors),
            embedder: self.embedder.clone(),
            generation: self.generation + 1,
            skipped: self.skipped.clone(),
            graph: None,
            qualified_symbols: self.qualified_symbols.clone(),
            related: self.related.clone(),
            unembedded: self.unembedded.iter().filter_map(|&id| map(id)).collect(),
        }
    }

    /// Approximate heap bytes held by the index.
    pub fn memory_bytes(&self) -> usize {
        let chunks = self.chunks.capacity() * std::mem::size_of::<Option<ChunkRecord>>()
            + self
                .chunks
                .iter()
                .flatten()
                .map(|c| {
                    c.snippet.as_ref().map_or(0, |s| s.len())
                        + c.symbol.as_ref().map_or(0, |s| s.len())
                })
                .sum::<usize>();
        let files = self
            .files
            .iter()
            .flatten()
            .map(|f| f.path.len() * 2 + f.chunks.capacity() * 4 + 96)
            .sum::<usize>();
        let embedder = match &self.embedder {
            EmbedderChoice::Hashed(h) => h.memory_bytes(),
            EmbedderChoice::Static(_) => 0,
        };
        chunks
            + files
            + self.bm25.memory_bytes()
            + self.vectors.memory_bytes()
            + embedder
            + self.related.memory_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_counts_its_text_its_name_three_times_and_the_file_name() {
        let text = "class ConfigLoader:\n    def load_file(self, path):\n        \"\"\"Load the config file.\"\"\"\n        return open(path).read()\n\n\ndef load_file_fast(path):\n    return load_file(path)\n";
        let path = "pkg/config-loader.v2.py";
        let file = prepare_file(path, text, 0, 0, None, false, &KindRules::default());
        assert!(
            file.chunks
                .iter()
                .filter(|c| c.span.symbol.is_some())
                .count()
                >= 2
        );
        for chunk in &file.chunks {
            // The counts spelled out: every token in order, counted as it comes.
            let mut stream = Vec::new();
            let mut push = |t: &str| stream.push(t.to_string());
            for_each_token(&text[chunk.span.start_byte..chunk.span.end_byte], &mut push);
            if let Some(sym) = &chunk.span.symbol {
                let name = sym.rsplit(['.', ':', ' ']).find(|s| !s.is_empty()).unwrap();
                for _ in 0..SYMBOL_WEIGHT {
                    for_each_token(name, &mut push);
                }
                if name.len() < sym.len() {
                    for_each_token(sym, &mut push);
                }
            }
            for_each_token("config loader v2", &mut push);
            let mut expected: Vec<(String, u16)> = Vec::new();
            for t in stream {
                match expected.iter_mut().find(|(x, _)| *x == t) {
                    Some((_, n)) => *n += 1,
                    None => expected.push((t, 1)),
                }
            }
            let got: Vec<(String, u16)> = chunk
                .tokens
                .clone()
                .map(|at| (file.token(at).to_string(), file.tokens[at].count))
                .collect();
            assert_eq!(got, expected, "{:?}", chunk.span.symbol);
        }
    }

    #[test]
    fn line_count_matches_lines() {
        for text in [
            "",
            "\n",
            "\n\n",
            "a",
            "a\n",
            "a\r\n",
            "a\r",
            "a\nb",
            "\r\n\r\n",
            "é\n\u{2028}x",
        ] {
            assert_eq!(line_count(text) as usize, text.lines().count(), "{text:?}");
        }
    }
}
