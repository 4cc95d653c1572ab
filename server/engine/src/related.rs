//! Related words learned from the workspace itself, so a question in the project's own
//! vocabulary ("patron", "overdue") also finds the code that names the idea differently.
//!
//! At the end of a full indexing pass, words that occur in the same chunks far more often
//! than chance (normalised pointwise mutual information over chunk co-occurrence) become
//! each other's relatives: comments and docstrings sit in the chunks of the code they
//! describe, so prose words meet the identifier parts of that code. The table is bounded
//! (a few relatives per word, a capped number of words), persisted with the index as one
//! section (`to_bytes`/`from_bytes`), and relearned on the next full pass.

use crate::bm25::Bm25;
use serde::{Deserialize, Serialize};

/// A word must be in at least this many chunks to learn or be learned from: rarer
/// co-occurrences are chance.
const MIN_DF: usize = 4;
/// Words in more than this share of chunks are too common to relate anything.
const MAX_DF_SHARE: f64 = 0.02;
/// A pair must share at least this many chunks.
const MIN_PAIR: u32 = 3;
/// At most this many of a chunk's words count, its rarest (long generated chunks would
/// otherwise dominate the quadratic pair count).
const MAX_WORDS_PER_CHUNK: usize = 48;
/// Relatives kept per word.
const PER_WORD: usize = 3;
/// Normalised PMI (-1..1, 1 = always together) a pair needs.
const MIN_NPMI: f32 = 0.45;
/// Words the table may hold.
const MAX_ENTRIES: usize = 60_000;
/// Weight of a learned relative in the lexical search, times its NPMI.
pub const LEARNED_WEIGHT: f32 = 0.35;

/// Learned relatives by word, sorted by word.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RelatedWords {
    entries: Vec<(Box<str>, Vec<(Box<str>, f32)>)>,
}

