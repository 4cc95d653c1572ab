//! The answer cache's keys: what makes two questions the same question (the exact tier) and
//! what makes two answers' rankings the same (the lexical signature the semantic tier checks).

use crate::rank;
use crate::store::Store;

/// The exact tier's key: everything an answer is computed from. The question's tokens as a
/// set (the lexical search, boosts and confidence read nothing else) and its plain tokens
/// with their counts (what the built-in embedder reads); with a static model, which reads
/// the text itself, the text with its spacing normalised. Questions with one key get the
/// same answer, so case, punctuation and stop words that leave the tokens alone share an
/// entry, while `parseArgs` and `parseargs`, which tokenise differently, do not.
pub(crate) fn retrieval_key(question: &str, tokens: &[String], reads_text: bool) -> String {
    let mut set: Vec<&str> = tokens.iter().map(String::as_str).collect();
    set.sort_unstable();
    let mut plain: Vec<String> = Vec::new();
    crate::text::for_each_token(question, |t| plain.push(t.to_string()));
    plain.sort_unstable();
    let mut key = set.join(" ");
    key.push('\u{1}');
    key.push_str(&plain.join(" "));
    if reads_text {
        key.push('\u{1}');
        key.push_str(&question.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    // Whether the question is about tests turns on word order ("test whether" is not).
    if rank::about_tests(question) {
        key.push_str("\u{1}tests");
    }
    key
}

/// A hash of everything in the question that the ranking reads besides its embedding: the
/// tokens the lexical index knows, their related words, the unknown tokens that still
/// change a boost (a qualified symbol's compound such as `configload`, any `test…` word).
/// Questions with one signature and one embedding get the same places; word order that
/// only moves unknown pairs, and unknown words, do not change it (an unknown word lowers
/// the confidence a fresh answer would report, so a semantic hit keeps the cached one's).
pub(crate) fn lexical_signature(
    index: &Store,
    tokens: &[String],
    related: &[(String, f32)],
) -> u64 {
    let steers =
        |t: &str| index.knows_term(t) || index.names_qualified_symbol(t) || t.starts_with("test");
    let mut asked: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .filter(|t| steers(t))
        .collect();
    let mut relatives: Vec<&str> = related
        .iter()
        .map(|(t, _)| t.as_str())
        .filter(|t| index.knows_term(t))
        .collect();
    asked.sort_unstable();
    relatives.sort_unstable();
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for t in &asked {
        hasher.update(t.as_bytes());
        hasher.update(&[0]);
    }
    hasher.update(&[1]);
    for t in &relatives {
        hasher.update(t.as_bytes());
        hasher.update(&[0]);
    }
    hasher.digest()
}
