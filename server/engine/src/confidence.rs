//! How sure an answer is: the evidence about its top place, and the confidence stated for
//! it, meant as the chance that the top place is the right one.

use crate::rank::Place;
use crate::store::Store;

/// What the engine knows about an answer's top place, the inputs to its confidence.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Evidence {
    /// Share of the question's words found in the top place, 0..1; a word the workspace
    /// never uses is not found anywhere.
    pub coverage: f32,
    /// The same share weighed by each word's inverse document frequency in the workspace,
    /// so that meeting a rare word counts more than meeting a common one (a word the
    /// workspace never uses weighs the most), 0..1.
    pub weighted_coverage: f32,
    /// Share of the question's words the index knows at all, 0..1.
    pub known_terms: f32,
    /// Whether the top place is among the first ten of each retriever's list.
    pub top_in_lexical: bool,
    pub top_in_vector: bool,
    /// Whether the top place holds the first of each retriever's list.
    pub lexical_first: bool,
    pub vector_first: bool,
    /// Cosine similarity of the top place to the question.
    pub top_similarity: f32,
    /// How strongly the question names the top place's symbol (`rank::symbol_strength`),
    /// 0 when it names none.
    pub named: f32,
    /// Share of the question's known words that are words of the top place's symbol name:
    /// near 1 when the question is mostly that name ("where is parse args defined").
    pub name_share: f32,
    /// Fused scores of the first and second places; `second` is `None` when nothing else
    /// was found.
    pub first: f32,
    pub second: Option<f32>,
}

impl Evidence {
    /// How far the top place stands out from the second, 0..1. A lone place has nothing
    /// to stand out from, and the fit never saw one (every benchmark answer had a second
    /// place), so its margin counts as none rather than as the largest there is.
    pub fn margin(&self) -> f32 {
        match self.second {
            Some(second) if self.first > 0.0 => {
                ((self.first - second) / self.first).clamp(0.0, 1.0)
            }
            _ => 0.0,
        }
    }
}

/// The evidence about `places[0]`. `tokens` are the question's tokens, of which the first
/// `counted` (its words and pairs) count towards coverage; the rest (longer runs spelled as
/// names) count only towards naming a symbol.
pub fn gather(
    index: &Store,
    tokens: &[String],
    counted: usize,
    places: &[Place],
    lexical: &[(u32, f32)],
    vector: &[(u32, f32)],
) -> Evidence {
    let Some(top) = places.first() else {
        return Evidence::default();
    };
    // Plain terms only: pair compounds ("parseargs") are bonus evidence, not coverage.
    let mut plain = Vec::new();
    crate::text::for_each_token(&tokens[..counted.min(tokens.len())].join(" "), |t| {
        plain.push(t.to_string())
    });
    plain.sort();
    plain.dedup();
    let known: Vec<(&str, f32)> = plain
        .iter()
        .filter_map(|t| index.term_idf(t).map(|idf| (t.as_str(), idf)))
        .collect();
    if known.is_empty() {
        return Evidence::default();
    }
    let top_chunks: Vec<u32> = chunk_ids_in(index, top).collect();
    let in_top = |t: &str| top_chunks.iter().any(|&c| index.chunk_has_term(c, t));
    let covered: Vec<bool> = known.iter().map(|(t, _)| in_top(t)).collect();
    // A word no chunk holds is as specific as a word can be.
    let unknown_idf = crate::bm25::idf_of(index.live_chunks().max(1) as u64, 0);
    let total_idf: f32 = known.iter().map(|(_, idf)| idf).sum::<f32>()
        + (plain.len() - known.len()) as f32 * unknown_idf;
    let covered_idf: f32 = known
        .iter()
        .zip(&covered)
        .filter(|(_, &c)| c)
        .map(|((_, idf), _)| idf)
        .sum();
    let in_list =
        |list: &[(u32, f32)], n: usize| list.iter().take(n).any(|(id, _)| top_chunks.contains(id));
    let known_tokens: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .filter(|t| index.knows_term(t))
        .collect();
    let symbol = index.chunk(top.candidate.id).and_then(|c| c.symbol);
    let named = symbol.map_or(0.0, |s| {
        crate::rank::symbol_strength(s, tokens, &known_tokens)
    });
    let mut name_words = Vec::new();
    if let Some(s) = symbol {
        crate::text::for_each_token(crate::rank::last_segment(s), |t| {
            name_words.push(t.to_string())
        });
    }
    let in_name = known
        .iter()
        .filter(|(t, _)| name_words.iter().any(|w| w == t))
        .count();
    Evidence {
        coverage: covered.iter().filter(|&&c| c).count() as f32 / plain.len() as f32,
        weighted_coverage: if total_idf > 0.0 {
            covered_idf / total_idf
        } else {
            0.0
        },
        known_terms: known.len() as f32 / plain.len() as f32,
        top_in_lexical: in_list(lexical, 10),
        top_in_vector: in_list(vector, 10),
        lexical_first: in_list(lexical, 1),
        vector_first: in_list(vector, 1),
        top_similarity: top.candidate.vector_similarity,
        named,
        name_share: in_name as f32 / known.len() as f32,
        first: top.candidate.score,
        second: places.get(1).map(|p| p.candidate.score),
    }
}

