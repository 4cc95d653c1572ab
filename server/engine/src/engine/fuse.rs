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
        let mut candidates = self.weighed_candidates(
            query,
            plan,
            terms,
            &found.lexical,
            &found.vector,
            index,
            cancel,
        )?;
        // Fitted on the fused lists; a benchmark's one-retriever modes stay as they were.
        if self.config.rerank && query.retrieval == Retrieval::Hybrid {
            let known: Vec<&str> = terms.known.iter().map(String::as_str).collect();
            crate::rerank::rerank(
                index,
                &query.question,
                tokens,
                &known,
                &found.lexical,
                &found.vector,
                &mut candidates,
            );
        }
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
    /// file's kind, best first.
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
    ) -> Result<Vec<rank::Candidate>, QueryError> {
        let tokens = &plan.tokens;
        let known: Vec<&str> = terms.known.iter().map(String::as_str).collect();
        let mut candidates = rank::fuse_weighted(lexical, vector, self.config.vector_weight);
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
                let strength = symbol.map(|s| rank::symbol_strength(s, tokens, &known));
                let named = strength.unwrap_or(0.0);
                c.score *=
                    rank::boost_with_strength(
                        index.path_of(&chunk),
                        strength,
                        query.file.as_deref(),
                    ) * priors.factor(index.file_kind(chunk.file), symbol, named, about_tests);
            }
        }
        rank::sort(&mut candidates);
        Ok(candidates)
    }
}
