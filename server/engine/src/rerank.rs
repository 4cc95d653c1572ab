//! Re-ranking the head of the fused list: a linear model over features of each candidate
//! that the workspace itself gives (where each retriever put it, which of the question's
//! words its name, its class, its path and its text hold, weighed by how rare each word is,
//! what kind of chunk and file it is). The weights are fitted offline (`WEIGHTS`); no word
//! list is involved.

use crate::chunk::ChunkKind;
use crate::file_kind::FileKind;
use crate::rank::Candidate;
use crate::store::Store;

/// The features' names, in the order of `WEIGHTS` and of [`features`]' output.
pub const FEATURE_NAMES: [&str; FEATURES] = [
    "fused",
    "lexical",
    "lexical_rr",
    "vector",
    "vector_rel",
    "vector_rr",
    "coverage",
    "name_cov",
    "container_cov",
    "path_cov",
    "strength",
    "name_extra",
    "definition",
    "log_lines",
    "test",
    "third_party",
];
pub const FEATURES: usize = 16;

/// The question's words the index knows, each with its inverse document frequency: what
/// every candidate's features are measured against, computed once per answer.
pub struct QuestionTerms {
    terms: Vec<(String, f32)>,
    total_idf: f32,
}

impl QuestionTerms {
    /// The distinct word tokens of `question` (no pair compounds) that the index knows.
    pub fn new(index: &Store, question: &str) -> QuestionTerms {
        let mut words = Vec::new();
        crate::text::for_each_token(question, |t| words.push(t.to_string()));
        words.sort();
        words.dedup();
        let terms: Vec<(String, f32)> = words
            .into_iter()
            .filter_map(|t| index.term_idf(&t).map(|idf| (t, idf)))
            .collect();
        let total_idf = terms.iter().map(|(_, idf)| idf).sum();
        QuestionTerms { terms, total_idf }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The IDF-weighted share of the question's words that `has` holds, 0..1.
    fn coverage(&self, mut has: impl FnMut(&str) -> bool) -> f32 {
        if self.total_idf <= 0.0 {
            return 0.0;
        }
        let covered: f32 = self
            .terms
            .iter()
            .filter(|(t, _)| has(t))
            .map(|(_, idf)| idf)
            .sum();
        covered / self.total_idf
    }
}

/// What the candidates are measured against besides the question: each retriever's list
/// and the best fused score (after boosts and priors).
pub struct ListTops<'a> {
    pub lexical: &'a [(u32, f32)],
    pub vector: &'a [(u32, f32)],
    pub fused: f32,
}

/// The features of candidate `c` (see [`FEATURE_NAMES`]); `strength` is how strongly the
/// question names its symbol (`rank::symbol_strength`), `None` when it defines none.
pub fn features(
    index: &Store,
    q: &QuestionTerms,
    c: &Candidate,
    tops: &ListTops,
    strength: Option<f32>,
) -> [f32; FEATURES] {
    let mut f = [0.0; FEATURES];
    let Some(chunk) = index.chunk(c.id) else {
        return f;
    };
    let reciprocal = |rank: Option<usize>| rank.map_or(0.0, |r| 1.0 / (1.0 + r as f32));
    let lexical_score = c
        .lexical_rank
        .and_then(|r| tops.lexical.get(r))
        .map_or(0.0, |x| x.1);
    f[0] = if tops.fused > 0.0 && c.score > 0.0 {
        (c.score / tops.fused).ln().max(-5.0)
    } else {
        -5.0
    };
    let top_lexical = tops.lexical.first().map_or(0.0, |x| x.1);
    f[1] = if top_lexical > 0.0 {
        lexical_score / top_lexical
    } else {
        0.0
    };
    f[2] = reciprocal(c.lexical_rank);
    let top_vector = tops.vector.first().map_or(0.0, |x| x.1);
    f[3] = c.vector_similarity.max(0.0);
    f[4] = if top_vector > 0.0 {
        (c.vector_similarity / top_vector).clamp(0.0, 1.0)
    } else {
        0.0
    };
    f[5] = reciprocal(c.vector_rank);
    f[6] = q.coverage(|t| index.chunk_has_term(c.id, t));
    if let Some(symbol) = chunk.symbol {
        let last = crate::rank::last_segment(symbol);
        let mut name = Vec::new();
        crate::text::for_each_token(last, |t| name.push(t.to_string()));
        f[7] = q.coverage(|t| name.iter().any(|n| n == t));
        let container = &symbol[..symbol.len() - last.len()];
        let mut outer = Vec::new();
        crate::text::for_each_token(container, |t| outer.push(t.to_string()));
        f[8] = q.coverage(|t| outer.iter().any(|n| n == t));
        // The name's words the question does not use (its compound aside).
        if name.len() > 1 {
            name.pop();
        }
        let missing = name
            .iter()
            .filter(|n| !q.terms.iter().any(|(t, _)| t == *n))
            .count();
        f[11] = missing as f32 / name.len().max(1) as f32;
    }
    let mut path = Vec::new();
    crate::text::for_each_token(index.path_of(&chunk), |t| path.push(t.to_string()));
    f[9] = q.coverage(|t| path.iter().any(|n| n == t));
    f[10] = strength.unwrap_or(0.0);
    // Definitions (functions, methods, types) over sections, windows of lines and prose:
    // one feature for every kind of definition, so no kind is preferred to another.
    f[12] = f32::from(u8::from(!matches!(
        chunk.kind,
        ChunkKind::Section | ChunkKind::Lines
    )));
    f[13] = (1.0 + chunk.end_line.saturating_sub(chunk.start_line) as f32).ln();
    let kind = index.file_kind(chunk.file);
    f[14] = f32::from(u8::from(
        kind == FileKind::Test || chunk.symbol.is_some_and(crate::rank::is_test_symbol),
    ));
    f[15] = f32::from(u8::from(kind.is_third_party_or_generated()));
    f
}

