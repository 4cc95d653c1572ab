//! BM25 over the segments and the overlay with shared statistics, scored window by window
//! over the chunk ids, so that the accumulator holds `scratch::WINDOW` slots however many
//! chunks the workspace has.

use super::{Part, Store, SCORES};
use crate::bm25::{idf_of, term_score, K1};
use crate::scratch::WINDOW;
use xxhash_rust::xxh3::xxh3_64;

/// One term's postings in one segment or in the overlay, read in order across windows.
struct Stream<'a> {
    /// Store id of the source's chunk 0.
    base: u32,
    docs: &'a [u32],
    freqs: &'a [u16],
    /// The segment the postings are in; `None` for the overlay.
    part: Option<&'a Part>,
    idf: f32,
    /// Postings before this one were read in an earlier window.
    at: usize,
}

impl Store {
    /// The `k` best chunks for the weighted terms, best first; only chunks that pass `keep`.
    pub fn lexical_search(
        &self,
        terms: &[(&str, f32)],
        k: usize,
        keep: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        let bm25 = &self.mem.bm25;
        let live = self.parts.iter().map(|p| p.live_docs).sum::<u64>() + bm25.len() as u64;
        let total = self.parts.iter().map(|p| p.total_len).sum::<u64>() + bm25.total_len();
        let avg_len = if live == 0 {
            1.0
        } else {
            (total as f32 / live as f32).max(1.0)
        };
        let inv_avg = 1.0 / avg_len;
        // Float sums: one fixed order of terms makes a score a function of the set of terms
        // (a chunk lives in one source, so its terms are added in this order in any window).
        let mut terms = terms.to_vec();
        terms.sort_by(|a, b| a.0.cmp(b.0).then(a.1.total_cmp(&b.1)));
        let mut streams = Vec::new();
        for &(term, weight) in &terms {
            let hash = xxh3_64(term.as_bytes());
            let found: Vec<(&Part, u32)> = self
                .parts
                .iter()
                .filter_map(|p| Some((p, p.segment.term_id_hashed(term, hash)?)))
                .collect();
            // Live postings only, so a score does not depend on whether dead chunks have
            // been merged away yet.
            let mut df: u64 = found.iter().map(|&(p, t)| p.live_df(t)).sum();
            let mem_term = bm25.term_id(term);
            df += mem_term.map_or(0, |t| {
                if self.mem.tombstones() == 0 {
                    bm25.df(t)
                } else {
                    let docs = bm25.postings(t).0;
                    docs.iter().filter(|&&d| bm25.doc_len(d) > 0).count() as u64
                }
            });
            if df == 0 {
                continue;
            }
            let idf = idf_of(live, df) * weight * (K1 + 1.0);
            for (part, t) in found {
                let (docs, freqs) = part.segment.postings(t);
                let (base, part) = (part.chunk_base, Some(part));
                streams.push(Stream {
                    base,
                    docs,
                    freqs,
                    part,
                    idf,
                    at: 0,
                });
            }
            if let Some(t) = mem_term {
                let (docs, freqs) = bm25.postings(t);
                let base = self.segment_chunks();
                streams.push(Stream {
                    base,
                    docs,
                    freqs,
                    part: None,
                    idf,
                    at: 0,
                });
            }
        }
        let ids = self.id_count() as u32;
        SCORES.with(WINDOW.min(ids as usize), |acc| {
            let crate::scratch::Accumulator {
                values: scores,
                touched,
            } = acc;
            // Only candidates that would enter the top k are shown to `keep`.
            let mut top = crate::topk::TopK::new(k);
            let mut low = 0u32;
            while low < ids {
                let high = low.saturating_add(WINDOW as u32).min(ids);
                for stream in &mut streams {
                    if stream.base >= high {
                        continue;
                    }
                    let docs = &stream.docs[stream.at..];
                    let end = stream.at + docs.partition_point(|&d| stream.base + d < high);
                    let window = stream.at..end;
                    stream.at = end;
                    let mut add = |doc: u32, tf: u16, len: u32| {
                        let at = stream.base + doc - low;
                        let slot = &mut scores[at as usize];
                        if *slot == 0.0 {
                            touched.push(at);
                        }
                        *slot += term_score(stream.idf, tf, len, inv_avg);
                    };
                    let postings = stream.docs[window.clone()]
                        .iter()
                        .zip(&stream.freqs[window]);
                    match stream.part {
                        Some(part) => {
                            let lens = part.segment.doc_lens();
                            let any_dead = part.dead_chunk_count > 0;
                            for (&doc, &tf) in postings {
                                let len = lens[doc as usize];
                                if len == 0 || (any_dead && part.chunk_dead(doc)) {
                                    continue;
                                }
                                add(doc, tf, len);
                            }
                        }
                        None => {
                            for (&doc, &tf) in postings {
                                let len = bm25.doc_len(doc);
                                if len == 0 {
                                    continue; // removed
                                }
                                add(doc, tf, len);
                            }
                        }
                    }
                }
                for &slot in touched.iter() {
                    let score = std::mem::take(&mut scores[slot as usize]);
                    if score > 0.0 {
                        top.offer(low + slot, score, keep);
                    }
                }
                touched.clear();
                low = high;
            }
            top.into_ranked()
        })
    }
}
