//! Retrieval-quality benchmark: how often the engine puts the right Python function first
//! or in its top ten, for questions whose answer is known, on a real project (Django).
//!
//! The questions are made from the workspace itself, then made fair:
//!
//! * *doc* questions are the first sentence of a function's docstring, asked of a copy of
//!   the workspace where every function and method docstring is blanked (replaced by empty
//!   lines, so line numbers stay put). The engine has to find the function from its name,
//!   code and surroundings, not by matching the sentence it was asked.
//! * *identifier* questions are "where is get object or 404 defined" for a snake_case
//!   function name defined exactly once, so there is one right answer.
//!
//! A question hits at rank r when result r is in the function's file and its line range
//! contains the `def` line. Every question is asked in the three retrieval modes, and of a
//! floor: a plain grep-style ranking of the same chunks by how often the question's words
//! occur in them. Nothing here is tuned to the answers; the sample is every n-th candidate.
//!
//! Answers in vendored or generated code make no doc or identifier question; names only
//! vendored code defines make a third set, which the vendored prior must not lose. Doc
//! questions whose answer is test code form a set of their own, "doc (tests)": a docstring
//! question asks how something works, which means the implementation (issue 12 ranks test
//! code below it), so the "doc" set holds implementation answers only, as docstring sets
//! drawn from most codebases do; Django's test suite alone documents about half of its
//! functions. Each
//! question belongs to a fixed half (a hash of its answer's place): tune on one, report the
//! other.
//!
//! Environment: `AIL_BENCH_WORKSPACE` (default `bench-data/django`), `AIL_QUALITY_LIMIT`
//! (this many questions of each type, or all candidates if fewer, instead of the defaults),
//! `AIL_QUALITY_REPORT` (write every question's ranks to this file as tab-separated
//! values), `AIL_QUALITY_MODES` (comma-separated mode
//! names to run), and the engine settings `settings.rs` reads (`AIL_QUALITY_MODEL`,
//! `AIL_QUALITY_GRAPH`, `AIL_VENDORED_WEIGHT`, `AIL_VECTOR_WEIGHT`, `AIL_LEARNED_RELATED`,
//! `AIL_QUALITY_IN_MEMORY`);
//! `AIL_QUALITY_EVIDENCE` writes every hybrid answer's confidence evidence to that file;
//! `AIL_QUALITY_CANDIDATES` writes every question's fused candidates with the re-ranker's
//! features (`quality/candidates.rs`; `AIL_QUALITY_MODES=none` asks nothing else).

use ail_engine::cache::CacheConfig;
use ail_engine::{Engine, Query, Retrieval};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[path = "quality/candidates.rs"]
mod candidates;
#[path = "quality/floor.rs"]
mod floor;
#[path = "quality/python.rs"]
mod python;
#[path = "quality/reliability.rs"]
mod reliability;
#[path = "quality/score.rs"]
mod score;
#[path = "quality/settings.rs"]
mod settings;
use floor::Floor;
use python::{logical_lines, StringToken, Token};
use score::Score;

const DOC_QUESTIONS: usize = 1000;
/// Doc questions whose answer is test code.
const DOC_TEST_QUESTIONS: usize = 500;
const IDENTIFIER_QUESTIONS: usize = 300;
/// Results asked for; a hit lower than this counts as a miss.
const TOP_K: usize = 10;
/// A docstring's first sentence must have at least this many words to make a question.
const MIN_DOC_WORDS: usize = 4;
/// Identifier questions whose answer is only in vendored code.
const VENDORED_QUESTIONS: usize = 100;

