//! A segment answers exactly as the in-memory index it was written from; a damaged one is
//! refused; an overlay over a segment answers as the segment merged from both.

use super::*;
use crate::embed::hashed::HashedTfIdf;
use crate::file_kind::KindRules;
use crate::index::{prepare_file, EmbedderChoice};
use crate::store::Store;
use std::sync::Arc;

pub(crate) const FILES: &[(&str, &str)] = &[
    (
        "src/config.rs",
        "/// Load the configuration file from disk.\npub fn load_config(path: &str) -> Config {\n    parse_toml(read(path))\n}\n\npub struct Config {\n    pub name: String,\n}\n",
    ),
    (
        "src/net.py",
        "def fetch_with_timeout(url, seconds):\n    \"\"\"Give up on a slow server.\"\"\"\n    return request(url, timeout=seconds)\n\n\nclass RetryPolicy:\n    def backoff(self, attempt):\n        return 2 ** attempt\n",
    ),
    (
        "web/app.ts",
        "export function renderPage(title: string): string {\n  return `<h1>${title}</h1>`;\n}\n\nexport class Router {\n  route(path: string) { return path; }\n}\n",
    ),
    (
        "docs/guide.md",
        "# Guide\n\nHow to load the config and render a page.\n\n## Retries\n\nThe retry policy backs off exponentially.\n",
    ),
    (
        "vendor/lib/config.go",
        "package lib\n\n// LoadConfig reads a configuration.\nfunc LoadConfig(path string) (*Config, error) {\n\treturn parse(path)\n}\n",
    ),
];

const QUESTIONS: &[&str] = &[
    "load config",
    "fetch with timeout",
    "render page title",
    "retry backoff attempt",
    "router route path",
    "configuration file disk",
];

pub(crate) fn built(files: &[(&str, &str)]) -> Store {
    let mut store = Store::new(EmbedderChoice::Hashed(HashedTfIdf::unfitted(512)));
    for (path, text) in files {
        store.apply(prepare_file(
            path,
            text,
            text.len() as u64,
            7,
            None,
            false,
            &KindRules::default(),
        ));
    }
    store.mem.fit_and_embed();
    store
}

pub(crate) fn write(store: &Store, dir: &Path) -> PathBuf {
    let path = dir.join("index.seg");
    write::write_segment(&store.source(), store.segment_meta("/ws", None), &path)
        .expect("write segment");
    path
}

pub(crate) fn reopened(store: &Store, path: &Path) -> Store {
    let segment = Segment::open(path).expect("open segment");
    Store::from_segment(Arc::new(segment), store.embedder().clone())
}

/// Every question's lexical and vector results as (path, first line, score).
pub(crate) fn answers(store: &Store) -> Vec<Vec<(String, u32, String)>> {
    // As the engine does: an in-memory index keeps removed chunks' vectors until compacted.
    let keep = |id: u32| store.is_live(id);
    let mut out = Vec::new();
    for q in QUESTIONS {
        let tokens = crate::text::question_tokens(q);
        let weighted: Vec<(&str, f32)> = tokens.iter().map(|t| (t.as_str(), 1.0)).collect();
        let qvec = store.embedder().embed_question(q);
        for found in [
            store.lexical_search(&weighted, 20, &keep),
            store.vector_search(&qvec, 20, &keep),
        ] {
            out.push(
                found
                    .into_iter()
                    .map(|(id, score)| {
                        let chunk = store.chunk(id).expect("live chunk");
                        (
                            store.path_of(&chunk).to_string(),
                            chunk.start_line,
                            format!("{score:.5}"),
                        )
                    })
                    .collect(),
            );
        }
    }
    out
}

#[test]
fn a_written_segment_answers_exactly_as_the_index_it_was_written_from() {
    let dir = tempfile::tempdir().unwrap();
    let memory = built(FILES);
    let path = write(&memory, dir.path());
    let segment = reopened(&memory, &path);
    assert_eq!(segment.file_count(), memory.file_count());
    assert_eq!(segment.live_chunks(), memory.live_chunks());
    let expected = answers(&memory);
    assert!(expected.iter().any(|a| !a.is_empty()));
    assert_eq!(answers(&segment), expected);
    // Files, chunks and terms read back as written.
    let info = segment.file("src/config.rs").expect("file");
    let original = memory.file("src/config.rs").expect("file");
    assert_eq!(
        (info.hash, info.lines, info.size),
        (original.hash, original.lines, original.size)
    );
    assert_eq!(info.chunks.len(), original.chunks.len());
    for (&a, &b) in info.chunks.iter().zip(&original.chunks) {
        let (x, y) = (segment.chunk(a).unwrap(), memory.chunk(b).unwrap());
        assert_eq!(
            (x.start_line, x.end_line, x.symbol, x.hash),
            (y.start_line, y.end_line, y.symbol, y.hash)
        );
        assert_eq!(segment.store_vector(a), memory.store_vector(b));
    }
    assert!(segment.knows_term("fetch") && !segment.knows_term("nowhere"));
    assert!(segment.file("missing.rs").is_none());
    // The same input writes the same bytes.
    let again = tempfile::tempdir().unwrap();
    let second = write(&built(FILES), again.path());
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(second).unwrap()
    );
}