/// How many of the fused list's first candidates the re-ranker orders.
pub const HEAD: usize = 100;

/// The features' weights in the re-ranker's score (`score = WEIGHTS . features`). Fitted
/// by `benches/fit_rerank.py` (a listwise softmax over each question's first `HEAD` fused
/// candidates, L2 1e-3) on the tune half of the quality benchmark on the vendored layout
/// (Django + pip: 496 doc, 142 "where is X defined" and 58 vendored-only questions), never
/// on the report half; the command is in BENCHMARKS.md ("A re-ranker of the fused head").
/// To refit after a ranking change: dump the candidates, run the script, paste its output.
pub const WEIGHTS: [f32; FEATURES] = [
    0.7611,  // fused
    4.5786,  // lexical
    -0.0023, // lexical_rr
    -4.3147, // vector
    2.2478,  // vector_rel
    -0.9285, // vector_rr
    3.8359,  // coverage
    2.6064,  // name_cov
    1.3590,  // container_cov
    0.2818,  // path_cov
    1.3424,  // strength
    -0.9781, // name_extra
    6.1122,  // definition
    -0.0553, // log_lines
    -0.0773, // test
    -0.7191, // third_party
];

/// Re-order the first [`HEAD`] of `candidates` (fused, weighed and sorted; see
/// `rank::Candidate`) by the re-ranker's score. Their scores become the fused list's best
/// score times `exp(score - best score)`, so the first keeps its score and the gaps between
/// places mean the model's odds; the rest keep their order below them.
pub fn rerank(
    index: &Store,
    question: &str,
    tokens: &[String],
    known: &[&str],
    lexical: &[(u32, f32)],
    vector: &[(u32, f32)],
    candidates: &mut Vec<Candidate>,
) {
    let head = candidates.len().min(HEAD);
    let Some(first) = candidates.first() else {
        return;
    };
    let q = QuestionTerms::new(index, question);
    if head < 2 || q.is_empty() {
        return;
    }
    let top = first.score;
    let tops = ListTops {
        lexical,
        vector,
        fused: top,
    };
    let mut scored: Vec<(f32, Candidate)> = candidates
        .drain(..head)
        .map(|c| {
            let strength = index
                .chunk(c.id)
                .and_then(|chunk| chunk.symbol)
                .map(|s| crate::rank::symbol_strength(s, tokens, known));
            let x = features(index, &q, &c, &tops, strength);
            let z: f32 = x.iter().zip(WEIGHTS).map(|(x, w)| x * w).sum();
            (z, c)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
    let best = scored[0].0;
    let mut lowest = top;
    let tail_top = candidates.first().map(|c| c.score);
    let mut head_out: Vec<Candidate> = scored
        .into_iter()
        .map(|(z, mut c)| {
            c.score = top * (z - best).max(-30.0).exp();
            lowest = c.score;
            c
        })
        .collect();
    // The rest keep their order and proportions, just below the head.
    if let Some(tail_top) = tail_top.filter(|&t| t > 0.0) {
        let scale = lowest * 0.99 / tail_top;
        for c in candidates.iter_mut() {
            c.score *= scale;
        }
    }
    head_out.append(candidates);
    *candidates = head_out;
}
