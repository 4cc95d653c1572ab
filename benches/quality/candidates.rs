//! The candidate dump (`AIL_QUALITY_CANDIDATES=file`): for every question, every fused
//! candidate an answer's ranking sees, with its ranks, the re-ranker's features and
//! whether it holds the answer, as tab-separated values; and in `file.recall`, for every
//! question, the best rank of the answer in each list when each retriever is asked for
//! `AIL_QUALITY_DEPTH` candidates (default 200). Read by `benches/fit_rerank.py` to
//! measure recall below the top 10 and to fit the re-ranker.

use super::{half_of, Question};
use ail_engine::engine::{CandidateRow, ANSWER_DEPTH};
use ail_engine::rerank::FEATURE_NAMES;
use ail_engine::{Engine, Query, Retrieval};
use std::fmt::Write as _;

const DEFAULT_DEPTH: usize = 200;

/// Write the dump to the file `AIL_QUALITY_CANDIDATES` names, if it names one.
pub fn dump(engine: &Engine, sets: &[(&str, &Vec<Question>)]) -> Result<(), String> {
    let Some(path) = std::env::var_os("AIL_QUALITY_CANDIDATES").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let depth = match std::env::var("AIL_QUALITY_DEPTH") {
        Ok(v) if !v.is_empty() => v
            .parse::<usize>()
            .map_err(|_| format!("AIL_QUALITY_DEPTH must be a number, got {v:?}"))?,
        _ => DEFAULT_DEPTH,
    };
    let mut out = String::from(
        "set\thalf\tquestion\tfused_rank\tlexical_rank\tvector_rank\tlabel\tlog_prior",
    );
    for name in FEATURE_NAMES {
        let _ = write!(out, "\t{name}");
    }
    out.push('\n');
    let mut recall = String::from("set\thalf\tquestion\tlexical\tvector\tfused\n");
    let mut n = 0;
    let r = |x: Option<usize>| x.map_or("-".to_string(), |x| x.to_string());
    for (set, questions) in sets {
        for q in questions.iter() {
            let query = Query {
                question: q.question.clone(),
                file: None,
                line: None,
                limit: 10,
                retrieval: Retrieval::Hybrid,
            };
            let ask = |depth| {
                engine
                    .candidates(&query, depth)
                    .map_err(|e| format!("candidates for {:?} failed: {e}", q.question))
            };
            let holds = |row: &CandidateRow| {
                row.path == q.path && row.start_line <= q.def_line && q.def_line < row.end_line
            };
            for (rank, row) in ask(ANSWER_DEPTH)?.iter().enumerate() {
                let _ = write!(
                    out,
                    "{set}\t{}\t{n}\t{rank}\t{}\t{}\t{}\t{:.5}",
                    half_of(q),
                    r(row.lexical_rank),
                    r(row.vector_rank),
                    u8::from(holds(row)),
                    row.log_prior
                );
                for x in row.features {
                    let _ = write!(out, "\t{x:.5}");
                }
                out.push('\n');
            }
            let deep = ask(depth)?;
            let best = |rank: &dyn Fn(usize, &CandidateRow) -> Option<usize>| {
                deep.iter()
                    .enumerate()
                    .filter(|(_, row)| holds(row))
                    .filter_map(|(i, row)| rank(i, row))
                    .min()
            };
            let _ = writeln!(
                recall,
                "{set}\t{}\t{n}\t{}\t{}\t{}",
                half_of(q),
                r(best(&|_, row| row.lexical_rank)),
                r(best(&|_, row| row.vector_rank)),
                r(best(&|i, _| Some(i)))
            );
            n += 1;
        }
    }
    std::fs::write(&path, out).map_err(|e| format!("cannot write {path:?}: {e}"))?;
    let mut recall_path = path.clone();
    recall_path.push(".recall");
    std::fs::write(&recall_path, recall)
        .map_err(|e| format!("cannot write {recall_path:?}: {e}"))?;
    println!("candidates of {n} questions written to {path:?}, deep ranks (depth {depth}) to {recall_path:?}");
    Ok(())
}
