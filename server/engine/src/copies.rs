//! Copies answer once: chunks with the same text (the same content hash) at several paths
//! (a vendored copy of the project's own module, a file copied between packages) take one
//! place of an answer, given to the project's own copy, and the others are listed with it.

use crate::file_kind::FileKind;
use crate::rank::Candidate;

/// Chunks shorter than this many lines are not folded: one-line bodies (`pass`, a getter)
/// repeat by chance, not because a file was copied.
pub const MIN_COPY_LINES: u32 = 3;

/// What `fold_copies` needs to know of a chunk.
#[derive(Clone, Copy, Debug)]
pub struct ChunkFacts {
    /// xxh3 of the chunk's text.
    pub hash: u64,
    pub kind: FileKind,
    pub lines: u32,
}

/// A candidate and the chunks with its text that it stands for.
#[derive(Clone, Debug, PartialEq)]
pub struct Folded {
    pub candidate: Candidate,
    /// The other copies, best scored first.
    pub copies: Vec<u32>,
}

/// Fold candidates (best first) whose chunks have the same text into one: the copy in the
/// project's own code if there is one (else the best scored), at the group's best score and
/// position. `facts` is `None` for a chunk that is gone; such candidates are dropped.
pub fn fold_copies(
    candidates: Vec<Candidate>,
    facts: impl Fn(u32) -> Option<ChunkFacts>,
) -> Vec<Folded> {
    let mut out: Vec<Folded> = Vec::with_capacity(candidates.len());
    // Text hash -> index in `out` of the group's place.
    let mut group_of: foldhash::HashMap<u64, usize> = foldhash::HashMap::default();
    // Whether each place of `out` is in the project's own code.
    let mut own: Vec<bool> = Vec::with_capacity(candidates.len());
    for c in candidates {
        let Some(f) = facts(c.id) else { continue };
        let is_own = !f.kind.is_third_party_or_generated();
        if f.lines < MIN_COPY_LINES {
            out.push(Folded {
                candidate: c,
                copies: Vec::new(),
            });
            own.push(is_own);
            continue;
        }
        match group_of.get(&f.hash) {
            Some(&at) => {
                let place = &mut out[at];
                if is_own && !own[at] {
                    // The project's own copy answers, at the place the group earned.
                    let score = place.candidate.score.max(c.score);
                    let earlier = std::mem::replace(&mut place.candidate, c);
                    place.candidate.score = score;
                    place.copies.insert(0, earlier.id);
                    own[at] = true;
                } else {
                    place.copies.push(c.id);
                }
            }
            None => {
                group_of.insert(f.hash, out.len());
                out.push(Folded {
                    candidate: c,
                    copies: Vec::new(),
                });
                own.push(is_own);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: u32, score: f32) -> Candidate {
        Candidate {
            id,
            lexical_rank: None,
            vector_rank: None,
            vector_similarity: 0.0,
            score,
        }
    }

    #[test]
    fn a_vendored_copy_folds_into_the_projects_own() {
        // 1 and 3 share text; 1 is vendored and ranked first; 2 is unrelated; 4 is a short
        // chunk with the same hash, which is not folded.
        let facts = |id: u32| {
            Some(match id {
                1 => ChunkFacts {
                    hash: 7,
                    kind: FileKind::Vendored,
                    lines: 10,
                },
                2 => ChunkFacts {
                    hash: 8,
                    kind: FileKind::FirstParty,
                    lines: 10,
                },
                3 => ChunkFacts {
                    hash: 7,
                    kind: FileKind::FirstParty,
                    lines: 10,
                },
                4 => ChunkFacts {
                    hash: 7,
                    kind: FileKind::FirstParty,
                    lines: 1,
                },
                _ => return None,
            })
        };
        let folded = fold_copies(
            vec![
                candidate(1, 0.9),
                candidate(2, 0.8),
                candidate(3, 0.5),
                candidate(4, 0.4),
                candidate(9, 0.3),
            ],
            facts,
        );
        let ids: Vec<u32> = folded.iter().map(|f| f.candidate.id).collect();
        assert_eq!(ids, vec![3, 2, 4]);
        assert_eq!(folded[0].copies, vec![1]);
        assert_eq!(
            folded[0].candidate.score, 0.9,
            "the group keeps its best score"
        );
        assert!(folded[1].copies.is_empty());
    }

    #[test]
    fn copies_of_the_same_kind_keep_the_best_scored() {
        let facts = |_| {
            Some(ChunkFacts {
                hash: 1,
                kind: FileKind::FirstParty,
                lines: 5,
            })
        };
        let folded = fold_copies(vec![candidate(5, 0.7), candidate(6, 0.6)], facts);
        assert_eq!(folded.len(), 1);
        assert_eq!(folded[0].candidate.id, 5);
        assert_eq!(folded[0].copies, vec![6]);
    }
}
