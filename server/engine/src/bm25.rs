//! The lexical index: BM25 over identifier-aware tokens (see `text`).
//!
//! Documents are chunk ids, added in increasing order, so every posting list is sorted by
//! id and "does chunk X contain term T" is a binary search. Removed chunks stay in the
//! posting lists and are skipped through their zero length until `renumber`
//! compacts them away.

use crate::vocab::Vocabulary;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub const K1: f32 = 1.2;
pub const B: f32 = 0.5;

/// BM25's smoothed inverse document frequency (always positive) of a term held by `df` of
/// `n` live documents.
pub fn idf_of(n: u64, df: u64) -> f32 {
    let n = n.max(1) as f32;
    let df = (df as f32).min(n);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// One term's contribution to a document's score: `weighted_idf` is the term's idf times
/// its weight times `K1 + 1`.
#[inline]
pub fn term_score(weighted_idf: f32, tf: u16, len: u32, inv_avg_len: f32) -> f32 {
    let tf = tf as f32;
    let norm = K1 * (1.0 - B + B * len as f32 * inv_avg_len);
    weighted_idf * tf / (tf + norm)
}

/// Term frequencies of one document: (term id, count), one entry per distinct term.
pub type TermCounts = Vec<(u32, u16)>;

#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Bm25 {
    terms: Vocabulary,
    /// Per term id: the documents holding it, ascending, and how often.
    docs: Vec<Vec<u32>>,
    freqs: Vec<Vec<u16>>,
    /// Per document id: its length in tokens (0 for ids never added or removed).
    doc_len: Vec<u32>,
    live_docs: u32,
    total_len: u64,
}

impl Bm25 {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of live documents.
    pub fn len(&self) -> usize {
        self.live_docs as usize
    }

    pub fn is_empty(&self) -> bool {
        self.live_docs == 0
    }

    pub fn term_count(&self) -> usize {
        self.docs.len()
    }

    pub fn term_id(&self, term: &str) -> Option<u32> {
        self.terms.get(term)
    }

    /// The id of `term`, adding it to the vocabulary when new.
    pub fn intern(&mut self, term: &str) -> u32 {
        self.intern_hashed(term, xxhash_rust::xxh3::xxh3_64(term.as_bytes()))
    }

    /// `intern` for a term whose xxh3 hash is known already (computed while counting).
    pub fn intern_hashed(&mut self, term: &str, hash: u64) -> u32 {
        let id = self.terms.intern_hashed(term, hash);
        if id as usize == self.docs.len() {
            self.docs.push(Vec::new());
            self.freqs.push(Vec::new());
        }
        id
    }

    /// The embedder's hash of term id `term`.
    pub fn term_hash(&self, term: u32) -> u64 {
        self.terms.hash(term)
    }

    /// Give every document a new id (`None` drops it). `new_id` must preserve order.
    pub fn renumber(&mut self, new_id: impl Fn(u32) -> Option<u32>) {
        for (docs, freqs) in self.docs.iter_mut().zip(self.freqs.iter_mut()) {
            let mut w = 0;
            for r in 0..docs.len() {
                if let Some(n) = new_id(docs[r]) {
                    docs[w] = n;
                    freqs[w] = freqs[r];
                    w += 1;
                }
            }
            docs.truncate(w);
            freqs.truncate(w);
        }
        let mut lens = Vec::with_capacity(self.doc_len.len());
        for (old, &len) in self.doc_len.iter().enumerate() {
            if let Some(n) = new_id(old as u32) {
                if lens.len() <= n as usize {
                    lens.resize(n as usize + 1, 0);
                }
                lens[n as usize] = len;
            }
        }
        self.doc_len = lens;
        self.live_docs = self.doc_len.iter().filter(|&&l| l > 0).count() as u32;
        self.total_len = self.doc_len.iter().map(|&l| l as u64).sum();
    }

    /// Check internal consistency after loading from disk.
    pub fn validate(&self) -> bool {
        self.docs.len() == self.freqs.len()
            && self.terms.len() == self.docs.len()
            && self.terms.validate()
            && self
                .docs
                .iter()
                .zip(&self.freqs)
                .all(|(d, f)| d.len() == f.len() && d.windows(2).all(|w| w[0] < w[1]))
    }

    /// Count the tokens of `text` into term ids (adding new terms).
    pub fn count_terms(&mut self, tokens: impl IntoIterator<Item = impl AsRef<str>>) -> TermCounts {
        let mut counts: HashMap<u32, u16> = HashMap::new();
        for t in tokens {
            let id = self.intern(t.as_ref());
            let c = counts.entry(id).or_insert(0);
            *c = c.saturating_add(1);
        }
        let mut out: TermCounts = counts.into_iter().collect();
        out.sort_unstable();
        out
    }