#[test]
fn a_damaged_segment_is_refused_whatever_the_damage() {
    let dir = tempfile::tempdir().unwrap();
    let memory = built(FILES);
    let path = write(&memory, dir.path());
    let good = std::fs::read(&path).unwrap();
    let damaged = dir.path().join("damaged.seg");
    // A flipped bit anywhere: in the header, in every section.
    for at in (0..good.len())
        .step_by(good.len() / 97 + 1)
        .chain([0, 9, HEADER_LEN - 1])
    {
        let mut bytes = good.clone();
        bytes[at] ^= 0x10;
        std::fs::write(&damaged, &bytes).unwrap();
        assert!(
            Segment::open(&damaged).is_err(),
            "flip at {at} was accepted"
        );
    }
    for len in [0, 7, HEADER_LEN, good.len() / 2, good.len() - 1] {
        std::fs::write(&damaged, &good[..len]).unwrap();
        assert!(
            Segment::open(&damaged).is_err(),
            "truncated to {len} was accepted"
        );
    }
    assert!(matches!(
        Segment::open(&dir.path().join("absent.seg")),
        Err(SegmentError::Missing)
    ));
    // A named pipe in its place is refused at once, not waited on.
    let fifo = dir.path().join("pipe.seg");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
    assert!(matches!(
        Segment::open(&fifo),
        Err(SegmentError::NotRegular)
    ));
    assert!(Segment::open(&path).is_ok());
}

#[test]
fn an_overlay_answers_as_the_segment_merged_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let memory = built(FILES);
    let path = write(&memory, dir.path());
    let mut overlaid = reopened(&memory, &path);
    let changed = "pub fn load_config(path: &str) -> Config {\n    retry_with_backoff(|| parse_toml(read(path)))\n}\n";
    overlaid.apply(prepare_file(
        "src/config.rs",
        changed,
        10,
        8,
        None,
        false,
        &KindRules::default(),
    ));
    overlaid.apply(prepare_file(
        "src/new.rs",
        "/// Render the router page.\npub fn render_router() {}\n",
        10,
        8,
        None,
        false,
        &KindRules::default(),
    ));
    assert!(overlaid.remove("web/app.ts"));
    assert!(!overlaid.contains_file("web/app.ts"));
    assert_eq!(overlaid.file_count(), FILES.len());
    let merged_dir = tempfile::tempdir().unwrap();
    let merged_path = write(&overlaid, merged_dir.path());
    let merged = reopened(&overlaid, &merged_path);
    assert_eq!(merged.file_count(), overlaid.file_count());
    assert_eq!(merged.live_chunks(), overlaid.live_chunks());
    assert_eq!(answers(&merged), answers(&overlaid));
    // Nothing of the removed file or the old text answers.
    let all = answers(&merged).concat();
    assert!(all.iter().all(|(p, _, _)| p != "web/app.ts"));
}

/// A source whose chunks vanish half way through, as a writer killed mid-write would stop.
struct FailingSource<'a> {
    inner: crate::store::StoreSource<'a>,
}

impl write::SegmentSource for FailingSource<'_> {
    fn for_each_file(
        &self,
        f: &mut dyn FnMut(write::SourceFile<'_>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.inner.for_each_file(f)
    }
    fn id_bound(&self) -> u32 {
        self.inner.id_bound()
    }
    fn chunk(&self, id: u32) -> Option<write::SourceChunk<'_>> {
        (id < self.inner.id_bound() / 2)
            .then(|| self.inner.chunk(id))
            .flatten()
    }
    fn for_each_term(
        &self,
        f: &mut dyn FnMut(&str, u64, write::Postings<'_>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.inner.for_each_term(f)
    }
    fn vector(&self, id: u32) -> Option<(Vec<i8>, f32)> {
        self.inner.vector(id)
    }
}

#[test]
fn a_write_that_fails_half_way_leaves_the_old_segment_serving_and_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let memory = built(FILES);
    let path = write(&memory, dir.path());
    let before = std::fs::read(&path).unwrap();
    let serving = reopened(&memory, &path);
    let mut changed = built(FILES);
    changed.apply(prepare_file(
        "src/extra.rs",
        "fn extra() {}\n",
        14,
        9,
        None,
        false,
        &KindRules::default(),
    ));
    let failing = FailingSource {
        inner: changed.source(),
    };
    let result = write::write_segment(&failing, changed.segment_meta("/ws", None), &path);
    assert!(result.is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(answers(&serving), answers(&memory));
    assert!(Segment::open(&path).is_ok());
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("index.seg")],
        "{left:?}"
    );
}

/// Write the overlay of `store` to a part segment and serve it from there, as a streaming
/// first pass does.
pub(crate) fn flushed(store: &mut Store, dir: &Path, n: usize) {
    let path = dir.join(format!("part-{n}.seg"));
    write::write_segment(
        &store.overlay_source(),
        store.segment_meta("/ws", None),
        &path,
    )
    .expect("write part");
    let segment = Segment::open(&path).expect("open part");
    std::fs::remove_file(&path).unwrap();
    store.flush_into(Arc::new(segment));
}

