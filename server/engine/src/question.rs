//! Compounds of runs of a question's words, so that "where is get object or 404 defined"
//! also looks for `get_object_or_404` (`getobjector404`), which the pairs of adjacent
//! words (`getobject`, `object404`) never spell, and "where is as datetime defined" for
//! `as_datetime`, whose stop word the pairs leave out.

use crate::text::is_stop_word;
use std::collections::HashSet;

/// Longest run of words joined into one compound.
const MAX_RUN: usize = 8;
/// Longest compound kept, as for identifier compounds.
const MAX_COMPOUND: usize = 64;

/// Add to `tokens` the compounds of every run of two to eight words of `question` that
/// `known` accepts (the index's vocabulary), both as written (stop words kept: `get` and
/// `or` in `get_object_or_404`) and, for three words or more, with stop words left out
/// (`the absolute url path` -> `absoluteurlpath`; `question_tokens` has the pairs). Only
/// known compounds are added: an unknown one could never match, and leaving it out keeps a
/// question padded with a stop word the same question.
pub fn add_run_compounds(question: &str, known: impl Fn(&str) -> bool, tokens: &mut Vec<String>) {
    let words: Vec<String> = question
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('_', ""))
        .filter(|w| !w.is_empty())
        .collect();
    let content: Vec<String> = words.iter().filter(|w| !is_stop_word(w)).cloned().collect();
    // A set beside the list keeps the cost linear in the question's length.
    let mut present: HashSet<String> = tokens.iter().cloned().collect();
    let mut compound = String::with_capacity(MAX_COMPOUND);
    for (list, shortest) in [(&words, 2), (&content, 3)] {
        for start in 0..list.len() {
            compound.clear();
            for (len, word) in list[start..].iter().take(MAX_RUN).enumerate() {
                compound.push_str(word);
                if compound.len() > MAX_COMPOUND {
                    break; // longer runs only grow
                }
                if len + 1 >= shortest && !present.contains(&compound) && known(&compound) {
                    present.insert(compound.clone());
                    tokens.push(compound.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compounds(q: &str, vocabulary: &[&str]) -> Vec<String> {
        let mut t = Vec::new();
        add_run_compounds(q, |c| vocabulary.contains(&c), &mut t);
        t
    }

    #[test]
    fn runs_spell_long_snake_case_names_the_index_knows() {
        let vocabulary = ["getobjector404", "getabsoluteurl", "absoluteurlpath"];
        let t = compounds("where is get object or 404 defined", &vocabulary);
        assert_eq!(t, vec!["getobjector404".to_string()]);
        let t = compounds("where is get absolute url", &vocabulary);
        assert_eq!(t, vec!["getabsoluteurl".to_string()]);
        let t = compounds("the absolute url of the path", &vocabulary);
        assert_eq!(
            t,
            vec!["absoluteurlpath".to_string()],
            "stop words left out"
        );
    }

    #[test]
    fn pairs_with_a_stop_word_spell_names_too() {
        let vocabulary = ["asdatetime", "allvalid"];
        assert_eq!(
            compounds("where is as datetime defined", &vocabulary),
            vec!["asdatetime".to_string()]
        );
        assert_eq!(
            compounds("where is all valid", &vocabulary),
            vec!["allvalid".to_string()]
        );
    }

    #[test]
    fn unknown_runs_short_questions_and_duplicates_add_nothing() {
        assert!(compounds("where is get object or 404 defined", &[]).is_empty());
        assert!(compounds("cache", &["cache"]).is_empty());
        assert!(compounds("", &["x"]).is_empty());
        let known = ["parseargs", "argsnow", "parseargsnow"].map(String::from);
        let mut t = known.to_vec();
        add_run_compounds("parse args now", |_| true, &mut t);
        assert_eq!(t, known.to_vec());
    }
}
