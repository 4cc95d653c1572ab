//! Re-ranking the head of the fused list: a linear model over features of each candidate
//! that the workspace itself gives (where each retriever put it, which of the question's
//! words its name, its class, its path and its text hold, weighed by how rare each word is,
//! how rare its name is, what kind of chunk and file it is). The weights are fitted offline
//! (`WEIGHTS`); no word list is involved.

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
    "test_mismatch",
    "third_party",
    "rarest_held",
    "count_cov",
    "name_rarity",
];
pub const FEATURES: usize = 19;

/// The question's words the index knows, each with its inverse document frequency: what
/// every candidate's features are measured against, computed once per answer. Which of
/// them a text holds is a bit set over their positions.
pub struct QuestionTerms {
    /// Sorted by word; at most [`MAX_TERMS`].
    terms: Vec<(String, f32)>,
    total_idf: f32,
    /// The inverse document frequency of a word only one chunk holds: the scale of rarity.
    rarest_idf: f32,
    /// Whether the question asks about tests (`rank::about_tests`).
    about_tests: bool,
}

/// Words beyond this many (the least rare go first) do not count in coverages: the bit set
/// is a `u128`. Questions are far shorter.
const MAX_TERMS: usize = 128;

impl QuestionTerms {
    /// The distinct word tokens of `question` (no pair compounds) that the index knows;
    /// `about_tests` as the question's plan found it (`rank::about_tests`).
    pub fn new(index: &Store, question: &str, about_tests: bool) -> QuestionTerms {
        let mut words = Vec::new();
        crate::text::for_each_token(question, |t| words.push(t.to_string()));
        words.sort();
        words.dedup();
        let mut terms: Vec<(String, f32)> = words
            .into_iter()
            .filter_map(|t| index.term_idf(&t).map(|idf| (t, idf)))
            .collect();
        if terms.len() > MAX_TERMS {
            terms.sort_by(|a, b| b.1.total_cmp(&a.1));
            terms.truncate(MAX_TERMS);
            terms.sort_by(|a, b| a.0.cmp(&b.0));
        }
        let total_idf = terms.iter().map(|(_, idf)| idf).sum();
        let rarest_idf = crate::bm25::idf_of(index.live_chunks() as u64, 1);
        QuestionTerms {
            terms,
            total_idf,
            rarest_idf,
            about_tests,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The position of `word` among the question's words.
    fn position(&self, word: &str) -> Option<usize> {
        self.terms
            .binary_search_by(|(t, _)| t.as_str().cmp(word))
            .ok()
    }

    /// Which of the question's words `text`'s tokens hold, and how many of its tokens the
    /// question does not use (the last token aside when there are several: it is the
    /// identifier's compound).
    fn held_by(&self, text: &str) -> (u128, f32) {
        let mut held = 0u128;
        let (mut tokens, mut unused, mut last_unused) = (0usize, 0usize, false);
        crate::text::for_each_token(text, |t| {
            tokens += 1;
            match self.position(t) {
                Some(at) => {
                    held |= 1 << at;
                    last_unused = false;
                }
                None => {
                    unused += 1;
                    last_unused = true;
                }
            }
        });
        if tokens > 1 && last_unused {
            unused -= 1;
        }
        let counted = tokens.saturating_sub(usize::from(tokens > 1)).max(1);
        (held, unused as f32 / counted as f32)
    }

    /// The highest IDF among the question's words in `held`, against the highest of all.
    fn rarest_share(&self, held: u128) -> f32 {
        let rarest = |held: u128| {
            self.terms
                .iter()
                .enumerate()
                .filter(|(at, _)| held >> at & 1 == 1)
                .map(|(_, (_, idf))| *idf)
                .fold(0.0f32, f32::max)
        };
        let all = rarest(u128::MAX);
        if all > 0.0 {
            rarest(held) / all
        } else {
            0.0
        }
    }

    /// The share of the question's words in `held`, each counted once, 0..1.
    fn count_share(&self, held: u128) -> f32 {
        held.count_ones() as f32 / self.terms.len().max(1) as f32
    }

    /// The IDF-weighted share of the question's words in `held`, 0..1.
    fn coverage(&self, held: u128) -> f32 {
        if self.total_idf <= 0.0 {
            return 0.0;
        }
        let covered: f32 = self
            .terms
            .iter()
            .enumerate()
            .filter(|(at, _)| held >> at & 1 == 1)
            .map(|(_, (_, idf))| idf)
            .sum();
        covered / self.total_idf
    }
}

/// What the candidates are measured against besides the question: each retriever's list
/// and the best fused score (after boosts and priors). Paths are split once per file.
pub struct ListTops<'a> {
    pub lexical: &'a [(u32, f32)],
    pub vector: &'a [(u32, f32)],
    pub fused: f32,
    pub paths: PathWords,
}

/// Which of the question's words each file's path holds, by file id, filled as files come.
#[derive(Default)]
pub struct PathWords(std::cell::RefCell<Vec<(u32, u128)>>);

impl PathWords {
    fn held(&self, file: u32, held_by: impl FnOnce() -> u128) -> u128 {
        let mut seen = self.0.borrow_mut();
        if let Some(&(_, held)) = seen.iter().find(|(f, _)| *f == file) {
            return held;
        }
        let held = held_by();
        seen.push((file, held));
        held
    }
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
    let mut in_chunk = 0u128;
    for (at, (t, _)) in q.terms.iter().enumerate() {
        if index.chunk_has_term(c.id, t) {
            in_chunk |= 1 << at;
        }
    }
    f[6] = q.coverage(in_chunk);
    f[16] = q.rarest_share(in_chunk);
    f[17] = q.count_share(in_chunk);
    if let Some(symbol) = chunk.symbol {
        let last = crate::rank::last_segment(symbol);
        let (name, unused) = q.held_by(last);
        f[7] = q.coverage(name);
        f[8] = q.coverage(q.held_by(&symbol[..symbol.len() - last.len()]).0);
        f[11] = unused;
        // How rare the name is in the workspace: a name used everywhere says less.
        let mut compound = String::new();
        crate::text::for_each_token(last, |t| {
            compound.clear();
            compound.push_str(t)
        });
        f[18] = index
            .term_idf(&compound)
            .map_or(1.0, |idf| idf / q.rarest_idf.max(f32::EPSILON));
    }
    let path = tops
        .paths
        .held(chunk.file, || q.held_by(index.path_of(&chunk)).0);
    f[9] = q.coverage(path);
    f[10] = strength.unwrap_or(0.0);
    // Definitions (functions, methods, types) over sections, windows of lines and prose:
    // one feature for every kind of definition, so no kind is preferred to another.
    f[12] = f32::from(u8::from(!matches!(
        chunk.kind,
        ChunkKind::Section | ChunkKind::Lines
    )));
    f[13] = (1.0 + chunk.end_line.saturating_sub(chunk.start_line) as f32).ln();
    let kind = index.file_kind(chunk.file);
    // Test code for a question not about tests, or the code under test for one about
    // tests: the same policy as the test prior, so that the fitted weight follows it.
    let test = kind == FileKind::Test || chunk.symbol.is_some_and(crate::rank::is_test_symbol);
    f[14] = f32::from(u8::from(test != q.about_tests));
    f[15] = f32::from(u8::from(kind.is_third_party_or_generated()));
    f
}

/// How many of the fused list's first candidates the re-ranker orders.
pub const HEAD: usize = 100;

/// The features' weights in the re-ranker's score (`score = WEIGHTS . features`). Fitted
/// by `benches/fit_rerank.py` (a listwise softmax over each question's first `HEAD` fused
/// candidates, L2 1e-3 and 1e-2 on `definition`, the file kind's log prior a fixed
/// offset) on the tune half of the quality benchmark on the vendored layout (Django + pip: 527 doc questions answered by
/// implementation code, 142 "where is X defined" and 58 vendored-only questions; the doc
/// questions answered by tests are left out of the fit, since a question that does not ask
/// about tests means the implementation), never on the report half; the command is in
/// BENCHMARKS.md ("A re-ranker of the fused head"). To refit after a ranking change: dump
/// the candidates, run the script, paste its output.
pub const WEIGHTS: [f32; FEATURES] = [
    0.2034,  // fused
    3.9898,  // lexical
    0.5864,  // lexical_rr
    -2.6574, // vector
    1.8209,  // vector_rel
    0.2247,  // vector_rr
    1.0800,  // coverage
    2.0597,  // name_cov
    1.7601,  // container_cov
    1.1614,  // path_cov
    0.9658,  // strength
    -1.7126, // name_extra
    4.0643,  // definition
    0.0701,  // log_lines
    -4.2195, // test_mismatch
    -1.1619, // third_party
    0.5365,  // rarest_held
    1.1892,  // count_cov
    1.4945,  // name_rarity
];

/// What a file kind's prior adds to the re-ranker's score: its log, so that it multiplies
/// the model's odds.
pub fn log_prior(prior: f32) -> f32 {
    prior.max(f32::MIN_POSITIVE).ln()
}

/// Re-order the first [`HEAD`] of `candidates` (fused, weighed and sorted; see
/// `rank::Candidate`) by the re-ranker's score. Their scores become the fused list's best
/// score times `exp(score - best score)`, so the first keeps its score and the gaps between
/// places mean the model's odds; the rest keep their order below them. `facts_of` gives how
/// strongly the question names a candidate's symbol and its file kind's prior, as fusion
/// measured them; `about_tests` is the question's plan's. The prior is a policy (vendored and generated code below the project's
/// own, tests below the code they test, `vendoredWeight`), not something the model learns
/// from the bench's questions, so it multiplies the model's odds as it did the fused score.
pub fn rerank(
    index: &Store,
    question: &str,
    about_tests: bool,
    lexical: &[(u32, f32)],
    vector: &[(u32, f32)],
    candidates: &mut Vec<Candidate>,
    facts_of: impl Fn(u32) -> (Option<f32>, f32),
) {
    let head = candidates.len().min(HEAD);
    let Some(first) = candidates.first() else {
        return;
    };
    let q = QuestionTerms::new(index, question, about_tests);
    if head < 2 || q.is_empty() {
        return;
    }
    let top = first.score;
    let tops = ListTops {
        lexical,
        vector,
        fused: top,
        paths: PathWords::default(),
    };
    let mut scored: Vec<(f32, Candidate)> = candidates
        .drain(..head)
        .map(|c| {
            let (strength, prior) = facts_of(c.id);
            let x = features(index, &q, &c, &tops, strength);
            let z: f32 = x.iter().zip(WEIGHTS).map(|(x, w)| x * w).sum::<f32>() + log_prior(prior);
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
