//! Answers about several workspace folders made into one (results interleaved by score,
//! citations renumbered), and the answer when there is nothing to search at all.

use crate::{CitationItem, ContextResult, IndexSummary, ResultItem, TimingsMs};

/// The answer when there is nothing to search at all (no workspace folder, or none loaded):
/// empty, with zero confidence and the reason.
pub fn empty_context_result(question: &str, reason: &str, state: &str) -> ContextResult {
    ContextResult {
        question: question.to_string(),
        summary: format!("Nothing to search: {reason}."),
        results: Vec::new(),
        citations: Vec::new(),
        history: None,
        blame: None,
        confidence: 0.0,
        cache: "miss".to_string(),
        timings_ms: TimingsMs::default(),
        index: IndexSummary {
            state: state.to_string(),
            files: 0,
            chunks: 0,
            generation: 0,
        },
        warnings: vec![reason.to_string()],
        tokens: None,
        omitted: None,
    }
}

/// Several folders' answers as one: results interleaved by score, cut to `limit`, citations
/// renumbered. Paths stay relative to their own folder; each result's `uri` is absolute and
/// tells them apart. A single answer passes through untouched.
pub fn merge_context_results(
    question: &str,
    mut parts: Vec<(String, ContextResult)>,
    limit: usize,
) -> ContextResult {
    if parts.len() == 1 {
        if let Some((_, only)) = parts.pop() {
            return only;
        }
    }
    // Scores are relative to each folder's own best and saturate in small folders, so a
    // folder's confidence weighs its results: a folder that barely matches the question
    // does not lead with its best guess. Order within a folder is kept.
    let mut ranked: Vec<(f32, usize, ResultItem)> = Vec::new();
    for (i, (_, part)) in parts.iter().enumerate() {
        let weight = 0.1 + part.confidence;
        ranked.extend(
            part.results
                .iter()
                .cloned()
                .map(|r| (r.score * weight, i, r)),
        );
    }
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.truncate(limit);

    let mut results = Vec::with_capacity(ranked.len());
    let mut citations = Vec::with_capacity(ranked.len());
    for (n, (_, part, mut item)) in ranked.into_iter().enumerate() {
        let id = n + 1;
        if let Some(c) = parts[part]
            .1
            .citations
            .iter()
            .find(|c| c.id == item.citation)
        {
            citations.push(CitationItem { id, ..c.clone() });
        }
        item.citation = id;
        results.push(item);
    }

    let top_part = results.first().and_then(|top| {
        parts
            .iter()
            .position(|(_, p)| p.results.iter().any(|r| r.uri == top.uri))
    });
    let confidence = top_part.map_or(0.0, |i| parts[i].1.confidence);
    let mut warnings = Vec::new();
    let mut timings = TimingsMs::default();
    let mut index = IndexSummary {
        state: "ready".to_string(),
        files: 0,
        chunks: 0,
        generation: 0,
    };
    for (name, part) in &parts {
        warnings.extend(part.warnings.iter().map(|w| format!("{name}: {w}")));
        timings.total += part.timings_ms.total;
        timings.embed += part.timings_ms.embed;
        timings.search += part.timings_ms.search;
        timings.lexical += part.timings_ms.lexical;
        timings.vector += part.timings_ms.vector;
        timings.rank += part.timings_ms.rank;
        timings.format += part.timings_ms.format;
        index.files += part.index.files;
        index.chunks += part.index.chunks;
        index.generation += part.index.generation;
        if part.index.state != "ready" {
            index.state = part.index.state.clone();
        }
    }
    let summary = crate::summary::summarize(
        question,
        &results,
        confidence,
        Some(crate::summary::Across {
            folders: parts.len(),
            top_folder: top_part.map_or("", |i| parts[i].0.as_str()),
        }),
    );
    ContextResult {
        question: question.to_string(),
        summary,
        results,
        citations,
        history: None,
        blame: None,
        confidence,
        cache: "miss".to_string(),
        timings_ms: timings,
        index,
        warnings,
        tokens: None,
        omitted: None,
    }
}