fn main() -> Result<(), String> {
    let source = workspace()?;
    let limit = std::env::var("AIL_QUALITY_LIMIT")
        .ok()
        .map(|v| {
            v.parse::<usize>()
                .map_err(|_| format!("AIL_QUALITY_LIMIT must be a number, got {v:?}"))
        })
        .transpose()?;
    let started = Instant::now();

    // 1. A copy of the workspace with function docstrings blanked, and the functions found.
    let copy = tempfile::tempdir().map_err(|e| format!("cannot make a temp dir: {e}"))?;
    let mut corpus = Corpus::default();
    copy_blanked(&source, copy.path(), "", &mut corpus)
        .map_err(|e| format!("cannot copy {}: {e}", source.display()))?;

    // 2. Questions, sampled every n-th from candidates in (path, line) order. Doc and
    //    identifier questions are about the project's own code; a third set asks for names
    //    that only vendored code defines, which must still be found.
    let mut doc_all = doc_questions(&corpus.functions);
    doc_all.questions.retain(|q| !third_party(&q.path));
    let (doc_tests_all, doc_code_all): (Vec<Question>, Vec<Question>) = doc_all
        .questions
        .iter()
        .cloned()
        .partition(|q| test_code(&q.path));
    let (vendored_all, ident_all): (Vec<Question>, Vec<Question>) =
        identifier_questions(&corpus.functions)
            .into_iter()
            .partition(|q| third_party(&q.path));
    let vendored = every_nth(&vendored_all, limit.unwrap_or(VENDORED_QUESTIONS));
    let doc = every_nth(&doc_code_all, limit.unwrap_or(DOC_QUESTIONS));
    let doc_tests = every_nth(&doc_tests_all, limit.unwrap_or(DOC_TEST_QUESTIONS));
    let ident = every_nth(&ident_all, limit.unwrap_or(IDENTIFIER_QUESTIONS));

    // 3. The engine, on the blanked copy, served from its persisted segment as a user's
    //    would be (see `settings.rs` for the other choices), with the answer cache off so
    //    that every answer is computed from scratch.
    let cache_dir = tempfile::tempdir().map_err(|e| format!("cannot make a temp dir: {e}"))?;
    let config = settings::engine_config(cache_dir.path())?;
    let engine = Engine::open(copy.path(), config).map_err(|e| e.to_string())?;
    let report = engine
        .refresh(&|_| {}, &ail_engine::CancelToken::new())
        .map_err(|e| e.to_string())?;
    engine.set_cache_config(CacheConfig {
        enabled: false,
        ..CacheConfig::default()
    });
    let status = engine.status();

    // 4. The floor, over the same copy, chunked by the engine's chunker.
    let floor = Floor::build(copy.path());

    println!("workspace: {} (blanked copy)", source.display());
    println!(
        "python: {} files, {} functions, {} docstrings blanked ({} needed a `pass` to stay valid)",
        corpus.python_files,
        corpus.functions.len(),
        corpus.blanked,
        corpus.passes
    );
    println!(
        "doc questions: {} candidates ({} first sentences shared by several functions dropped); {} answered by implementation code, {} asked; {} by test code, {} asked",
        doc_all.questions.len(),
        doc_all.ambiguous,
        doc_code_all.len(),
        doc.len(),
        doc_tests_all.len(),
        doc_tests.len()
    );
    println!(
        "identifier questions: {} candidates (snake_case, 2+ parts, defined once), {} asked",
        ident_all.len(),
        ident.len()
    );
    println!(
        "vendored-only identifier questions: {} candidates, {} asked; vendored weight {}",
        vendored_all.len(),
        vendored.len(),
        engine.config().vendored_weight
    );
    println!(
        "engine: {} files, {} chunks indexed in {:.1} s; embedder {}, vectors {}",
        report.files, report.chunks, report.seconds, status.embedder, status.vector_index
    );
    println!(
        "floor: {} files, {} chunks, {} distinct words",
        floor.files,
        floor.chunks.len(),
        floor.vocabulary.len()
    );

    // 5. Ask everything.
    let modes: [(&str, Option<Retrieval>); 4] = [
        ("hybrid", Some(Retrieval::Hybrid)),
        ("lexical", Some(Retrieval::Lexical)),
        ("vector", Some(Retrieval::Vector)),
        ("floor (grep count)", None),
    ];
    // `AIL_QUALITY_MODES=hybrid,lexical` asks in those modes only (the floor is slow).
    let only: Option<Vec<String>> = std::env::var("AIL_QUALITY_MODES")
        .ok()
        .filter(|m| !m.is_empty())
        .map(|m| m.split(',').map(|x| x.trim().to_string()).collect());
    let modes: Vec<(&str, Option<Retrieval>)> = modes
        .into_iter()
        .filter(|(name, _)| {
            only.as_ref()
                .is_none_or(|o| o.iter().any(|x| name.starts_with(x.as_str())))
        })
        .collect();
    let sets = [
        ("doc", &doc),
        ("doc (tests)", &doc_tests),
        ("identifier", &ident),
        ("vendored identifier", &vendored),
    ];
    candidates::dump(
        &engine,
        &sets.iter().map(|(n, q)| (*n, *q)).collect::<Vec<_>>(),
    )?;
    let mut floor = floor;
    let mut rows = Vec::new();
    let mut tsv = String::from("type\tquestion\tpath\tline");
    for (name, _) in &modes {
        let _ = write!(tsv, "\t{name}");
    }
    tsv.push('\n');
    let total = sets.iter().map(|(_, q)| q.len()).sum::<usize>() * modes.len();
    let mut asked = 0;
    let mut ranks: HashMap<(usize, usize), Vec<Option<usize>>> = HashMap::new();
    let mut stated = Vec::new();
    for (set_i, (_, questions)) in sets.iter().enumerate() {
        for (mode_i, (mode_name, retrieval)) in modes.iter().enumerate() {
            let mut scores: [Score; 3] = Default::default();
            let mut set_ranks = Vec::with_capacity(questions.len());
            for q in questions.iter() {
                let t = Instant::now();
                let (rank, third_party_shown) = match retrieval {
                    Some(retrieval) => {
                        let (rank, shown, confidence, evidence) =
                            engine_rank(&engine, q, *retrieval)?;
                        if *retrieval == Retrieval::Hybrid {
                            stated.push(reliability::Stated {
                                set: sets[set_i].0,
                                half: half_of(q),
                                rank,
                                confidence,
                                evidence,
                            });
                        }
                        (rank, shown)
                    }
                    None => (floor.rank(q), (0, 0)),
                };
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                for half in [0, 1 + half_of(q)] {
                    scores[half].add(rank, ms, third_party_shown);
                }
                set_ranks.push(rank);
                asked += 1;
                if asked % 500 == 0 {
                    eprintln!("  {asked}/{total} asked ({mode_name})");
                }
            }
            ranks.insert((set_i, mode_i), set_ranks);
            for (half, score) in scores.into_iter().enumerate() {
                rows.push((half, sets[set_i].0, *mode_name, score));
            }
        }
    }
    for (set_i, (set_name, questions)) in sets.iter().enumerate() {
        for (q_i, q) in questions.iter().enumerate() {
            let _ = write!(
                tsv,
                "{set_name}\t{}\t{}\t{}",
                q.question.replace(['\t', '\n'], " "),
                q.path,
                q.def_line + 1
            );
            for mode_i in 0..modes.len() {
                let rank = ranks.get(&(set_i, mode_i)).and_then(|r| r[q_i]);
                let _ = write!(tsv, "\t{}", rank.map_or("-".into(), |r| r.to_string()));
            }
            tsv.push('\n');
        }
    }

    for (half, title) in ["all questions", "tune half", "report half"]
        .iter()
        .enumerate()
    {
        println!();
        println!("{title}:");
        println!();
        println!("| mode | questions | n | hit@1 | hit@10 | MRR@10 | vendored/generated share of results | median ms |");
        println!("|---|---|---|---|---|---|---|---|");
        for (_, set_name, mode_name, score) in rows.iter().filter(|r| r.0 == half) {
            if score.n() == 0 {
                continue;
            }
            println!(
                "| {mode_name} | {set_name} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.2} |",
                score.n(),
                score.hit_at(1),
                score.hit_at(TOP_K),
                score.mrr(),
                score.third_party_share(),
                score.median_ms()
            );
        }
    }
    for (half, title) in [(0, "tune half"), (1, "report half")] {
        println!("\nstated confidence of hybrid answers, {title}:\n");
        println!("{}", reliability::diagram(&stated, half));
        let abstain = ail_engine::confidence::NO_GOOD_MATCH;
        println!("{}", reliability::by_set(&stated, half, abstain));
    }
    if let Some(path) = std::env::var_os("AIL_QUALITY_EVIDENCE").filter(|p| !p.is_empty()) {
        std::fs::write(&path, reliability::evidence_tsv(&stated))
            .map_err(|e| format!("cannot write {}: {e}", PathBuf::from(&path).display()))?;
    }
    println!();
    println!(
        "hit@k: share of questions whose function is in the top k; MRR@10: mean of 1/rank (0 beyond 10). Total {:.0} s.",
        started.elapsed().as_secs_f64()
    );
    // Whether the graph stayed on: the engine falls back to the exact scan by itself when
    // its sampled recall drops, and one query in 32 is answered exactly to sample it.
    println!(
        "vectors at the end: {}; fallbacks: {}",
        engine.status().vector_index,
        match engine.fallbacks() {
            f if f.is_empty() => "none".to_string(),
            f => f.join(", "),
        }
    );
    if let Some(path) = std::env::var_os("AIL_QUALITY_REPORT").filter(|p| !p.is_empty()) {
        std::fs::write(&path, tsv)
            .map_err(|e| format!("cannot write {}: {e}", PathBuf::from(&path).display()))?;
        println!(
            "per-question ranks written to {}",
            PathBuf::from(path).display()
        );
    }
    Ok(())
}

