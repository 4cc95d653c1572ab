//! Whether the stated confidence means what it says: answers bucketed by the confidence
//! they state, against how often their first result is the right place (a reliability
//! diagram), and every answer's evidence written out for fitting the calibration
//! (`benches/fit_confidence.py`).

use ail_engine::confidence::Evidence;
use std::fmt::Write as _;

/// Buckets of stated confidence: [0, 0.1), [0.1, 0.2), ... [0.9, 1].
const BUCKETS: usize = 10;
/// A bucket with fewer answers than this is shown but not held to the calibration goal.
pub const ENOUGH: usize = 30;

/// One hybrid answer: what it stated and whether its first result was right.
pub struct Stated {
    pub set: &'static str,
    /// 0 tune, 1 report.
    pub half: usize,
    pub rank: Option<usize>,
    pub confidence: f32,
    pub evidence: Evidence,
}

impl Stated {
    fn correct(&self) -> bool {
        self.rank == Some(1)
    }
}

/// The reliability table (markdown) and a mermaid chart of the answers in `half`.
pub fn diagram(answers: &[Stated], half: usize) -> String {
    let mut rows = vec![(0usize, 0usize, 0f64); BUCKETS];
    for a in answers.iter().filter(|a| a.half == half) {
        let b = ((a.confidence * BUCKETS as f32) as usize).min(BUCKETS - 1);
        rows[b].0 += 1;
        rows[b].1 += usize::from(a.correct());
        rows[b].2 += f64::from(a.confidence);
    }
    let total: usize = rows.iter().map(|r| r.0).sum();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| stated confidence | answers | mean stated | top-1 precision | gap (points) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    let (mut ece, mut worst) = (0.0, 0.0f64);
    let mut precision = Vec::new();
    let mut stated = Vec::new();
    for (b, &(n, right, sum)) in rows.iter().enumerate() {
        let lo = b as f64 / BUCKETS as f64;
        let range = format!("{lo:.1}–{:.1}", lo + 1.0 / BUCKETS as f64);
        if n == 0 {
            let _ = writeln!(out, "| {range} | 0 | – | – | – |");
            // Mermaid has no gaps: an empty bucket charts as 0 on both.
            precision.push(0.0);
            stated.push(0.0);
            continue;
        }
        let p = right as f64 / n as f64;
        let s = sum / n as f64;
        let gap = (s - p) * 100.0;
        ece += (n as f64 / total as f64) * gap.abs();
        if n >= ENOUGH {
            worst = worst.max(gap.abs());
        }
        let _ = writeln!(
            out,
            "| {range} | {n} | {s:.3} | {p:.3} | {gap:+.1}{} |",
            if n < ENOUGH { " (few)" } else { "" }
        );
        precision.push(p);
        stated.push(s);
    }
    let right: usize = rows.iter().map(|r| r.1).sum();
    let _ = writeln!(
        out,
        "\n{total} answers, top-1 precision {:.3}; expected calibration error {ece:.1} points; \
         largest gap in a bucket of {ENOUGH}+ answers {worst:.1} points.",
        right as f64 / total.max(1) as f64
    );
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let labels: Vec<String> = (0..BUCKETS)
        .map(|b| format!("\"{:.1}\"", b as f64 / BUCKETS as f64))
        .collect();
    let _ = writeln!(
        out,
        "\n```mermaid\nxychart-beta\n    title \"Top-1 precision (bars) against stated confidence (line)\"\n    \
         x-axis \"stated confidence bucket\" [{}]\n    y-axis \"share\" 0 --> 1\n    bar [{}]\n    line [{}]\n```",
        labels.join(", "),
        list(&precision),
        list(&stated)
    );
    out
}

/// Per question set: answers, mean stated confidence and top-1 precision in `half`, and
/// how many answers state less than `abstain` (the summary says "no good match") with
/// their top-1 precision and hit@10.
pub fn by_set(answers: &[Stated], half: usize, abstain: f32) -> String {
    let mut out = String::from(
        "| questions | answers | mean stated | top-1 precision | stated < abstain threshold | their hit@1 | their hit@10 |\n|---|---|---|---|---|---|---|\n",
    );
    let mut sets: Vec<&str> = answers.iter().map(|a| a.set).collect();
    sets.dedup();
    for set in sets {
        let these: Vec<&Stated> = answers
            .iter()
            .filter(|a| a.half == half && a.set == set)
            .collect();
        let n = these.len().max(1) as f64;
        let low: Vec<&&Stated> = these.iter().filter(|a| a.confidence < abstain).collect();
        let nl = low.len().max(1) as f64;
        let _ = writeln!(
            out,
            "| {set} | {} | {:.3} | {:.3} | {} ({:.0}%) | {:.3} | {:.3} |",
            these.len(),
            these.iter().map(|a| f64::from(a.confidence)).sum::<f64>() / n,
            these.iter().filter(|a| a.correct()).count() as f64 / n,
            low.len(),
            100.0 * low.len() as f64 / n,
            low.iter().filter(|a| a.correct()).count() as f64 / nl,
            low.iter().filter(|a| a.rank.is_some()).count() as f64 / nl,
        );
    }
    out
}

/// Every answer's evidence as tab-separated values, for `benches/fit_confidence.py`.
pub fn evidence_tsv(answers: &[Stated]) -> String {
    let mut out = String::from(
        "set\thalf\tcorrect\tconfidence\tcoverage\tweighted_coverage\tknown_terms\ttop_in_lexical\ttop_in_vector\tlexical_first\tvector_first\ttop_similarity\tnamed\tname_share\tmargin\tfirst\n",
    );
    for a in answers {
        let e = &a.evidence;
        let _ = writeln!(
            out,
            "{}\t{}\t{}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\t{}\t{}\t{}\t{}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\t{:.5}",
            a.set,
            a.half,
            u8::from(a.correct()),
            a.confidence,
            e.coverage,
            e.weighted_coverage,
            e.known_terms,
            u8::from(e.top_in_lexical),
            u8::from(e.top_in_vector),
            u8::from(e.lexical_first),
            u8::from(e.vector_first),
            e.top_similarity,
            e.named,
            e.name_share,
            e.margin(),
            e.first
        );
    }
    out
}
