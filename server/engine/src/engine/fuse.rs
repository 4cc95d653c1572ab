//! Stage 3 of an answer: fuse the two candidate lists, weigh each candidate by what the
//! question names and by its file's kind, fold copies, merge overlapping places, and
//! gather the evidence the answer's confidence comes from.

use super::plan::{Plan, Terms};
use super::retrieve::Retrieved;
use super::*;

impl Engine {
    /// The places to answer with, best first, and the evidence about the first.
    pub(crate) fn fuse_and_rank(
        &self,
        query: &Query,
        plan: &Plan,
        terms: &Terms,
        found: &Retrieved,
        index: &Store,
        cancel: &CancelToken,
    ) -> Result<(Vec<Place>, crate::confidence::Evidence), QueryError> {
        let tokens = &plan.tokens;
        let known: Vec<&str> = terms.known.iter().map(String::as_str).collect();
        let mut candidates =
            rank::fuse_weighted(&found.lexical, &found.vector, self.config.vector_weight);
        let priors = rank::Priors {
            vendored: self.config.vendored_weight,
            ..rank::Priors::default()
        };
        let about_tests = plan.about_tests;
        // What the later steps need of each candidate's chunk, looked up once here: a
        // segment's chunk row is decoded on every lookup.
        let mut facts: Vec<(u32, Facts)> = Vec::with_capacity(candidates.len());
        for (n, c) in candidates.iter_mut().enumerate() {
            if n % 32 == 31 && cancel.is_cancelled() {
                return Err(QueryError::Cancelled);
            }
            if let Some(chunk) = index.chunk(c.id) {
                let symbol = chunk.symbol;
                let strength = symbol.map(|s| rank::symbol_strength(s, tokens, &known));
                let named = strength.unwrap_or(0.0);
                let file_kind = index.file_kind(chunk.file);
                // The path only matters next to the file the question is asked about.
                let path = match query.file {
                    Some(_) => index.path_of(&chunk),
                    None => "",
                };
                c.score *= rank::boost_with_strength(path, strength, query.file.as_deref())
                    * priors.factor(file_kind, symbol, named, about_tests);
                facts.push((
                    c.id,
                    Facts {
                        file: chunk.file,
                        start_line: chunk.start_line,
                        end_line: chunk.end_line,
                        function: matches!(chunk.kind, ChunkKind::Function | ChunkKind::Method),
                        copy: crate::copies::ChunkFacts {
                            hash: chunk.hash,
                            kind: file_kind,
                            lines: chunk.end_line.saturating_sub(chunk.start_line),
                        },
                    },
                ));
            }
        }
        facts.sort_unstable_by_key(|&(id, _)| id);
        let facts_of = |id: u32| {
            facts
                .binary_search_by_key(&id, |&(id, _)| id)
                .ok()
                .map(|at| facts[at].1)
        };
        rank::sort(&mut candidates);
        let folded = crate::copies::fold_copies(candidates, |id| facts_of(id).map(|f| f.copy));
        let places: Vec<Place> = folded
            .into_iter()
            .filter_map(|f| {
                let facts = facts_of(f.candidate.id)?;
                Some(Place {
                    path_id: facts.file,
                    start_line: facts.start_line,
                    end_line: facts.end_line,
                    function: facts.function,
                    copies: f.copies,
                    candidate: f.candidate,
                })
            })
            .collect();
        let places = rank::merge_overlapping(places, query.limit);
        let evidence = crate::confidence::gather(
            index,
            tokens,
            plan.counted_tokens,
            &places,
            &found.lexical,
            &found.vector,
        );
        Ok((places, evidence))
    }
}

/// What fusion reads of a candidate's chunk.
#[derive(Clone, Copy)]
struct Facts {
    file: u32,
    start_line: u32,
    end_line: u32,
    /// A function or method (not a class, section or window of lines).
    function: bool,
    copy: crate::copies::ChunkFacts,
}
