//! Stage 4 of an answer: present the places. Their facts are copied out of the index under
//! its lock; snippets that are not stored are then read from disk and permalinks asked of
//! git without it, so neither a slow disk nor git holds up indexing.

use super::*;

/// What the answer shows of one place, copied out of the index.
pub(crate) struct Gathered {
    path: String,
    start_line: u32,
    end_line: u32,
    score: f32,
    symbol: Option<String>,
    kind: ChunkKind,
    language: crate::chunk::Language,
    /// The chunk's own lines, for its snippet.
    chunk_lines: (u32, u32),
    stored_snippet: Option<String>,
    file_kind: FileKind,
    copies: Vec<CopyPlace>,
}

/// Copy what the answer shows of `places` out of the index.
pub(crate) fn gather(index: &Store, places: &[Place]) -> Vec<Gathered> {
    let best = rank::best_possible_score();
    places
        .iter()
        .filter_map(|p| {
            let chunk = index.chunk(p.candidate.id)?;
            Some(Gathered {
                path: index.path_of(&chunk).to_string(),
                start_line: p.start_line,
                end_line: p.end_line,
                score: (p.candidate.score / best).min(1.0),
                symbol: chunk.symbol.map(str::to_string),
                kind: chunk.kind,
                language: chunk.language,
                chunk_lines: (chunk.start_line, chunk.end_line),
                stored_snippet: chunk.snippet.map(str::to_string),
                file_kind: index.file_kind(chunk.file),
                copies: p
                    .copies
                    .iter()
                    .filter_map(|&id| {
                        let copy = index.chunk(id)?;
                        Some(CopyPlace {
                            path: index.path_of(&copy).to_string(),
                            start_line: copy.start_line,
                            end_line: copy.end_line,
                        })
                    })
                    .collect(),
            })
        })
        .collect()
}

impl Engine {
    /// The answer's results and citations, numbered in rank order.
    pub(crate) fn present(
        &self,
        gathered: Vec<Gathered>,
        cancel: &CancelToken,
    ) -> Result<(Vec<Hit>, Vec<Citation>), QueryError> {
        let mut results = Vec::with_capacity(gathered.len());
        let mut citations = Vec::with_capacity(gathered.len());
        let mut file_texts = super::file_texts::FileTexts::default();
        for (i, g) in gathered.into_iter().enumerate() {
            // Snippets may read files from disk.
            if cancel.is_cancelled() {
                return Err(QueryError::Cancelled);
            }
            let snippet = match g.stored_snippet {
                Some(s) => s,
                None => file_texts.snippet(
                    &self.root,
                    &g.path,
                    g.chunk_lines,
                    self.config.max_file_size,
                ),
            };
            citations.push(Citation {
                id: i + 1,
                path: g.path.clone(),
                start_line: g.start_line,
                end_line: g.end_line,
                permalink: self.permalink(&g.path, g.start_line, g.end_line),
            });
            results.push(Hit {
                path: g.path,
                start_line: g.start_line,
                end_line: g.end_line,
                score: g.score,
                symbol: g.symbol,
                kind: g.kind,
                language: g.language,
                snippet,
                citation: i + 1,
                file_kind: g.file_kind,
                copies: g.copies,
            });
        }
        Ok((results, citations))
    }
}
