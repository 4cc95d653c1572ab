//! Stage 3 of an answer: fuse the two candidate lists, weigh each candidate by what the
//! question names and by its file's kind, fold copies, merge overlapping places, and say
//! how confident the answer is.

use super::plan::{Plan, Terms};
use super::retrieve::Retrieved;
use super::*;

impl Engine {
    /// The places to answer with, best first, and the answer's confidence.
    pub(crate) fn fuse_and_rank(
        &self,
        query: &Query,
        plan: &Plan,
        terms: &Terms,
        found: &Retrieved,
        index: &Store,
        cancel: &CancelToken,
    ) -> Result<(Vec<Place>, f32), QueryError> {
        let tokens = &plan.tokens;
        let known: Vec<&str> = terms.known.iter().map(String::as_str).collect();
        let mut candidates = rank::fuse(&found.lexical, &found.vector);
        let priors = rank::Priors {
            vendored: self.config.vendored_weight,
            ..rank::Priors::default()
        };
        let about_tests = plan.about_tests;
        for (n, c) in candidates.iter_mut().enumerate() {
            if n % 32 == 31 && cancel.is_cancelled() {
                return Err(QueryError::Cancelled);
            }
            if let Some(chunk) = index.chunk(c.id) {
                let symbol = chunk.symbol;
                let named = symbol.map_or(0.0, |s| rank::symbol_strength(s, tokens, &known));
                c.score *=
                    rank::boost(
                        index.path_of(&chunk),
                        symbol,
                        query.file.as_deref(),
                        tokens,
                        &known,
                    ) * priors.factor(index.file_kind(chunk.file), symbol, named, about_tests);
            }
        }
        rank::sort(&mut candidates);
        let folded = crate::copies::fold_copies(candidates, |id| {
            index.chunk(id).map(|c| crate::copies::ChunkFacts {
                hash: c.hash,
                kind: index.file_kind(c.file),
                lines: c.end_line.saturating_sub(c.start_line),
            })
        });
        let places: Vec<Place> = folded
            .into_iter()
            .filter_map(|f| {
                let chunk = index.chunk(f.candidate.id)?;
                Some(Place {
                    path_id: chunk.file,
                    start_line: chunk.start_line,
                    end_line: chunk.end_line,
                    function: matches!(chunk.kind, ChunkKind::Function | ChunkKind::Method),
                    copies: f.copies,
                    candidate: f.candidate,
                })
            })
            .collect();
        let places = rank::merge_overlapping(places, query.limit);
        let confidence = self.confidence(
            index,
            &tokens[..plan.counted_tokens],
            &places,
            &found.lexical,
            &found.vector,
        );
        Ok((places, confidence))
    }

    pub(crate) fn confidence(
        &self,
        index: &Store,
        tokens: &[String],
        places: &[Place],
        lexical: &[(u32, f32)],
        vector: &[(u32, f32)],
    ) -> f32 {
        let Some(top) = places.first() else {
            return 0.0;
        };
        // Plain terms only: pair compounds ("parseargs") are bonus evidence, not coverage.
        let mut plain = Vec::new();
        crate::text::for_each_token(&tokens.join(" "), |t| plain.push(t.to_string()));
        plain.sort();
        plain.dedup();
        let known: Vec<&str> = plain
            .iter()
            .map(String::as_str)
            .filter(|t| index.knows_term(t))
            .collect();
        if known.is_empty() {
            return 0.0;
        }
        let known_share = known.len() as f32 / plain.len() as f32;
        let top_chunks: Vec<u32> = chunk_ids_in(index, top).collect();
        let covered = known
            .iter()
            .filter(|&&t| top_chunks.iter().any(|&c| index.chunk_has_term(c, t)))
            .count();
        let in_top =
            |list: &[(u32, f32)]| list.iter().take(10).any(|(id, _)| top_chunks.contains(id));
        rank::confidence(&Evidence {
            coverage: covered as f32 / known.len() as f32,
            known_terms: known_share,
            top_in_lexical: in_top(lexical),
            top_in_vector: in_top(vector),
            top_similarity: top.candidate.vector_similarity,
            first: top.candidate.score,
            second: places.get(1).map_or(0.0, |p| p.candidate.score),
        })
    }
}

/// The chunks of `place`'s file that fall inside its (possibly widened) line range.
pub(crate) fn chunk_ids_in<'a>(
    index: &'a Store,
    place: &'a Place,
) -> impl Iterator<Item = u32> + 'a {
    index
        .file_chunks(place.path_id)
        .into_iter()
        .filter(move |&c| {
            index.chunk(c).is_some_and(|ch| {
                ch.start_line >= place.start_line && ch.end_line <= place.end_line
            }) || c == place.candidate.id
        })
}
