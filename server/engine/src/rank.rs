//! Ranking: fuse the lexical and vector result lists, boost what the question points at,
//! and merge overlapping places (how sure the answer is: `confidence`).
//!
//! Reciprocal rank fusion needs no score calibration between BM25 and cosine: each list
//! contributes `weight / (K + rank)`. Boosts are multiplicative so they reorder close
//! calls without lifting an unrelated chunk over a strong match.

use crate::file_kind::FileKind;

/// RRF's rank offset. Lower values trust the top of each list more.
pub const RRF_K: f32 = 20.0;
pub const LEXICAL_WEIGHT: f32 = 1.0;
pub const VECTOR_WEIGHT: f32 = 0.5;

/// Boost for chunks in the file the question is asked about.
pub const SAME_FILE_BOOST: f32 = 1.3;
/// Boost for chunks in the same directory as that file.
pub const SAME_DIR_BOOST: f32 = 1.1;
/// Test code ranks a little lower unless the question is about tests.
pub const TEST_CODE_FACTOR: f32 = 0.8;
/// Vendored and generated code ranks below the project's own by default (a prior: code
/// that only exists there still answers when nothing else matches).
pub const DEFAULT_VENDORED_WEIGHT: f32 = 0.5;

/// How much each kind of file counts, as factors on the fused score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Priors {
    /// Vendored and generated code; 1 ranks it like the project's own.
    pub vendored: f32,
    /// Test code, unless the question is about tests.
    pub test: f32,
}

impl Default for Priors {
    fn default() -> Self {
        Priors {
            vendored: DEFAULT_VENDORED_WEIGHT,
            test: TEST_CODE_FACTOR,
        }
    }
}

/// What is left of the vendored prior for code whose name the question spells out: a
/// name is strong evidence, so a vendored-only function asked for by name still comes
/// first, while a first-party one of the same name still wins the tie.
pub const NAMED_VENDORED_WEIGHT: f32 = 0.9;

impl Priors {
    /// The factor for a chunk of a `kind` file defining `symbol`, which the question names
    /// with `named` strength (`symbol_strength`); `about_tests` from `about_tests`.
    pub fn factor(
        &self,
        kind: FileKind,
        symbol: Option<&str>,
        named: f32,
        about_tests: bool,
    ) -> f32 {
        if kind.is_third_party_or_generated() {
            let w = self.vendored.clamp(0.0, 1.0);
            let named_w = w.max(NAMED_VENDORED_WEIGHT);
            return w + (named_w - w) * named.clamp(0.0, 1.0);
        }
        let test = kind == FileKind::Test || symbol.is_some_and(is_test_symbol);
        // A question about tests means the tests, and the code under test yields to them.
        match (test, about_tests) {
            (true, false) | (false, true) => self.test,
            _ => 1.0,
        }
    }
}

/// Whether the question asks about tests ("where is X tested", "test for X", "tests of
/// X"): a test word anywhere but first, where it is a verb ("Test whether ...").
pub fn about_tests(question: &str) -> bool {
    question
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .skip(1)
        .any(|w| {
            matches!(
                w.to_lowercase().as_str(),
                "test"
                    | "tests"
                    | "tested"
                    | "testing"
                    | "unittest"
                    | "unittests"
                    | "spec"
                    | "specs"
            )
        })
}
/// Boost for a chunk whose symbol the question names exactly.
pub const EXACT_SYMBOL_BOOST: f32 = 1.6;
/// What is left of a symbol's match when the question also names a longer symbol that
/// contains it: "test get app configs" names `test_get_app_configs` more than
/// `get_app_configs`.
pub const OUTNAMED_FACTOR: f32 = 0.25;
/// How much more a name spelled out counts for each word past two, up to a limit.
pub const LONG_NAME_STEP: f32 = 0.1;
pub const LONG_NAME_MAX: f32 = 1.5;

/// A merged place never grows past this many lines.
pub const MAX_MERGED_LINES: u32 = 120;

/// One chunk as both retrievers saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub id: u32,
    /// 0-based ranks in each list, when present.
    pub lexical_rank: Option<usize>,
    pub vector_rank: Option<usize>,
    pub vector_similarity: f32,
    pub score: f32,
}