/// The chunks of `place`'s file that fall inside its (possibly widened) line range.
fn chunk_ids_in<'a>(index: &'a Store, place: &'a Place) -> impl Iterator<Item = u32> + 'a {
    index
        .file_chunks(place.path_id)
        .into_iter()
        .filter(move |&c| {
            index.chunk(c).is_some_and(|ch| {
                ch.start_line >= place.start_line && ch.end_line <= place.end_line
            }) || c == place.candidate.id
        })
}

/// Weights of the evidence features (`features`, in that order) in a logistic model of
/// "the first place is the right one", and its bias. Fitted by `benches/fit_confidence.py`
/// on the tune half of the quality benchmark on the vendored layout (Django + pip,
/// `AIL_BENCH_WORKSPACE=bench-data/vendored AIL_QUALITY_LIMIT=4000 AIL_QUALITY_EVIDENCE=…
/// cargo bench --bench quality`; BENCHMARKS.md, "Confidence"), never on the report half.
/// Every weight is at least 0, so confidence never falls as evidence grows. To refit after
/// a ranking change (the re-ranker decides the first place and its margin): run that
/// command, then the script, and paste its output.
const WEIGHTS: [f32; 11] = [
    1.1780, // coverage
    0.0000, // weighted_coverage
    0.0470, // known_terms
    0.6549, // top_in_lexical
    0.0000, // top_in_vector
    0.6181, // lexical_first
    0.0000, // vector_first
    0.8429, // top_similarity
    0.0887, // named
    2.5241, // name_share
    1.8511, // margin
];
const BIAS: f32 = -4.3930;

/// The logistic model's output mapped to measured precision (isotonic regression over
/// twelve bins of the tune half, by the same script): one logistic curve cannot be right
/// both for name lookups, almost always right, and for descriptions, rarely.
const KNOTS: [(f32, f32); 11] = [
    (0.0381, 0.0564),
    (0.0662, 0.0783),
    (0.0970, 0.0982),
    (0.1362, 0.1509),
    (0.1852, 0.2276),
    (0.2494, 0.2346),
    (0.3255, 0.3246),
    (0.4306, 0.3498),
    (0.5707, 0.4604),
    (0.7493, 0.7033),
    (0.8983, 0.9810),
];

/// The model's inputs, each 0..1, more meaning more evidence for the first place.
fn features(e: &Evidence) -> [f32; 11] {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    [
        e.coverage,
        e.weighted_coverage,
        e.known_terms,
        flag(e.top_in_lexical),
        flag(e.top_in_vector),
        flag(e.lexical_first),
        flag(e.vector_first),
        e.top_similarity,
        e.named,
        e.name_share,
        e.margin(),
    ]
    .map(|x| x.clamp(0.0, 1.0))
}

/// The chance, 0..1, that the answer's first place is the one asked for: 0 with no place
/// or no word the workspace knows.
pub fn confidence(e: &Evidence) -> f32 {
    if e.first <= 0.0 || e.known_terms <= 0.0 {
        return 0.0;
    }
    let z = features(e)
        .iter()
        .zip(WEIGHTS)
        .fold(BIAS, |z, (x, w)| z + x * w);
    through_knots(1.0 / (1.0 + (-z).exp()))
}

/// `p` through `KNOTS`, linearly between them and flat beyond the ends: non-decreasing,
/// so the confidence still never falls as evidence grows.
fn through_knots(p: f32) -> f32 {
    let (first, last) = (KNOTS[0], KNOTS[KNOTS.len() - 1]);
    if p <= first.0 {
        return first.1;
    }
    for pair in KNOTS.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        if p <= x1 {
            return y0 + (y1 - y0) * (p - x0) / (x1 - x0);
        }
    }
    last.1
}

