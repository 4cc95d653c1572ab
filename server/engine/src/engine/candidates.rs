//! The ranking's inside for measurement tools: every fused candidate of a question down to
//! a chosen depth, with where each retriever put it and the re-ranker's features, so that a
//! benchmark can measure recall below the answer's limit and fit the re-ranker's weights.

use super::*;
use crate::rerank::{self, ListTops, QuestionTerms, FEATURES};

/// How many candidates each retriever gives an answer: the depth at which the candidates
/// are what an answer's ranking sees.
pub const ANSWER_DEPTH: usize = CANDIDATES;

/// One fused candidate as the ranking saw it.
#[derive(Clone, Debug)]
pub struct CandidateRow {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    /// 0-based ranks in each retriever's list.
    pub lexical_rank: Option<usize>,
    pub vector_rank: Option<usize>,
    /// The re-ranker's features (`rerank::FEATURE_NAMES`).
    pub features: [f32; FEATURES],
    /// The natural log of the file kind's prior, which the re-ranker adds to its score as
    /// policy (fits take it as a fixed offset).
    pub log_prior: f32,
}

impl Engine {
    /// The fused and weighed candidates for `query` (before the re-ranker, copies and
    /// merging), best first, each retriever asked for `depth` candidates. Bypasses the
    /// answer cache.
    pub fn candidates(&self, query: &Query, depth: usize) -> Result<Vec<CandidateRow>, QueryError> {
        let question = super::plan::checked_question(query)?;
        let index = self.index.snapshot();
        let plan = self.plan(question, query, &index);
        let terms = self.terms(&plan, &index);
        let live = |id: u32| index.is_live(id);
        let lexical = if query.retrieval == Retrieval::Vector {
            Vec::new()
        } else {
            index.lexical_search(&terms.weighted(&plan), depth, &live)
        };
        let qvec = index.embedder().embed_question(question);
        let vector = if query.retrieval == Retrieval::Lexical || qvec.iter().all(|&x| x == 0.0) {
            Vec::new()
        } else {
            index.vector_search(&qvec, depth, &live)
        };
        let cancel = CancelToken::new();
        let super::fuse::Weighed { candidates, facts } =
            self.weighed_candidates(query, &plan, &terms, &lexical, &vector, &index, &cancel)?;
        let strength_of = |id: u32| super::fuse::facts_of(&facts, id).and_then(|f| f.strength);
        let prior_of = |id: u32| super::fuse::facts_of(&facts, id).map_or(1.0, |f| f.prior);
        let q = QuestionTerms::new(&index, question, plan.about_tests);
        let tops = ListTops {
            lexical: &lexical,
            vector: &vector,
            fused: candidates.first().map_or(0.0, |c| c.score),
            paths: Default::default(),
        };
        Ok(candidates
            .iter()
            .filter_map(|c| {
                let chunk = index.chunk(c.id)?;
                Some(CandidateRow {
                    path: index.path_of(&chunk).to_string(),
                    start_line: chunk.start_line,
                    end_line: chunk.end_line,
                    lexical_rank: c.lexical_rank,
                    vector_rank: c.vector_rank,
                    features: rerank::features(&index, &q, c, &tops, strength_of(c.id)),
                    log_prior: rerank::log_prior(prior_of(c.id)),
                })
            })
            .collect())
    }
}
