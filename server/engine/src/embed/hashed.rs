//! The default embedder: TF-IDF of identifier-split sub-tokens, hashed into a fixed number
//! of dimensions with a sign bit ("feature hashing"). No download, deterministic, and a
//! question embeds in microseconds.
//!
//! Inverse document frequencies come from the corpus (`fit`); they are frozen at the last
//! full build and persisted with the index, so that vectors embedded at different times stay
//! comparable. Terms the corpus never saw are left out of a question's vector: they can only
//! land on other terms' buckets by collision.

use super::{normalize, Embedder};
use crate::text::for_each_token;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use xxhash_rust::xxh3::xxh3_64;

/// 512 dimensions: hash collisions hurt recall measurably at 256 (see dependencies.md).
pub const DEFAULT_DIM: usize = 512;

#[derive(Clone, Serialize, Deserialize)]
pub struct HashedTfIdf {
    dim: usize,
    /// xxh3 of a term -> its inverse document frequency. Written in hash order, so that
    /// one corpus always gives the same index file.
    #[serde(serialize_with = "serialize_sorted")]
    idf: foldhash::HashMap<u64, f32>,
    /// Weight for terms added after the fit (new documents only, never questions).
    unseen_idf: f32,
}

impl std::fmt::Debug for HashedTfIdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashedTfIdf")
            .field("dim", &self.dim)
            .field("terms", &self.idf.len())
            .finish()
    }
}

impl HashedTfIdf {
    /// An embedder that has seen no corpus: every term weighs the same.
    pub fn unfitted(dim: usize) -> Self {
        HashedTfIdf {
            dim: dim.max(8),
            idf: Default::default(),
            unseen_idf: 1.0,
        }
    }

    /// Fit inverse document frequencies from (term, document frequency) pairs over
    /// `documents` documents.
    pub fn fit<'a>(
        dim: usize,
        frequencies: impl Iterator<Item = (&'a str, usize)>,
        documents: usize,
    ) -> Self {
        let n = documents.max(1) as f32;
        let idf: foldhash::HashMap<u64, f32> = frequencies
            .filter(|&(_, df)| df > 0)
            .map(|(t, df)| (term_hash(t), (1.0 + n / df as f32).ln()))
            .collect();
        HashedTfIdf {
            dim: dim.max(8),
            idf,
            unseen_idf: (1.0 + n).ln(),
        }
    }

    pub fn is_fitted(&self) -> bool {
        !self.idf.is_empty()
    }

    /// Embed a document from its (term hash, count) pairs.
    pub fn embed_counts(&self, counts: impl Iterator<Item = (u64, u16)>) -> Vec<f32> {
        let mut v = vec![0.0f32; self.dim];
        for (h, tf) in counts {
            let idf = self.idf.get(&h).copied().unwrap_or(self.unseen_idf);
            self.add(&mut v, h, (1.0 + (tf as f32).ln()) * idf);
        }
        normalize(&mut v);
        v
    }

    /// The inverse document frequency the embedder gives a document term with hash `h`.
    pub fn idf_of(&self, h: u64) -> f32 {
        self.idf.get(&h).copied().unwrap_or(self.unseen_idf)
    }

    /// Add a document term's weight to an unnormalised vector, exactly as `embed_counts`
    /// does for each of its pairs; `idf` is `idf_of(h)`.
    pub fn add_term(&self, v: &mut [f32], h: u64, tf: u16, idf: f32) {
        self.add(v, h, (1.0 + (tf as f32).ln()) * idf);
    }

    fn add(&self, v: &mut [f32], h: u64, weight: f32) {
        let bucket = (h % self.dim as u64) as usize;
        let sign = if h >> 63 == 0 { 1.0 } else { -1.0 };
        v[bucket] += sign * weight;
    }

    /// Embed a question: its terms as `embed` weighs them, plus each related word (see
    /// `text::expansions`) at `RELATED_WEIGHT` of the weight it would have had, so that
    /// "the wait between tries" leans towards chunks about `backoff` and `attempt`, as the
    /// lexical search does.
    pub fn embed_question(&self, question: &str) -> Vec<f32> {
        let mut plain: Vec<String> = Vec::new();
        for_each_token(question, |t| plain.push(t.to_string()));
        let mut weights = self.term_weights(question);
        for t in crate::text::expansions(&plain) {
            let h = term_hash(&t);
            if let Some(&idf) = self.idf.get(&h) {
                weights
                    .entry(h)
                    .or_insert(crate::text::RELATED_WEIGHT * idf);
            }
        }
        self.vector_of(weights)
    }

    /// Each term of `text` by hash, with its TF-IDF weight. Terms the fitted corpus never
    /// saw are left out (see the module comment).
    fn term_weights(&self, text: &str) -> BTreeMap<u64, f32> {
        let mut counts: BTreeMap<u64, u16> = BTreeMap::new();
        for_each_token(text, |t| {
            let c = counts.entry(term_hash(t)).or_insert(0);
            *c = c.saturating_add(1);
        });
        counts
            .into_iter()
            .filter_map(|(h, tf)| {
                let idf = match self.idf.get(&h) {
                    Some(&idf) => idf,
                    None if self.is_fitted() => return None,
                    None => self.unseen_idf,
                };
                Some((h, (1.0 + (tf as f32).ln()) * idf))
            })
            .collect()
    }