/// Below this confidence the summary says that nothing matches well, and the places listed
/// are only the closest ones: with the confidence calibrated, the first place is then right
/// less than one time in five.
pub const NO_GOOD_MATCH: f32 = 0.2;

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(level: f32) -> Evidence {
        Evidence {
            coverage: level,
            weighted_coverage: level,
            known_terms: level.max(0.1),
            top_in_lexical: level > 0.3,
            top_in_vector: level > 0.5,
            lexical_first: level > 0.6,
            vector_first: level > 0.8,
            top_similarity: level * 0.8,
            named: level,
            name_share: level,
            first: 0.05,
            second: Some(0.05 * (1.0 - level * 0.6)),
        }
    }

    /// Each way of adding evidence, one at a time.
    fn strengthen(e: &Evidence, feature: usize, by: f32) -> Evidence {
        let mut s = *e;
        let up = |x: f32| (x + by).min(1.0);
        match feature {
            0 => s.coverage = up(s.coverage),
            1 => s.weighted_coverage = up(s.weighted_coverage),
            2 => s.known_terms = up(s.known_terms),
            3 => s.top_in_lexical = true,
            4 => s.top_in_vector = true,
            5 => s.lexical_first = true,
            6 => s.vector_first = true,
            7 => s.top_similarity = up(s.top_similarity),
            8 => s.named = up(s.named),
            9 => s.name_share = up(s.name_share),
            _ => s.second = s.second.map(|x| (x - by * s.first).max(0.0)),
        }
        s
    }

    #[test]
    fn confidence_never_falls_as_any_evidence_grows() {
        // A spread of starting points, from none to all, and mixed ones (a fixed LCG).
        let mut starts: Vec<Evidence> = (0..=10).map(|i| evidence(i as f32 / 10.0)).collect();
        let mut seed: u32 = 12345;
        let mut next = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (seed >> 8) as f32 / (1u32 << 24) as f32
        };
        for _ in 0..200 {
            let first = 0.01 + next() * 0.1;
            starts.push(Evidence {
                coverage: next(),
                weighted_coverage: next(),
                known_terms: 0.05 + next() * 0.95,
                top_in_lexical: next() > 0.5,
                top_in_vector: next() > 0.5,
                lexical_first: next() > 0.5,
                vector_first: next() > 0.5,
                top_similarity: next(),
                named: next() * 1.5,
                name_share: next(),
                first,
                second: Some(first * next()),
            });
        }
        for e in &starts {
            let before = confidence(e);
            assert!((0.0..=1.0).contains(&before), "{before} for {e:?}");
            for feature in 0..=10 {
                for by in [0.05, 0.3, 1.0] {
                    let stronger = strengthen(e, feature, by);
                    let after = confidence(&stronger);
                    assert!(
                        after >= before,
                        "feature {feature} +{by}: {before} -> {after} for {e:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_weights_reward_evidence_and_something_moves_the_confidence() {
        assert!(WEIGHTS.iter().all(|&w| w >= 0.0), "{WEIGHTS:?}");
        assert!(confidence(&evidence(1.0)) > confidence(&evidence(0.2)) + 0.5);
    }

    #[test]
    fn strong_evidence_is_confident_and_weak_evidence_abstains() {
        let strong = confidence(&evidence(1.0));
        assert!(strong > 0.8, "{strong}");
        // Few of the question's words in the top place, nothing named, no clear winner.
        let weak = Evidence {
            coverage: 0.25,
            weighted_coverage: 0.2,
            known_terms: 0.5,
            top_in_lexical: true,
            top_in_vector: false,
            lexical_first: false,
            vector_first: false,
            top_similarity: 0.15,
            named: 0.0,
            name_share: 0.0,
            first: 0.04,
            second: Some(0.039),
        };
        assert!(confidence(&weak) < NO_GOOD_MATCH, "{}", confidence(&weak));
    }

    #[test]
    fn no_place_or_no_known_word_means_no_confidence() {
        assert_eq!(confidence(&Evidence::default()), 0.0);
        let unknown_words = Evidence {
            known_terms: 0.0,
            ..evidence(1.0)
        };
        assert_eq!(confidence(&unknown_words), 0.0);
        let no_place = Evidence {
            first: 0.0,
            second: None,
            ..evidence(1.0)
        };
        assert_eq!(confidence(&no_place), 0.0);
    }
}