/// Fuse two best-first lists of (id, score) by reciprocal rank, with the default weights.
pub fn fuse(lexical: &[(u32, f32)], vector: &[(u32, f32)]) -> Vec<Candidate> {
    fuse_weighted(lexical, vector, VECTOR_WEIGHT)
}

/// Fuse two best-first lists by reciprocal rank, the vector list counting `vector_weight`
/// against the lexical list's [`LEXICAL_WEIGHT`].
pub fn fuse_weighted(
    lexical: &[(u32, f32)],
    vector: &[(u32, f32)],
    vector_weight: f32,
) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::with_capacity(lexical.len() + vector.len());
    // Id -> index in `out`; the order `out` is built in does not matter, it is sorted.
    let mut at: foldhash::HashMap<u32, usize> = foldhash::HashMap::default();
    at.reserve(lexical.len() + vector.len());
    let mut entry = |out: &mut Vec<Candidate>, id: u32| -> usize {
        *at.entry(id).or_insert_with(|| {
            out.push(empty(id));
            out.len() - 1
        })
    };
    for (rank, &(id, _)) in lexical.iter().enumerate() {
        let i = entry(&mut out, id);
        let c = &mut out[i];
        c.lexical_rank = Some(rank);
        c.score += LEXICAL_WEIGHT / (RRF_K + rank as f32 + 1.0);
    }
    for (rank, &(id, sim)) in vector.iter().enumerate() {
        if sim <= 0.0 {
            continue; // orthogonal or opposite: no evidence at all
        }
        let i = entry(&mut out, id);
        let c = &mut out[i];
        c.vector_rank = Some(rank);
        c.vector_similarity = sim;
        c.score += vector_weight / (RRF_K + rank as f32 + 1.0);
    }
    sort(&mut out);
    out
}

/// The best fused score any chunk can get without boosts (first in both lists).
pub fn best_possible_score() -> f32 {
    (LEXICAL_WEIGHT + VECTOR_WEIGHT) / (RRF_K + 1.0)
}

fn empty(id: u32) -> Candidate {
    Candidate {
        id,
        lexical_rank: None,
        vector_rank: None,
        vector_similarity: 0.0,
        score: 0.0,
    }
}

/// Best first; ties by id for stable output.
pub fn sort(candidates: &mut [Candidate]) {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
}

/// The boost for a chunk given where it is and what it defines, before the kind of its
/// file counts (`Priors`). `known_tokens` are the question's tokens that the index knows
/// (see `outnamed`).
pub fn boost(
    chunk_path: &str,
    symbol: Option<&str>,
    asked_file: Option<&str>,
    question_tokens: &[String],
    known_tokens: &[&str],
) -> f32 {
    let strength = symbol.map(|s| symbol_strength(s, question_tokens, known_tokens));
    boost_with_strength(chunk_path, strength, asked_file)
}

/// `boost` for a chunk whose symbol's `symbol_strength` is known already (`None` when it
/// defines no symbol).
pub fn boost_with_strength(
    chunk_path: &str,
    strength: Option<f32>,
    asked_file: Option<&str>,
) -> f32 {
    let mut b = 1.0;
    if let Some(asked) = asked_file {
        if chunk_path == asked {
            b *= SAME_FILE_BOOST;
        } else if parent(chunk_path) == parent(asked) {
            b *= SAME_DIR_BOOST;
        }
    }
    if let Some(strength) = strength {
        b *= 1.0 + (EXACT_SYMBOL_BOOST - 1.0) * strength;
    }
    b
}

/// How strongly the question names `symbol` (`symbol_match`), less when it spells a longer
/// known name that contains it (`outnamed`).
pub fn symbol_strength(symbol: &str, question_tokens: &[String], known_tokens: &[&str]) -> f32 {
    let name = Name::of(symbol);
    let strength = name.strength(question_tokens);
    if strength > 0.0 && name.outnamed(known_tokens) {
        strength * OUTNAMED_FACTOR
    } else {
        strength
    }
}

