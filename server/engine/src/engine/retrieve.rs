//! Stage 2 of an answer: retrieve candidates from the index, lexically (BM25) and by vector
//! similarity, side by side or one after the other.

use super::plan::{Plan, Terms};
use super::*;

/// Both candidate lists, best first, and what each search took.
pub(crate) struct Retrieved {
    pub lexical: Vec<(u32, f32)>,
    pub vector: Vec<(u32, f32)>,
    pub lexical_ms: f64,
    pub vector_ms: f64,
}

impl Engine {
    pub(crate) fn retrieve(
        &self,
        query: &Query,
        plan: &Plan,
        terms: &Terms,
        qvec: &[f32],
        index: &Store,
        degraded: bool,
    ) -> Retrieved {
        let live = |id: u32| index.is_live(id);
        let lexical_search = || {
            let t = Instant::now();
            if query.retrieval == Retrieval::Vector {
                return (Vec::new(), ms(t));
            }
            let weighted = terms.weighted(plan);
            (index.lexical_search(&weighted, CANDIDATES, &live), ms(t))
        };
        let vector_search = || {
            let t = Instant::now();
            if query.retrieval == Retrieval::Lexical || qvec.iter().all(|&x| x == 0.0) {
                return (Vec::new(), ms(t));
            }
            (self.vector_search(index, qvec, &live), ms(t))
        };
        let ((lexical, lexical_ms), (vector, vector_ms)) =
            if self.config.parallel_stages && !degraded {
                rayon::join(lexical_search, vector_search)
            } else {
                (lexical_search(), vector_search())
            };
        Retrieved {
            lexical,
            vector,
            lexical_ms,
            vector_ms,
        }
    }
}