    /// The unit vector of weighted terms, summed in hash order so that the float sums do
    /// not depend on any map's iteration order.
    fn vector_of(&self, weights: BTreeMap<u64, f32>) -> Vec<f32> {
        let mut v = vec![0.0f32; self.dim];
        for (h, weight) in weights {
            self.add(&mut v, h, weight);
        }
        normalize(&mut v);
        v
    }

    pub fn memory_bytes(&self) -> usize {
        self.idf.capacity() * 16
    }
}

/// A map as its entries in key order; encoded like the map itself, so it reads back as one.
fn serialize_sorted<S: serde::Serializer>(
    map: &foldhash::HashMap<u64, f32>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut entries: Vec<(&u64, &f32)> = map.iter().collect();
    entries.sort_unstable_by_key(|&(k, _)| *k);
    serializer.collect_map(entries)
}

/// The hash a term is bucketed by.
pub fn term_hash(term: &str) -> u64 {
    xxh3_64(term.as_bytes())
}

impl Embedder for HashedTfIdf {
    fn name(&self) -> &str {
        "hashed-tfidf"
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed(&self, text: &str) -> Vec<f32> {
        self.vector_of(self.term_weights(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn one_corpus_always_serialises_the_same_bytes_and_reads_back() {
        let frequencies: Vec<(String, usize)> =
            (0..500).map(|i| (format!("term{i}"), 1 + i % 7)).collect();
        let fit = || HashedTfIdf::fit(64, frequencies.iter().map(|(t, n)| (t.as_str(), *n)), 100);
        let bytes = postcard::to_allocvec(&fit()).unwrap();
        for _ in 0..5 {
            assert_eq!(postcard::to_allocvec(&fit()).unwrap(), bytes);
        }
        let back: HashedTfIdf = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back.embed("term3 term42"), fit().embed("term3 term42"));
    }

    #[test]
    fn a_question_leans_towards_related_words_the_corpus_knows() {
        let corpus = ["retry backoff attempt", "debounce timer", "wait loop"];
        let mut df: HashMap<String, usize> = HashMap::new();
        for doc in corpus {
            let mut seen = std::collections::HashSet::new();
            for_each_token(doc, |t| {
                if seen.insert(t.to_string()) {
                    *df.entry(t.to_string()).or_insert(0) += 1;
                }
            });
        }
        let e = HashedTfIdf::fit(64, df.iter().map(|(t, &n)| (t.as_str(), n)), corpus.len());
        let backoff = e.embed("backoff");
        let cos = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let q = "how long is the wait";
        assert!(
            cos(&e.embed_question(q), &backoff) > 0.0,
            "related word reached"
        );
        assert_eq!(
            cos(&e.embed(q), &backoff),
            0.0,
            "plain embedding has no relatives"
        );
        let norm: f32 = e.embed_question(q).iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-4);
        assert!(e.embed_question("zzz unknown").iter().all(|&x| x == 0.0));
    }

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    fn fitted(docs: &[&str]) -> HashedTfIdf {
        let mut df: HashMap<String, usize> = HashMap::new();
        for d in docs {
            let mut seen = std::collections::HashSet::new();
            for_each_token(d, |t| {
                if seen.insert(t.to_string()) {
                    *df.entry(t.to_string()).or_insert(0) += 1;
                }
            });
        }
        HashedTfIdf::fit(512, df.iter().map(|(t, &n)| (t.as_str(), n)), docs.len())
    }

    #[test]
    fn vectors_are_unit_length_and_deterministic() {
        let e = fitted(&["parse the args", "render a page"]);
        let a = e.embed("parseArgs from argv");
        let b = e.embed("parseArgs from argv");
        assert_eq!(a, b);
        assert_eq!(a.len(), 512);
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn related_text_is_closer_than_unrelated() {
        let docs = [
            "fn parse_args(argv) -> Config",
            "fn render_page(page) -> Html",
            "struct Cache { entries }",
        ];
        let e = fitted(&docs);
        let q = e.embed("how are args parsed");
        let scores: Vec<f32> = docs.iter().map(|d| cosine(&q, &e.embed(d))).collect();
        assert!(scores[0] > scores[1] && scores[0] > scores[2], "{scores:?}");
    }

    #[test]
    fn text_with_no_known_terms_embeds_to_zero() {
        let e = fitted(&["alpha beta"]);
        assert!(e.embed("zzzunknown !!").iter().all(|&x| x == 0.0));
        assert!(e.embed("").iter().all(|&x| x == 0.0));
    }

    #[test]
    fn counts_and_text_paths_agree_for_known_terms() {
        let e = fitted(&["cache eviction policy", "other words here"]);
        let mut counts: HashMap<u64, u16> = HashMap::new();
        for_each_token("cache eviction policy", |t| {
            *counts.entry(term_hash(t)).or_insert(0) += 1
        });
        let from_counts = e.embed_counts(counts.into_iter());
        let from_text = e.embed("cache eviction policy");
        assert!((cosine(&from_counts, &from_text) - 1.0).abs() < 1e-5);
    }
}