#[test]
fn several_flushed_segments_and_their_merge_answer_as_one_index_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let memory = built(FILES);
    let prepare = |path: &str, text: &str| {
        prepare_file(
            path,
            text,
            text.len() as u64,
            7,
            None,
            false,
            &KindRules::default(),
        )
    };
    // The same files, with the fitted embedder, through three flushes and an overlay.
    let mut streamed = Store::new(memory.embedder().clone());
    for (n, files) in FILES.chunks(2).enumerate() {
        for (path, text) in files {
            streamed.apply(prepare(path, text));
        }
        if n < 2 {
            flushed(&mut streamed, dir.path(), n);
        }
    }
    assert_eq!(streamed.segment_count(), 2);
    assert_eq!(streamed.file_count(), memory.file_count());
    assert_eq!(streamed.live_chunks(), memory.live_chunks());
    let expected = answers(&memory);
    assert_eq!(answers(&streamed), expected);

    // A file of the first segment replaced, one of the second removed: both sides alike.
    let mut memory = memory;
    let changed = "pub fn render_config_page() {}\n";
    for store in [&mut memory, &mut streamed] {
        store.apply(prepare("src/config.rs", changed));
        assert!(store.remove("web/app.ts"));
    }
    flushed(&mut streamed, dir.path(), 3);
    let expected = answers(&memory);
    assert!(streamed.file("web/app.ts").is_none());
    assert_eq!(answers(&streamed), expected);
    let file = streamed.file("src/config.rs").expect("replaced file");
    assert_eq!(file.hash, memory.file("src/config.rs").unwrap().hash);

    // Merged into one segment, the answers stay.
    let merged = reopened(&streamed, &write(&streamed, dir.path()));
    assert_eq!(merged.segment_count(), 1);
    assert_eq!(merged.file_count(), memory.file_count());
    assert_eq!(answers(&merged), expected);
}

/// The `k` best chunks for a quantised query, computed one chunk at a time from the vectors
/// the segment gives back: what `search_vectors` must find by either of its scans.
fn brute_force(
    segment: &Segment,
    query: &[i8],
    k: usize,
    keep: &dyn Fn(u32) -> bool,
) -> Vec<(u32, f32)> {
    let mut all: Vec<(u32, f32)> = (0..segment.chunk_count() as u32)
        .filter_map(|c| {
            let (codes, scale) = segment.vector(c)?;
            let dot: i32 = codes
                .iter()
                .zip(query)
                .map(|(&a, &b)| i32::from(a) * i32::from(b))
                .sum();
            (dot > 0 && keep(c)).then_some((c, dot as f32 * scale))
        })
        .collect();
    crate::bm25::top_k(&mut all, k);
    all
}

#[test]
fn both_sparse_scans_find_what_scoring_every_chunk_finds() {
    // Many small files, so that a question reaching one rare dimension lists its few
    // entries while one reaching every dimension reads every sum.
    let texts: Vec<(String, String)> = (0..300)
        .map(|i| {
            let word: String = [i % 26, (i / 26) % 26, 7 + i % 5]
                .iter()
                .map(|&n| char::from(b'a' + n as u8))
                .collect();
            (
                format!("src/m{i}.rs"),
                format!("pub fn handle_{word}(request: Request) -> Reply {{\n    reply_{word}(request)\n}}\n"),
            )
        })
        .collect();
    let files: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let memory = built(&files);
    let path = write(&memory, dir.path());
    let segment = Segment::open(&path).unwrap();
    let dim = segment.meta.dim;
    let chunks = segment.chunk_count();
    let lengths: Vec<usize> = (0..dim)
        .map(|d| segment.sparse_dimension(d).0.len())
        .collect();
    let rare = (0..dim)
        .filter(|&d| lengths[d] > 0)
        .min_by_key(|&d| lengths[d])
        .unwrap();
    let common = (0..dim).max_by_key(|&d| lengths[d]).unwrap();
    assert!(lengths[rare] * 8 < chunks, "a dimension few chunks reach");
    let keep_odd = |c: u32| c % 2 == 1;
    let keep_all = |_: u32| true;
    let mut queries: Vec<Vec<i8>> = Vec::new();
    for (d, q) in [(rare, 90i8), (rare, -90), (common, 50)] {
        let mut query = vec![0i8; dim];
        query[d] = q;
        queries.push(query);
    }
    // Every dimension, with signs that let sums pass through zero.
    queries.push(
        (0..dim)
            .map(|d| if d % 3 == 0 { -40 } else { 60 })
            .collect(),
    );
    for query in &queries {
        for keep in [&keep_all as &dyn Fn(u32) -> bool, &keep_odd] {
            for k in [1, 5, 100] {
                assert_eq!(
                    segment.search_vectors(query, k, keep),
                    brute_force(&segment, query, k, keep)
                );
            }
        }
    }
}