/// A symbol with its last segment's compound worked out once: fusion weighs a couple of
/// hundred candidates' symbols per answer, and each measure below needs the compound.
struct Name<'a> {
    symbol: &'a str,
    last: &'a str,
    last_compound: String,
}

impl<'a> Name<'a> {
    fn of(symbol: &'a str) -> Name<'a> {
        let last = last_segment(symbol);
        Name {
            symbol,
            last,
            last_compound: compound(last),
        }
    }

    /// `symbol_match`.
    fn strength(&self, question_tokens: &[String]) -> f32 {
        let (parts, found) = name_parts(self.last, question_tokens);
        if self.is_named(question_tokens) {
            if parts > 1 {
                // A long name spelled out is rarer by chance than its words met one by one.
                let extra = (parts + number_parts(self.last)).saturating_sub(2) as f32;
                return (1.0 + LONG_NAME_STEP * extra).min(LONG_NAME_MAX);
            }
            // A one-word name ("Args") is weaker evidence than a compound one
            // ("parse_args"), and one met only through its stem weaker the more letters
            // the stem drops: "debounce" names `debounce` more than `debounced`.
            let compound = &self.last_compound;
            let stem = crate::text::stem(compound);
            return 0.5 * stem.len() as f32 / compound.len().max(1) as f32;
        }
        if found >= 2 {
            // "test ticket" names only part of `test_ticket_20820`.
            found as f32 / (parts + number_parts(self.last)) as f32
        } else {
            0.0
        }
    }

    /// `names_symbol`: the whole symbol or its last segment, the cheaper one first.
    fn is_named(&self, question_tokens: &[String]) -> bool {
        names_as(self.last, &self.last_compound, question_tokens)
            || (self.symbol.len() != self.last.len()
                && names_as(self.symbol, &compound(self.symbol), question_tokens))
    }

    /// `outnamed`.
    fn outnamed(&self, known_tokens: &[&str]) -> bool {
        let compound = self.last_compound.as_str();
        !compound.is_empty()
            && known_tokens
                .iter()
                .any(|t| t.len() > compound.len() && t.contains(compound))
    }
}

/// How many tokens `for_each_token` gives of a symbol's last segment, less the compound it
/// ends with when there are several, and how many of those the question holds: the parts
/// of a name, counted as they are met, without keeping them.
fn name_parts(last: &str, question_tokens: &[String]) -> (usize, usize) {
    let (mut tokens, mut found) = (0usize, 0usize);
    // Whether the latest token is in the question; it counts once a later one follows.
    let mut latest_found = false;
    crate::text::for_each_token(last, |t| {
        if tokens > 0 {
            found += usize::from(latest_found);
        }
        tokens += 1;
        latest_found = question_tokens.iter().any(|q| q == t);
    });
    if tokens == 1 {
        found += usize::from(latest_found);
    }
    (if tokens > 1 { tokens - 1 } else { tokens }, found)
}

/// `text::compound`, without decoding characters one by one for an ASCII name (most are).
fn compound(name: &str) -> String {
    if !name.is_ascii() {
        return crate::text::compound(name);
    }
    name.bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| char::from(b.to_ascii_lowercase()))
        .collect()
}

/// Whether the question names `name`, whose compound is `compound` (see `names_symbol`).
fn names_as(name: &str, compound: &str, question_tokens: &[String]) -> bool {
    let multi_part = name.contains('_')
        || match name.is_ascii() {
            true => name.bytes().skip(1).any(|b| b.is_ascii_uppercase()),
            false => name.chars().skip(1).any(|c| c.is_uppercase()),
        };
    if !(multi_part || compound.len() >= 4) {
        return false;
    }
    let stemmed = crate::text::stem(compound);
    question_tokens
        .iter()
        .any(|t| *t == compound || (!multi_part && t == stemmed))
}

/// Whether a symbol is a test by its name, in a file that is not all tests (Rust's
/// `mod tests`, a `test_` function).
pub fn is_test_symbol(symbol: &str) -> bool {
    symbol.starts_with("tests::") || symbol.starts_with("test_") || symbol.contains("::tests::")
}