    /// Add document `doc` (must be greater than every id added before).
    pub fn add(&mut self, doc: u32, counts: &[(u32, u16)]) {
        let len: u32 = counts.iter().map(|&(_, c)| c as u32).sum();
        if self.doc_len.len() <= doc as usize {
            self.doc_len.resize(doc as usize + 1, 0);
        }
        self.doc_len[doc as usize] = len;
        // A document without tokens can never match; it does not count as live.
        if len > 0 {
            self.live_docs += 1;
        }
        self.total_len += len as u64;
        for &(term, count) in counts {
            let t = term as usize;
            if t < self.docs.len() && self.docs[t].last().is_none_or(|&last| last < doc) {
                self.docs[t].push(doc);
                self.freqs[t].push(count);
            }
        }
    }

    /// Forget document `doc` for scoring statistics; its postings are skipped by the
    /// caller's filter until `renumber` runs.
    pub fn remove(&mut self, doc: u32) {
        if let Some(len) = self.doc_len.get_mut(doc as usize) {
            if *len > 0 {
                self.total_len = self.total_len.saturating_sub(*len as u64);
                self.live_docs = self.live_docs.saturating_sub(1);
                *len = 0;
            }
        }
    }

    /// Inverse document frequency of a term id, BM25's smoothed form (always positive).
    pub fn idf(&self, term: u32) -> f32 {
        idf_of(self.live_docs as u64, self.df(term))
    }

    /// How many postings term `term` has (removed documents included until `renumber`).
    pub fn df(&self, term: u32) -> u64 {
        self.docs.get(term as usize).map_or(0, |d| d.len()) as u64
    }

    /// The documents holding `term` (ascending) and their term frequencies.
    pub fn postings(&self, term: u32) -> (&[u32], &[u16]) {
        match (self.docs.get(term as usize), self.freqs.get(term as usize)) {
            (Some(d), Some(f)) => (d, f),
            _ => (&[], &[]),
        }
    }

    /// The text of term `term`.
    pub fn term(&self, term: u32) -> &str {
        self.terms.term(term)
    }

    /// Length in tokens of document `doc` (0 when removed or never added).
    pub fn doc_len(&self, doc: u32) -> u32 {
        self.doc_len.get(doc as usize).copied().unwrap_or(0)
    }

    /// Sum of the live documents' lengths.
    pub fn total_len(&self) -> u64 {
        self.total_len
    }

    /// Document frequency and term string of every term, for fitting the hashed embedder.
    pub fn document_frequencies(&self) -> impl Iterator<Item = (&str, usize)> {
        self.terms
            .iter()
            .map(|(id, t)| (t, self.docs[id as usize].len()))
    }

    /// Calls `f(term, doc, tf)` for every posting with `doc < below`, term by term in id
    /// order, resuming each term where `cursors` (one per term, starting at 0) left off. Called
    /// with rising `below`, it visits every posting once in all.
    pub fn for_each_posting_below(
        &self,
        below: u32,
        cursors: &mut [u32],
        mut f: impl FnMut(u32, u32, u16),
    ) {
        // A posting list holds at most one posting per document id, so a u32 cursor fits.
        for (term, ((docs, freqs), cursor)) in
            self.docs.iter().zip(&self.freqs).zip(cursors).enumerate()
        {
            let at = *cursor as usize;
            let below_at = docs[at..].partition_point(|&doc| doc < below);
            for (&doc, &tf) in docs[at..at + below_at].iter().zip(&freqs[at..]) {
                f(term as u32, doc, tf);
            }
            *cursor = (at + below_at) as u32;
        }
    }

    /// Give back the spare capacity posting lists kept while growing (a third of their
    /// size after a full pass).
    pub fn shrink_to_fit(&mut self) {
        for (docs, freqs) in self.docs.iter_mut().zip(self.freqs.iter_mut()) {
            docs.shrink_to_fit();
            freqs.shrink_to_fit();
        }
        self.doc_len.shrink_to_fit();
    }

    /// Whether document `doc` contains term id `term`.
    pub fn contains(&self, doc: u32, term: u32) -> bool {
        self.docs
            .get(term as usize)
            .is_some_and(|d| d.binary_search(&doc).is_ok())
    }