fn workspace() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("AIL_BENCH_WORKSPACE").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let django = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-data/django");
    if django.is_dir() {
        Ok(django)
    } else {
        Err(format!(
            "no workspace: {} is missing; run benches/fetch_workspace.sh first (or set AIL_BENCH_WORKSPACE)",
            django.display()
        ))
    }
}

/// A question with one known right place.
#[derive(Clone, Debug)]
struct Question {
    question: String,
    path: String,
    /// 0-based line of the `def`.
    def_line: u32,
}

/// Whether the code at `path` is vendored or generated, by its path.
fn third_party(path: &str) -> bool {
    ail_engine::file_kind::classify(path, "").is_third_party_or_generated()
}

/// Whether the code at `path` is test code, by its path.
fn test_code(path: &str) -> bool {
    ail_engine::file_kind::classify(path, "") == ail_engine::FileKind::Test
}

/// 0 for the tune half, 1 for the report half: a fixed hash of the answer's place, so the
/// halves never change between runs and no tuning sees the report half.
fn half_of(q: &Question) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("{}:{}", q.path, q.def_line).bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (h >> 32) as usize & 1
}

/// The rank (1-based) of the first engine result that holds the answer, how many of the
/// results shown were vendored or generated code, of how many, and the answer's
/// confidence with its evidence.
fn engine_rank(engine: &Engine, q: &Question, retrieval: Retrieval) -> Result<EngineRank, String> {
    let query = Query {
        question: q.question.clone(),
        file: None,
        line: None,
        limit: TOP_K,
        retrieval,
    };
    let answer = engine
        .query(&query)
        .map_err(|e| format!("query {:?} failed: {e}", q.question))?;
    let rank = answer
        .results
        .iter()
        .position(|hit| {
            hit.path == q.path && hit.start_line <= q.def_line && q.def_line < hit.end_line
        })
        .map(|i| i + 1);
    let shown = answer
        .results
        .iter()
        .filter(|hit| hit.file_kind.is_third_party_or_generated())
        .count();
    Ok((
        rank,
        (shown, answer.results.len()),
        answer.confidence,
        answer.evidence,
    ))
}