/// How strongly the question names `symbol`: 1 when it names it exactly (more for a long
/// name, up to `LONG_NAME_MAX`), else the share of the name's parts the question mentions
/// (at least two of them), so "book search hook" partly names `useBookSearch`.
pub fn symbol_match(symbol: &str, question_tokens: &[String]) -> f32 {
    Name::of(symbol).strength(question_tokens)
}

/// How many runs of digits an identifier holds (`test_ticket_20820` 1): numbers are not
/// tokens, yet a name with one is not named by its words alone.
fn number_parts(name: &str) -> usize {
    let mut runs = 0;
    let mut in_digits = false;
    for c in name.chars() {
        let digit = c.is_ascii_digit();
        runs += usize::from(digit && !in_digits);
        in_digits = digit;
    }
    runs
}

/// Whether the question names `symbol` (or its last segment, `Config::load` -> `load`) as
/// a whole: its compound spelling is one of the question's tokens. Single-word names must be
/// at least four letters to count, so "get" or "new" do not boost everything.
pub fn names_symbol(symbol: &str, question_tokens: &[String]) -> bool {
    Name::of(symbol).is_named(question_tokens)
}

/// Whether the question spells a longer name that contains this symbol's: one of
/// `known_tokens` (words and compounds the index has seen) holds the compound of the
/// symbol's last segment and more. Only known tokens count, since a compound nobody wrote
/// names nothing.
pub fn outnamed(symbol: &str, known_tokens: &[&str]) -> bool {
    Name::of(symbol).outnamed(known_tokens)
}

/// A symbol's own name without its container: `Config::load` -> `load`.
pub fn last_segment(symbol: &str) -> &str {
    symbol
        .rsplit(['.', ':', ' '])
        .find(|s| !s.is_empty())
        .unwrap_or(symbol)
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// A place found, with the line range it will be reported with.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    pub candidate: Candidate,
    pub path_id: u32,
    pub start_line: u32,
    pub end_line: u32,
    /// The place is a function or method (not a class, section or window of lines).
    pub function: bool,
    /// Chunks elsewhere with the same text (see `copies::fold_copies`).
    pub copies: Vec<u32>,
}

