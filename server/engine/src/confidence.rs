//! How sure an answer is: the evidence about its top place, and the confidence stated for
//! it, meant as the chance that the top place is the right one.

use crate::rank::Place;
use crate::store::Store;

/// What the engine knows about an answer's top place, the inputs to its confidence.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Evidence {
    /// Share of the question's words (those the index knows) found in the top place, 0..1.
    pub coverage: f32,
    /// The same share weighed by each word's inverse document frequency in the workspace,
    /// so that meeting a rare word counts more than meeting a common one, 0..1.
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
    /// Fused scores of the first and second places.
    pub first: f32,
    pub second: f32,
}

impl Evidence {
    /// How far the top place stands out from the second, 0..1.
    pub fn margin(&self) -> f32 {
        if self.first <= 0.0 {
            return 0.0;
        }
        ((self.first - self.second) / self.first).clamp(0.0, 1.0)
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
    let total_idf: f32 = known.iter().map(|(_, idf)| idf).sum();
    let covered_idf: f32 = known
        .iter()
        .zip(&covered)
        .filter(|(_, &c)| c)
        .map(|((_, idf), _)| idf)
        .sum();
    let in_list = |list: &[(u32, f32)], n: usize| {
        list.iter()
            .take(n)
            .any(|(id, _)| top_chunks.contains(id))
    };
    let known_tokens: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .filter(|t| index.knows_term(t))
        .collect();
    let named = index
        .chunk(top.candidate.id)
        .and_then(|c| c.symbol)
        .map_or(0.0, |s| {
            crate::rank::symbol_strength(s, tokens, &known_tokens)
        });
    Evidence {
        coverage: covered.iter().filter(|&&c| c).count() as f32 / known.len() as f32,
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
        first: top.candidate.score,
        second: places.get(1).map_or(0.0, |p| p.candidate.score),
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

/// 0..1: high when the retrievers agree, the top result covers the question and stands out.
pub fn confidence(e: &Evidence) -> f32 {
    if e.first <= 0.0 || e.known_terms <= 0.0 {
        return 0.0;
    }
    let agreement = match (e.top_in_lexical, e.top_in_vector) {
        (true, true) => 1.0,
        (true, false) | (false, true) => 0.5,
        _ => 0.0,
    };
    let c = 0.4 * e.coverage
        + 0.25 * agreement
        + 0.2 * e.top_similarity.clamp(0.0, 1.0)
        + 0.15 * e.margin();
    (c * e.known_terms.clamp(0.0, 1.0).sqrt()).clamp(0.0, 1.0)
}

/// Below this confidence the summary says that nothing matches well, and the places listed
/// are only the closest ones.
pub const NO_GOOD_MATCH: f32 = 0.3;
