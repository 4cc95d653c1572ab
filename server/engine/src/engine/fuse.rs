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
        let Weighed {
            mut candidates,
            facts,
        } = self.weighed_candidates(
            query,
            plan,
            terms,
            &found.lexical,
            &found.vector,
            index,
            cancel,
        )?;
        let facts_of = |id: u32| facts_of(&facts, id);
        // Fitted on the fused lists; a benchmark's one-retriever modes stay as they were.
        if self.config.rerank && query.retrieval == Retrieval::Hybrid {
            crate::rerank::rerank(
                index,
                &query.question,
                plan.about_tests,
                &found.lexical,
                &found.vector,
                &mut candidates,
                |id| facts_of(id).map_or((None, 1.0), |f| (f.strength, f.prior)),
            );
        }
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

    /// Both lists fused, each candidate weighed by what the question names and by its
    /// file's kind, best first; and what the later steps need of each candidate's chunk,
    /// looked up once here (a segment's chunk row is decoded on every lookup), by id.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn weighed_candidates(
        &self,
        query: &Query,
        plan: &Plan,
        terms: &Terms,
        lexical: &[(u32, f32)],
        vector: &[(u32, f32)],
        index: &Store,
        cancel: &CancelToken,
    ) -> Result<Weighed, QueryError> {
        let tokens = &plan.tokens;
        let known: Vec<&str> = terms.known.iter().map(String::as_str).collect();
        let mut candidates = rank::fuse_weighted(lexical, vector, self.config.vector_weight);
        let priors = rank::Priors {
            vendored: self.config.vendored_weight,
            ..rank::Priors::default()
        };
        let about_tests = plan.about_tests;
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
                let prior = priors.factor(file_kind, symbol, named, about_tests);
                c.score *= rank::boost_with_strength(path, strength, query.file.as_deref()) * prior;
                facts.push((
                    c.id,
                    Facts {
                        file: chunk.file,
                        start_line: chunk.start_line,
                        end_line: chunk.end_line,
                        function: matches!(chunk.kind, ChunkKind::Function | ChunkKind::Method),
                        strength,
                        prior,
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
        rank::sort(&mut candidates);
        Ok(Weighed { candidates, facts })
    }
}

/// The fused list, weighed and sorted, and what fusion read of each candidate's chunk.
pub(crate) struct Weighed {
    pub(crate) candidates: Vec<rank::Candidate>,
    /// By chunk id, ascending (see [`facts_of`]).
    pub(crate) facts: Vec<(u32, Facts)>,
}

/// What fusion read of chunk `id`, if it was a candidate.
pub(crate) fn facts_of(facts: &[(u32, Facts)], id: u32) -> Option<Facts> {
    facts
        .binary_search_by_key(&id, |&(id, _)| id)
        .ok()
        .map(|at| facts[at].1)
}

/// What fusion reads of a candidate's chunk.
#[derive(Clone, Copy)]
pub(crate) struct Facts {
    file: u32,
    start_line: u32,
    end_line: u32,
    /// A function or method (not a class, section or window of lines).
    function: bool,
    /// How strongly the question names the chunk's symbol (`rank::symbol_strength`).
    pub(crate) strength: Option<f32>,
    /// The file kind's prior (`rank::Priors::factor`): vendored, generated and test code.
    pub(crate) prior: f32,
    copy: crate::copies::ChunkFacts,
}