/// Fold places that overlap a better place of the same file into it: a place nested with a
/// better one (a method in its class, or the class around a better method) disappears; a
/// partial overlap widens the better one. A function around a better nested function
/// widens it instead, up to a readable size: a closure reads with the scope it closes over
/// (`debounced` inside `debounce`).
pub fn merge_overlapping(places: Vec<Place>, limit: usize) -> Vec<Place> {
    let mut kept: Vec<Place> = Vec::with_capacity(limit);
    for p in places {
        let overlapping = kept.iter().position(|k| {
            k.path_id == p.path_id && p.start_line < k.end_line && k.start_line < p.end_line
        });
        match overlapping {
            Some(i) => {
                let k = &mut kept[i];
                let inside_kept = p.start_line >= k.start_line && p.end_line <= k.end_line;
                let around_kept = k.start_line >= p.start_line && k.end_line <= p.end_line;
                let enclosing_function = around_kept && p.function && k.function;
                let (start, end) = (k.start_line.min(p.start_line), k.end_line.max(p.end_line));
                // Widening stops at a readable size: past it the lesser place just drops.
                let widen = enclosing_function || !(inside_kept || around_kept);
                if widen && end - start <= MAX_MERGED_LINES {
                    k.start_line = start;
                    k.end_line = end;
                }
            }
            None if kept.len() < limit => kept.push(p),
            None => {}
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::question_tokens;

    #[test]
    fn fusion_prefers_agreement_over_one_strong_list() {
        let lexical = [(1, 9.0), (2, 8.0), (3, 7.0)];
        let vector = [(4, 0.9), (2, 0.8), (5, 0.7)];
        let fused = fuse(&lexical, &vector);
        assert_eq!(fused[0].id, 2, "{fused:?}");
        assert_eq!(fused[0].lexical_rank, Some(1));
        assert_eq!(fused[0].vector_rank, Some(1));
        assert!(fused[0].score <= best_possible_score());
    }

    #[test]
    fn the_vector_weight_decides_between_the_lists_first_places() {
        let lexical = [(1, 9.0), (2, 8.0)];
        let vector = [(2, 0.9), (1, 0.8)];
        // Equal weights tie the two chunks (each is first in one list, second in the other).
        let even = fuse_weighted(&lexical, &vector, LEXICAL_WEIGHT);
        assert_eq!(even[0].score, even[1].score, "{even:?}");
        assert_eq!(fuse_weighted(&lexical, &vector, 0.5)[0].id, 1);
        assert_eq!(fuse_weighted(&lexical, &vector, 2.0)[0].id, 2);
        assert_eq!(
            fuse(&lexical, &vector),
            fuse_weighted(&lexical, &vector, VECTOR_WEIGHT)
        );
    }

    #[test]
    fn vectors_with_no_similarity_are_not_evidence() {
        let fused = fuse(&[], &[(7, 0.0), (8, -0.2)]);
        assert!(fused.is_empty());
    }

    #[test]
    fn boosts_file_directory_and_exact_symbol() {
        let q = question_tokens("where is parse args");
        assert!(
            boost("src/cli/args.rs", None, Some("src/cli/args.rs"), &q, &[])
                > boost("src/cli/main.rs", None, Some("src/cli/args.rs"), &q, &[])
        );
        assert!(
            boost("src/cli/main.rs", None, Some("src/cli/args.rs"), &q, &[])
                > boost("lib/x.rs", None, Some("src/cli/args.rs"), &q, &[])
        );
        assert_eq!(
            boost("a.rs", Some("parse_args"), None, &q, &[]),
            EXACT_SYMBOL_BOOST
        );
        assert_eq!(
            boost("a.rs", Some("Cli::parseArgs"), None, &q, &[]),
            EXACT_SYMBOL_BOOST
        );
        assert_eq!(
            boost(
                "a.rs",
                Some("new"),
                None,
                &question_tokens("make a new parser"),
                &[]
            ),
            1.0,
            "a short word is too weak"
        );
    }

    #[test]
    fn priors_weigh_kinds_and_yield_to_names_and_test_questions() {
        let p = Priors::default();
        assert_eq!(
            p.factor(FileKind::FirstParty, Some("parse"), 0.0, false),
            1.0
        );
        assert_eq!(p.factor(FileKind::Vendored, None, 0.0, false), p.vendored);
        assert_eq!(p.factor(FileKind::Generated, None, 0.0, false), p.vendored);
        let named = p.factor(FileKind::Vendored, Some("inflate"), 1.0, false);
        assert_eq!(named, NAMED_VENDORED_WEIGHT);
        assert!(named < 1.0, "a first-party namesake still wins");
        assert_eq!(p.factor(FileKind::Test, None, 0.0, false), p.test);
        assert_eq!(p.factor(FileKind::Test, None, 0.0, true), 1.0);
        assert_eq!(p.factor(FileKind::FirstParty, None, 0.0, true), p.test);
        assert_eq!(
            p.factor(FileKind::FirstParty, Some("tests::x"), 0.0, false),
            p.test
        );
        let off = Priors { vendored: 1.0, ..p };
        assert_eq!(off.factor(FileKind::Vendored, None, 0.0, false), 1.0);
        assert!(about_tests("where is parse args tested"));
        assert!(about_tests("unit test for the parser"));
        assert!(!about_tests("Test whether the value is valid"));
        assert!(!about_tests("how are arguments parsed"));
    }

    #[test]
    fn a_longer_known_name_outranks_the_name_it_contains() {
        let q = question_tokens("where is test get app configs defined");
        let known = ["test", "app", "getappconfigs", "testgetappconfigs"];
        let test = boost(
            "t.py",
            Some("AppsTests.test_get_app_configs"),
            None,
            &q,
            &known,
        );
        let method = boost("r.py", Some("Apps.get_app_configs"), None, &q, &known);
        assert!(test > method, "{test} vs {method}");
        assert!(method > 1.0, "still named, if less");
        assert!(outnamed("get_app_configs", &known));
        assert!(!outnamed("test_get_app_configs", &known));
        assert!(!outnamed("get_app_configs", &["getapp", "configs"]));
    }

    #[test]
    fn compounds_of_ascii_names_are_spelled_as_the_tokenizer_spells_them() {
        for name in [
            "Config::load_file",
            "HTTPServer2.run",
            "a-b c",
            "__init__",
            "Ünïcode_x",
            "",
        ] {
            assert_eq!(compound(name), crate::text::compound(name), "{name}");
        }
    }

    #[test]
    fn numbers_in_a_name_leave_it_partly_named() {
        assert_eq!(number_parts("test_ticket_20820"), 1);
        assert_eq!(number_parts("HTTP2Server3"), 2);
        assert_eq!(number_parts("parseArgs"), 0);
        let q = question_tokens("where is test ticket 21366 defined");
        assert!(symbol_match("test_ticket_20820", &q) < 1.0);
        assert_eq!(symbol_match("test_ticket", &q), 1.0);
    }

    #[test]
    fn a_long_name_spelled_out_outweighs_its_words_met_one_by_one() {
        let q = question_tokens("where is test tuple lookup names defined");
        let spelled = {
            let mut q = q.clone();
            q.push("testtuplelookupnames".to_string());
            q
        };
        let exact = symbol_match("TupleLookupsTests.test_tuple_lookup_names", &spelled);
        let words = symbol_match("TupleLookupsTests", &spelled);
        assert!(exact > words, "{exact} vs {words}");
        assert!(exact <= LONG_NAME_MAX);
        assert_eq!(
            symbol_match("parse_args", &question_tokens("parse args")),
            1.0
        );
    }

    #[test]
    fn partly_named_symbols_get_part_of_the_boost() {
        let q = question_tokens("where is the book search hook defined");
        let m = symbol_match("BookSearchResults", &q);
        assert!(m > 0.5 && m < 1.0, "{m}");
        assert_eq!(symbol_match("useCart", &q), 0.0);
    }

    #[test]
    fn single_word_symbols_match_their_stem() {
        assert!(names_symbol(
            "Tokenizer",
            &question_tokens("how does the tokenizer work")
        ));
        assert!(names_symbol(
            "evict",
            &question_tokens("what evicts entries")
        ));
        assert!(!names_symbol(
            "render",
            &question_tokens("how are pages parsed")
        ));
    }

    #[test]
    fn contained_places_fold_into_better_ones_and_partial_overlaps_widen() {
        let place = |id, path_id, s, e| Place {
            candidate: Candidate {
                id,
                lexical_rank: None,
                vector_rank: None,
                vector_similarity: 0.0,
                score: 0.0,
            },
            path_id,
            start_line: s,
            end_line: e,
            function: false,
            copies: Vec::new(),
        };
        let merged = merge_overlapping(
            vec![
                place(1, 0, 10, 50),
                place(2, 0, 20, 30),
                place(6, 0, 0, 100),
                place(3, 0, 45, 60),
                place(4, 1, 20, 30),
                place(5, 2, 0, 5),
            ],
            2,
        );
        assert_eq!(merged.len(), 2);
        assert_eq!((merged[0].start_line, merged[0].end_line), (10, 60));
        assert_eq!(merged[1].candidate.id, 4);

        // A nested function widens to the function around it, within the readable size.
        let function = |id, s, e| Place {
            function: true,
            ..place(id, 0, s, e)
        };
        let merged = merge_overlapping(vec![function(1, 4, 14), function(2, 0, 30)], 5);
        assert_eq!(merged.len(), 1);
        assert_eq!(
            (
                merged[0].candidate.id,
                merged[0].start_line,
                merged[0].end_line
            ),
            (1, 0, 30)
        );
        let merged = merge_overlapping(vec![function(1, 4, 14), function(2, 0, 300)], 5);
        assert_eq!(
            (merged[0].start_line, merged[0].end_line),
            (4, 14),
            "too long to widen"
        );
        let merged = merge_overlapping(vec![function(1, 4, 14), place(2, 0, 0, 30)], 5);
        assert_eq!(
            (merged[0].start_line, merged[0].end_line),
            (4, 14),
            "a class does not"
        );
    }
}