type EngineRank = (
    Option<usize>,
    (usize, usize),
    f32,
    ail_engine::confidence::Evidence,
);

/// Up to `limit` items, evenly spread over the list, starting with the first.
fn every_nth<T: Clone>(items: &[T], limit: usize) -> Vec<T> {
    let take = limit.min(items.len());
    (0..take)
        .map(|k| items[k * items.len() / take].clone())
        .collect()
}

// ---------------------------------------------------------------------------------------
// The blanked copy.

/// A Python function or method found in the workspace.
#[derive(Clone, Debug)]
struct Function {
    path: String,
    name: String,
    def_line: u32,
    /// Its docstring's text, before blanking.
    doc: Option<String>,
}

#[derive(Default)]
struct Corpus {
    functions: Vec<Function>,
    python_files: usize,
    blanked: usize,
    passes: usize,
}

/// Copy `from` into `to`, leaving out hidden entries and symbolic links (the engine skips
/// them too), with Python function docstrings blanked. `rel` is `from`'s workspace path.
fn copy_blanked(from: &Path, to: &Path, rel: &str, corpus: &mut Corpus) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    let mut entries: Vec<_> = std::fs::read_dir(from)?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        let child_rel = if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        let target = to.join(name);
        if kind.is_dir() {
            copy_blanked(&entry.path(), &target, &child_rel, corpus)?;
        } else if kind.is_file() {
            let bytes = std::fs::read(entry.path())?;
            let text = if name.ends_with(".py") {
                std::str::from_utf8(&bytes).ok()
            } else {
                None
            };
            match text {
                Some(text) => {
                    corpus.python_files += 1;
                    let (blanked, functions) = blank_docstrings(text, &child_rel, corpus);
                    corpus.functions.extend(functions);
                    std::fs::write(&target, blanked)?;
                }
                None => std::fs::write(&target, &bytes)?,
            }
        }
    }
    Ok(())
}

