//! Recall of one index measured against another: the check behind falling back from the graph
//! to the exact scan when the graph's answers drift from the true nearest neighbours.

use super::{VectorId, VectorIndex};

/// Recall below which the graph should not be trusted and the exact index should answer
/// (until the graph is rebuilt or its search widened).
pub const MIN_ACCEPTABLE_RECALL: f64 = 0.95;

/// Mean over queries of the share of the true top `k` that was found in the first `k` results.
///
/// `truth[i]` and `found[i]` are the ids returned for query `i`, best first. A query whose
/// truth has fewer than `k` ids (a filter kept few points) is scored against that many; a
/// query with an empty truth is skipped, and a missing `found[i]` counts as found nothing.
/// With no scorable query (or `k` 0) nothing was missed, so the recall is 1.
pub fn recall_at_k(truth: &[Vec<VectorId>], found: &[Vec<VectorId>], k: usize) -> f64 {
    let mut total = 0.0;
    let mut scored = 0usize;
    for (i, true_ids) in truth.iter().enumerate() {
        let true_ids = &true_ids[..true_ids.len().min(k)];
        if true_ids.is_empty() {
            continue;
        }
        let found_ids = found.get(i).map_or(&[][..], |f| &f[..f.len().min(k)]);
        let hits = true_ids.iter().filter(|id| found_ids.contains(id)).count();
        total += hits as f64 / true_ids.len() as f64;
        scored += 1;
    }
    if scored == 0 {
        1.0
    } else {
        total / scored as f64
    }
}

/// Recall@k of `candidate` against `reference` (normally the exact index) over `queries`,
/// both searched with the same `keep`. Queries can be taken from the data itself with
/// `ExactIndex::sample_vectors`.
pub fn measure_recall(
    reference: &dyn VectorIndex,
    candidate: &dyn VectorIndex,
    queries: &[Vec<f32>],
    k: usize,
    keep: &dyn Fn(VectorId) -> bool,
) -> f64 {
    let ids = |index: &dyn VectorIndex, q: &[f32]| -> Vec<VectorId> {
        index
            .search(q, k, keep)
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    };
    let truth: Vec<Vec<VectorId>> = queries.iter().map(|q| ids(reference, q)).collect();
    let found: Vec<Vec<VectorId>> = queries.iter().map(|q| ids(candidate, q)).collect();
    recall_at_k(&truth, &found, k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::exact::ExactIndex;
    use crate::vector::synthetic::clustered;

    #[test]
    fn recall_counts_overlap_in_the_first_k() {
        let truth = vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8]];
        let found = vec![vec![4, 3, 9, 1], vec![5, 0, 0, 6]];
        // Query 0: {1,3,4} of 4 within the first 4; query 1: {5,6} of 4.
        assert!((recall_at_k(&truth, &found, 4) - (0.75 + 0.5) / 2.0).abs() < 1e-12);
        // Only the first 2 of each count at k=2: query 0 finds neither 1 nor 2.
        assert!((recall_at_k(&truth, &found, 2) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn short_empty_and_missing_lists() {
        // Truth shorter than k: scored against its own length.
        assert_eq!(recall_at_k(&[vec![1, 2]], &[vec![2, 1, 7]], 10), 1.0);
        // Empty truth is skipped; no scorable queries means recall 1.
        assert_eq!(recall_at_k(&[vec![]], &[vec![1]], 10), 1.0);
        assert_eq!(recall_at_k(&[], &[], 10), 1.0);
        assert_eq!(recall_at_k(&[vec![1]], &[vec![1]], 0), 1.0);
        // A missing answer finds nothing.
        assert_eq!(recall_at_k(&[vec![1], vec![2]], &[vec![1]], 1), 0.5);
    }

    #[test]
    fn an_index_has_full_recall_against_itself_and_less_against_a_different_one() {
        let data = clustered(300, 16, 1);
        let a = ExactIndex::with_dim(16);
        let b = ExactIndex::with_dim(16);
        for (i, v) in data.iter().enumerate() {
            a.insert(i as VectorId, v);
            // b holds the same vectors under other ids for half of them.
            b.insert(
                if i % 2 == 0 {
                    i as VectorId
                } else {
                    10_000 + i as VectorId
                },
                v,
            );
        }
        let queries = a.sample_vectors(20);
        let keep = |_: VectorId| true;
        assert_eq!(measure_recall(&a, &a, &queries, 10, &keep), 1.0);
        let half = measure_recall(&a, &b, &queries, 10, &keep);
        assert!((0.3..0.7).contains(&half), "recall {half}");
    }
}