    /// The `k` best documents for the question's terms that pass `keep`, best first. The
    /// engine searches through `Store::lexical_search`, which scores a segment and its
    /// overlay together with the same formulas; this one serves the tests of the formulas.
    #[cfg(test)]
    pub fn search(
        &self,
        terms: &[String],
        k: usize,
        keep: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        let avg_len = if self.live_docs == 0 {
            1.0
        } else {
            (self.total_len as f32 / self.live_docs as f32).max(1.0)
        };
        let mut terms = terms.to_vec();
        terms.sort();
        let mut scores: HashMap<u32, f32> = HashMap::new();
        for term in &terms {
            let Some(id) = self.term_id(term) else {
                continue;
            };
            let idf = self.idf(id) * (K1 + 1.0);
            let (docs, freqs) = self.postings(id);
            for (&doc, &tf) in docs.iter().zip(freqs) {
                let len = self.doc_len(doc);
                if len > 0 {
                    *scores.entry(doc).or_insert(0.0) += term_score(idf, tf, len, 1.0 / avg_len);
                }
            }
        }
        let mut ranked: Vec<(u32, f32)> = scores.into_iter().filter(|&(d, _)| keep(d)).collect();
        top_k(&mut ranked, k);
        ranked
    }

    /// Approximate heap bytes held.
    pub fn memory_bytes(&self) -> usize {
        let postings: usize = self
            .docs
            .iter()
            .map(|d| d.capacity() * 4 + 24)
            .sum::<usize>()
            + self
                .freqs
                .iter()
                .map(|f| f.capacity() * 2 + 24)
                .sum::<usize>();
        let terms = self.terms.memory_bytes();
        postings + terms + self.doc_len.capacity() * 4
    }
}

/// Keep the `k` highest scores, sorted best first (ties by lower id, for determinism).
pub fn top_k(items: &mut Vec<(u32, f32)>, k: usize) {
    let by_score = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if items.len() > k && k > 0 {
        items.select_nth_unstable_by(k - 1, by_score);
        items.truncate(k);
    }
    items.sort_unstable_by(by_score);
    items.truncate(k);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{for_each_token, question_tokens};

    fn index(docs: &[&str]) -> Bm25 {
        let mut bm = Bm25::new();
        for (i, d) in docs.iter().enumerate() {
            let mut toks = Vec::new();
            for_each_token(d, |t| toks.push(t.to_string()));
            let counts = bm.count_terms(toks);
            bm.add(i as u32, &counts);
        }
        bm
    }

    #[test]
    fn ranks_the_document_with_rarer_matching_terms_first() {
        let bm = index(&[
            "fn parse_args(argv: &[String]) -> Config",
            "fn render_page(page: &Page) -> String",
            "fn parse_page(text: &str) -> Page",
        ]);
        let hits = bm.search(&question_tokens("parse args"), 10, &|_| true);
        assert_eq!(hits[0].0, 0);
        assert!(
            hits.iter().all(|&(d, _)| d != 1),
            "render_page has no query term"
        );
    }

    #[test]
    fn removed_documents_never_come_back() {
        let mut bm = index(&["cache eviction", "cache lookup"]);
        bm.remove(0);
        let hits = bm.search(&question_tokens("cache eviction"), 10, &|_| true);
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), vec![1]);
        bm.renumber(|d| d.checked_sub(1));
        let cach = bm.term_id("cach").unwrap();
        assert!(bm.contains(0, cach), "old doc 1 is now doc 0");
        assert!(!bm.contains(1, cach));
        assert_eq!(bm.len(), 1);
        assert!(bm.validate());
    }

    #[test]
    fn keep_filter_and_limit_apply() {
        let bm = index(&["alpha beta", "alpha", "alpha gamma"]);
        let hits = bm.search(&question_tokens("alpha"), 1, &|d| d != 1);
        assert_eq!(hits.len(), 1);
        assert_ne!(hits[0].0, 1);
    }

    #[test]
    fn idf_is_positive_and_lower_for_common_terms() {
        let bm = index(&["alpha omega", "alpha", "alpha"]);
        let common = bm.idf(bm.term_id("alpha").unwrap());
        let rare = bm.idf(bm.term_id("omega").unwrap());
        assert!(common > 0.0 && rare > common);
    }

    #[test]
    fn top_k_sorts_and_breaks_ties_by_id() {
        let mut v = vec![(3, 1.0), (1, 2.0), (2, 1.0), (0, 0.5)];
        top_k(&mut v, 3);
        assert_eq!(v, vec![(1, 2.0), (2, 1.0), (3, 1.0)]);
    }
}