/// The file with every function docstring replaced by empty lines, and its functions.
/// A docstring that is a function's whole body becomes `pass` so the file stays valid.
fn blank_docstrings(text: &str, path: &str, corpus: &mut Corpus) -> (String, Vec<Function>) {
    let lines = logical_lines(text);
    let mut functions = Vec::new();
    // Physical line -> replacement (None: empty).
    let mut replace: HashMap<u32, Option<String>> = HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        let toks = &line.tokens;
        let at = usize::from(matches!(toks.first(), Some(Token::Name(n)) if n == "async"));
        let (Some(Token::Name(kw)), Some(Token::Name(name))) = (toks.get(at), toks.get(at + 1))
        else {
            continue;
        };
        if kw != "def" {
            continue;
        }
        let mut function = Function {
            path: path.to_string(),
            name: name.clone(),
            def_line: line.first_line,
            doc: None,
        };
        // A body on the following lines starts with its docstring, if it has one.
        let block = matches!(toks.last(), Some(Token::Op(':')));
        let next = lines.get(i + 1).filter(|n| block && n.indent > line.indent);
        if let Some(next) = next {
            let strings: Option<Vec<&StringToken>> = next
                .tokens
                .iter()
                .map(|t| match t {
                    Token::Str(s) if s.is_docstring_kind => Some(s),
                    _ => None,
                })
                .collect();
            if let Some(strings) = strings.filter(|s| !s.is_empty()) {
                let start = strings[0].start_line;
                let end = strings[strings.len() - 1].end_line;
                function.doc = Some(strings.iter().map(|s| s.body.as_str()).collect());
                let body_goes_on = lines
                    .get(i + 2)
                    .is_some_and(|after| after.indent > line.indent);
                for l in start..=end {
                    replace.insert(l, None);
                }
                if !body_goes_on {
                    let indent: String = text
                        .lines()
                        .nth(start as usize)
                        .unwrap_or("")
                        .chars()
                        .take_while(|c| *c == ' ' || *c == '\t')
                        .collect();
                    replace.insert(start, Some(format!("{indent}pass")));
                    corpus.passes += 1;
                }
                corpus.blanked += 1;
            }
        }
        functions.push(function);
    }
    if replace.is_empty() {
        return (text.to_string(), functions);
    }
    let mut out = String::with_capacity(text.len());
    for (n, piece) in text.split_inclusive('\n').enumerate() {
        match replace.get(&(n as u32)) {
            None => out.push_str(piece),
            Some(replacement) => {
                if let Some(r) = replacement {
                    out.push_str(r);
                }
                if piece.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
    }
    (out, functions)
}

// ---------------------------------------------------------------------------------------
// Questions.

struct DocQuestions {
    questions: Vec<Question>,
    /// First sentences shared by several functions: no single right answer.
    ambiguous: usize,
}

/// One question per documented function whose first sentence has enough words.
fn doc_questions(functions: &[Function]) -> DocQuestions {
    let mut by_text: HashMap<String, Vec<Question>> = HashMap::new();
    for f in functions {
        let Some(sentence) = f.doc.as_deref().and_then(first_sentence) else {
            continue;
        };
        by_text
            .entry(sentence.to_lowercase())
            .or_default()
            .push(Question {
                question: sentence,
                path: f.path.clone(),
                def_line: f.def_line,
            });
    }
    let mut questions = Vec::new();
    let mut ambiguous = 0;
    for (_, mut qs) in by_text {
        if qs.len() == 1 {
            questions.append(&mut qs);
        } else {
            ambiguous += 1;
        }
    }
    questions.sort_by(|a, b| (&a.path, a.def_line).cmp(&(&b.path, b.def_line)));
    DocQuestions {
        questions,
        ambiguous,
    }
}

/// The first sentence of a docstring's first paragraph, white space collapsed, when it
/// has at least `MIN_DOC_WORDS` words.
fn first_sentence(doc: &str) -> Option<String> {
    let paragraph: Vec<&str> = doc
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .collect();
    let text = paragraph.join(" ");
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut sentence = Vec::new();
    for w in words {
        sentence.push(w);
        if w.ends_with(['.', '?', '!']) {
            break;
        }
    }
    (sentence.len() >= MIN_DOC_WORDS).then(|| sentence.join(" "))
}

/// "where is get object or 404 defined" for each snake_case name of two or more parts
/// that is defined exactly once.
fn identifier_questions(functions: &[Function]) -> Vec<Question> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for f in functions {
        *count.entry(f.name.as_str()).or_default() += 1;
    }
    let mut questions: Vec<Question> = functions
        .iter()
        .filter(|f| count.get(f.name.as_str()) == Some(&1))
        .filter_map(|f| {
            if f.name.starts_with("__") && f.name.ends_with("__") {
                return None;
            }
            let parts: Vec<&str> = f.name.trim_start_matches('_').split('_').collect();
            let snake = parts.len() >= 2
                && parts.iter().all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                });
            snake.then(|| Question {
                question: format!("where is {} defined", parts.join(" ")),
                path: f.path.clone(),
                def_line: f.def_line,
            })
        })
        .collect();
    questions.sort_by(|a, b| (&a.path, a.def_line).cmp(&(&b.path, b.def_line)));
    questions
}