impl RelatedWords {
    /// Learn from the lexical index's postings; `live` says which documents still count.
    pub fn learn(bm25: &Bm25, live: impl Fn(u32) -> bool) -> RelatedWords {
        let terms: Vec<(&str, usize)> = bm25.document_frequencies().collect();
        let docs_total = bm25.len();
        let max_df = ((docs_total as f64 * MAX_DF_SHARE) as usize).max(MIN_DF);
        let eligible: Vec<bool> = terms
            .iter()
            .map(|&(t, df)| (MIN_DF..=max_df).contains(&df) && is_word(t))
            .collect();
        if docs_total == 0 || !eligible.iter().any(|&e| e) {
            return RelatedWords::default();
        }

        // Each chunk's eligible terms (chunk-major), in two passes over the postings.
        let mut chunk_count: Vec<u32> = Vec::new();
        let mut cursors = vec![0u32; terms.len()];
        bm25.for_each_posting_below(u32::MAX, &mut cursors, |term, doc, _| {
            if eligible[term as usize] && live(doc) {
                let d = doc as usize;
                if d >= chunk_count.len() {
                    chunk_count.resize(d + 1, 0);
                }
                chunk_count[d] += 1;
            }
        });
        let mut starts = Vec::with_capacity(chunk_count.len() + 1);
        let mut total = 0usize;
        for &n in &chunk_count {
            starts.push(total);
            total += n as usize;
        }
        starts.push(total);
        let mut fill = starts.clone();
        let mut words = vec![0u32; total];
        cursors.fill(0);
        bm25.for_each_posting_below(u32::MAX, &mut cursors, |term, doc, _| {
            if eligible[term as usize] && live(doc) {
                let at = &mut fill[doc as usize];
                words[*at] = term;
                *at += 1;
            }
        });
        drop(fill);
        drop(cursors);
        // Keep a chunk's rarest words (compacting in place), and count documents anew.
        let mut kept_starts = Vec::with_capacity(starts.len());
        let mut write = 0usize;
        let mut df = vec![0u32; terms.len()];
        for c in 0..chunk_count.len() {
            kept_starts.push(write);
            let chunk = &mut words[starts[c]..starts[c + 1]];
            chunk.sort_unstable_by_key(|&t| (terms[t as usize].1, t));
            let keep = chunk.len().min(MAX_WORDS_PER_CHUNK);
            for k in 0..keep {
                let t = words[starts[c] + k];
                words[write] = t;
                df[t as usize] += 1;
                write += 1;
            }
        }
        kept_starts.push(write);
        words.truncate(write);
        words.shrink_to_fit();
        drop(chunk_count);

        // Term-major view of the same: each term's chunks.
        let mut term_starts = Vec::with_capacity(terms.len() + 1);
        let mut acc = 0usize;
        for &n in &df {
            term_starts.push(acc);
            acc += n as usize;
        }
        term_starts.push(acc);
        let mut term_fill = term_starts.clone();
        let mut chunks_of = vec![0u32; acc];
        for c in 0..kept_starts.len() - 1 {
            for &t in &words[kept_starts[c]..kept_starts[c + 1]] {
                chunks_of[term_fill[t as usize]] = c as u32;
                term_fill[t as usize] += 1;
            }
        }
        drop(term_fill);

        let n = docs_total as f32;
        let mut together = vec![0u32; terms.len()];
        let mut touched: Vec<u32> = Vec::new();
        let mut entries: Vec<(Box<str>, Vec<(Box<str>, f32)>)> = Vec::new();
        for a in 0..terms.len() {
            let df_a = df[a];
            if (df_a as usize) < MIN_DF {
                continue;
            }
            for &c in &chunks_of[term_starts[a]..term_starts[a + 1]] {
                let c = c as usize;
                for &b in &words[kept_starts[c]..kept_starts[c + 1]] {
                    if together[b as usize] == 0 {
                        touched.push(b);
                    }
                    together[b as usize] += 1;
                }
            }
            let word_a = terms[a].0;
            let mut best: Vec<(u32, f32)> = Vec::new();
            for &b in &touched {
                let co = std::mem::take(&mut together[b as usize]);
                let word_b = terms[b as usize].0;
                if b as usize == a
                    || co < MIN_PAIR
                    || word_a.contains(word_b)
                    || word_b.contains(word_a)
                {
                    continue;
                }
                let p_ab = co as f32 / n;
                let pmi = (p_ab / ((df_a as f32 / n) * (df[b as usize] as f32 / n))).ln();
                let npmi = pmi / -p_ab.ln();
                if npmi >= MIN_NPMI {
                    best.push((b, npmi));
                }
            }
            touched.clear();
            if best.is_empty() {
                continue;
            }
            best.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            best.truncate(PER_WORD);
            entries.push((
                word_a.into(),
                best.into_iter()
                    .map(|(b, w)| (terms[b as usize].0.into(), w))
                    .collect(),
            ));
        }
        // Bounded: keep the words whose best relative is strongest.
        if entries.len() > MAX_ENTRIES {
            entries.sort_by(|x, y| y.1[0].1.total_cmp(&x.1[0].1).then(x.0.cmp(&y.0)));
            entries.truncate(MAX_ENTRIES);
        }
        entries.sort_by(|x, y| x.0.cmp(&y.0));
        RelatedWords { entries }
    }

    /// The learned relatives of `word`, with their NPMI.
    pub fn of(&self, word: &str) -> &[(Box<str>, f32)] {
        self.entries
            .binary_search_by(|(w, _)| (**w).cmp(word))
            .map_or(&[], |at| self.entries[at].1.as_slice())
    }

