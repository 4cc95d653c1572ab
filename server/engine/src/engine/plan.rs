//! Stage 1 of an answer: read the question. Its tokens (with the compounds the index
//! knows), the cache's key and scope, the words the index knows and the related words to
//! search with.

use super::*;

/// What the question asks, as the later stages read it.
pub(crate) struct Plan {
    pub tokens: Vec<String>,
    /// Confidence counts the words and pairs only; longer runs are bonus evidence.
    pub counted_tokens: usize,
    pub key: String,
    pub scope: Scope,
    /// Whether the answer may come from, and go to, the answer cache.
    pub cacheable: bool,
    /// Whether the question asks about tests (which lifts the test-code prior).
    pub about_tests: bool,
}

/// The question's terms as the index knows them (computed after the exact cache tier, which
/// does not need them).
pub(crate) struct Terms {
    /// The tokens the index knows: the semantic tier needs two, the boosts read them.
    pub known: Vec<String>,
    pub related: Vec<(String, f32)>,
    /// The answer cache's lexical signature (0 when the cache is off).
    pub signature: u64,
}

impl Terms {
    /// What the lexical search is asked: the question's tokens at weight 1, then the related
    /// words at theirs.
    pub(crate) fn weighted<'a>(&'a self, plan: &'a Plan) -> Vec<(&'a str, f32)> {
        plan.tokens
            .iter()
            .map(|t| (t.as_str(), 1.0))
            .chain(self.related.iter().map(|(t, w)| (t.as_str(), *w)))
            .collect()
    }
}

/// The question trimmed, or why it cannot be asked.
pub(crate) fn checked_question(query: &Query) -> Result<&str, QueryError> {
    let question = query.question.trim();
    if question.is_empty() {
        return Err(QueryError::EmptyQuestion);
    }
    if question.len() > MAX_QUESTION_BYTES {
        return Err(QueryError::QuestionTooLong(question.len()));
    }
    Ok(question)
}

impl Engine {
    pub(crate) fn plan(&self, question: &str, query: &Query, index: &Store) -> Plan {
        let mut tokens = question_tokens(question);
        let counted_tokens = tokens.len();
        crate::question::add_run_compounds(question, |t| index.knows_term(t), &mut tokens);
        let key = crate::cache::retrieval_key(question, &tokens, self.static_embedder.is_some());
        Plan {
            counted_tokens,
            key,
            scope: Scope {
                file: query.file.clone(),
                line: query.line,
                limit: query.limit,
            },
            cacheable: query.retrieval == Retrieval::Hybrid
                && self.is_ready()
                && index.mem.unembedded.is_empty(),
            about_tests: rank::about_tests(question),
            tokens,
        }
    }

    pub(crate) fn terms(&self, plan: &Plan, index: &Store) -> Terms {
        let known = plan
            .tokens
            .iter()
            .filter(|t| index.knows_term(t))
            .cloned()
            .collect();
        let learned = self.config.learned_related.then_some(&index.mem.related);
        let related = crate::related::question_expansions(learned, &plan.tokens);
        // Only the answer cache reads the signature; a one-shot caller with the cache off
        // does not pay for it.
        let signature = if plan.cacheable && self.cache.config().enabled {
            crate::cache::lexical_signature(index, &plan.tokens, &related)
                ^ u64::from(plan.about_tests)
        } else {
            0
        };
        Terms {
            known,
            related,
            signature,
        }
    }
}