    /// The relatives of the question's tokens that it does not contain already, with the
    /// weight the lexical search gives each (the strongest when several tokens share one).
    pub fn expansions(&self, tokens: &[String]) -> Vec<(String, f32)> {
        let mut out: Vec<(String, f32)> = Vec::new();
        for t in tokens {
            for (w, npmi) in self.of(t) {
                if tokens.iter().any(|x| **x == **w) {
                    continue;
                }
                let weight = LEARNED_WEIGHT * npmi;
                match out.iter_mut().find(|(x, _)| **x == **w) {
                    Some(entry) => entry.1 = entry.1.max(weight),
                    None => out.push((w.to_string(), weight)),
                }
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn memory_bytes(&self) -> usize {
        self.entries
            .iter()
            .map(|(w, rel)| w.len() + 40 + rel.iter().map(|(r, _)| r.len() + 24).sum::<usize>())
            .sum()
    }

    /// The table as bytes, for the index file.
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_stdvec(self).unwrap_or_default()
    }

    /// The table from `to_bytes`; `None` when the bytes are not one, or are out of order.
    pub fn from_bytes(bytes: &[u8]) -> Option<RelatedWords> {
        let table: RelatedWords = postcard::from_bytes(bytes).ok()?;
        let sorted = table.entries.windows(2).all(|w| w[0].0 < w[1].0);
        let sane = table
            .entries
            .iter()
            .all(|(_, rel)| rel.iter().all(|(_, w)| w.is_finite()));
        (sorted && sane).then_some(table)
    }
}

/// Every related word a question's lexical search adds, with its weight: the general
/// table's (`text::expansions`) at `text::RELATED_WEIGHT`, then the workspace's own.
pub fn question_expansions(learned: &RelatedWords, tokens: &[String]) -> Vec<(String, f32)> {
    let general = std::env::var("AIL_EXP_GENERAL").map_or(true, |v| v != "0");
    let use_learned = std::env::var("AIL_EXP_LEARNED").map_or(true, |v| v != "0");
    let mut out: Vec<(String, f32)> = crate::text::expansions(tokens)
        .into_iter()
        .filter(|_| general)
        .map(|w| (w, crate::text::RELATED_WEIGHT))
        .collect();
    for (w, weight) in learned
        .expansions(tokens)
        .into_iter()
        .filter(|_| use_learned)
    {
        if !out.iter().any(|(x, _)| *x == w) {
            out.push((w, weight));
        }
    }
    out
}

/// A plain word (a stem of letters), not a number or a long compound of several words.
fn is_word(term: &str) -> bool {
    (3..=16).contains(&term.len()) && term.bytes().all(|b| b.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::for_each_token;

    fn index_of(chunks: &[&str]) -> Bm25 {
        let mut bm25 = Bm25::new();
        for (id, text) in chunks.iter().enumerate() {
            let mut counts: std::collections::BTreeMap<u32, u16> = Default::default();
            for_each_token(text, |t| *counts.entry(bm25.intern(t)).or_default() += 1);
            bm25.add(id as u32, &counts.into_iter().collect::<Vec<_>>());
        }
        bm25
    }

    #[test]
    fn words_that_keep_company_become_relatives() {
        let mut chunks: Vec<String> = Vec::new();
        // "patron" is what comments say; the code says `borrower`.
        let others = ["apple", "river", "stone", "cloud", "maple", "tiger"];
        for other in others {
            chunks.push(format!(
                "// the patron and the {other}\nfn borrower(x: i32) -> {other} {{ x }}"
            ));
        }
        // Plenty of unrelated chunks, so neither word is common.
        for i in 0..400 {
            chunks.push(format!(
                "fn unrelated_{i}(x: Widget{}) {{ x.paint(); x.render() }}",
                i % 7
            ));
        }
        let refs: Vec<&str> = chunks.iter().map(String::as_str).collect();
        let bm25 = index_of(&refs);
        let learned = RelatedWords::learn(&bm25, |_| true);
        let relatives: Vec<&str> = learned.of("patron").iter().map(|(w, _)| &**w).collect();
        assert_eq!(relatives, vec!["borrower"]);
        assert!(learned.of("paint").iter().all(|(w, _)| &**w != "patron"));
        let expansions = learned.expansions(&["patron".to_string()]);
        assert_eq!(expansions.len(), 1);
        assert!(expansions[0].1 > 0.0 && expansions[0].1 <= LEARNED_WEIGHT);

        let bytes = learned.to_bytes();
        assert_eq!(RelatedWords::from_bytes(&bytes), Some(learned.clone()));
        assert_eq!(RelatedWords::from_bytes(&bytes[..bytes.len() / 2]), None);
    }

    #[test]
    fn an_empty_index_learns_nothing() {
        let learned = RelatedWords::learn(&Bm25::new(), |_| true);
        assert!(learned.is_empty());
        assert!(learned.expansions(&["x".to_string()]).is_empty());
    }
}
