//! An answer from question to result: the stages in order, the answer cache around them.

use super::plan::Plan;
use super::*;

impl Engine {
    /// Answer a question in four stages, each in its own file: plan (`plan.rs`), retrieve
    /// (`retrieve.rs`), fuse and rank (`fuse.rs`), present (`present.rs`). The whole answer
    /// comes from one snapshot of the index, taken first, so it sees each edit whole or not
    /// at all, and no lock is held while it searches, reads files or asks git.
    pub(crate) fn answer(&self, query: &Query, cancel: &CancelToken) -> Result<Answer, QueryError> {
        let started = Instant::now();
        // Meanwhile an indexing pass leaves a core to this answer.
        let _answering = crate::pool::Answering::start();
        let question = super::plan::checked_question(query)?;
        if query.limit == 0 || query.limit > MAX_LIMIT {
            return Err(QueryError::BadLimit(query.limit));
        }
        let cancelled = || cancel.is_cancelled();
        // Over the latency or memory budget, the optional stages are off (see `rollback`).
        let degraded = self.rollback.is_degraded();
        let mut timings = Timings::default();
        let index = self.index.snapshot();

        let plan = self.plan(question, query, &index);
        if cancelled() {
            return Err(QueryError::Cancelled);
        }
        // Asked of git only when a cached answer's dependencies are checked.
        let head = std::cell::OnceCell::new();
        let current_hash = |path: &str| {
            if path == HEAD_DEPENDENCY {
                *head.get_or_init(|| self.head_hash())
            } else {
                index.file(path).map(|f| f.hash)
            }
        };
        if plan.cacheable {
            if let Some(hit) = self.cache.get_exact(&plan.key, &plan.scope, &current_hash) {
                return Ok(self.served_from_cache(
                    hit,
                    CacheTier::Exact,
                    question,
                    &index,
                    started,
                ));
            }
        }
        let terms = self.terms(&plan, &index);
        let t = Instant::now();
        let epoch = self.embedder_epoch.load(Ordering::Acquire);
        let qvec = self
            .cache
            .embedding(&format!("{epoch}\u{0}{}", plan.key), || {
                index.embedder().embed_question(question)
            });
        timings.embed = ms(t);
        if plan.cacheable {
            // Degraded, the semantic tier is off: only the exact tier serves.
            if let Some(hit) = self.cache.get_semantic(
                &plan.key,
                &qvec,
                terms.signature,
                terms.known.len() >= 2 && !degraded,
                &plan.scope,
                &current_hash,
            ) {
                return Ok(self.served_from_cache(
                    hit,
                    CacheTier::Semantic,
                    question,
                    &index,
                    started,
                ));
            }
            self.cache.record_miss();
        }
        if cancelled() {
            return Err(QueryError::Cancelled);
        }

        let pending_blame = if degraded {
            None
        } else {
            self.start_blame(query)
        };
        let t = Instant::now();
        let found = self.retrieve(query, &plan, &terms, &qvec, &index, degraded);
        timings.lexical = found.lexical_ms;
        timings.vector = found.vector_ms;
        timings.search = ms(t);
        if cancelled() {
            return Err(QueryError::Cancelled);
        }

        let t = Instant::now();
        let (places, evidence) =
            self.fuse_and_rank(query, &plan, &terms, &found, &index, cancel)?;
        let confidence = crate::confidence::confidence(&evidence);
        timings.rank = ms(t);

        let t = Instant::now();
        let gathered = present::gather(&index, &places);
        let mut warnings = Vec::new();
        warnings.extend(self.rollback.warning());
        if !self.is_ready() {
            warnings.push(format!(
                "index incomplete: {} files indexed so far",
                index.file_count()
            ));
        }
        if !index.mem.unembedded.is_empty() {
            warnings.push(format!(
                "vector search pending: {} chunks not embedded yet",
                index.mem.unembedded.len()
            ));
        }
        let info = IndexInfo {
            state: self.state(),
            files: index.file_count(),
            chunks: index.live_chunks(),
            generation: index.generation(),
        };
        let (results, citations) = self.present(gathered, cancel)?;
        timings.format = ms(t);
        if cancelled() {
            return Err(QueryError::Cancelled);
        }
        let t = Instant::now();
        let (history, blame) = self.git_context(query, pending_blame, &mut warnings);
        timings.history = ms(t);
        timings.total = ms(started);
        let answer = Answer {
            question: question.to_string(),
            results,
            citations,
            confidence,
            evidence,
            timings,
            index: info,
            warnings,
            cache: CacheTier::Miss,
            history,
            blame,
        };
        if plan.cacheable {
            self.remember(query, plan, qvec, terms.signature, &answer, &index);
        }
        Ok(answer)
    }

    /// Keep `answer` in the answer cache, valid while the files it cites and the file it
    /// was asked about keep their content, and HEAD stays (history, blame, permalinks).
    /// The content is as of `index`, the snapshot the answer came from: a file changed
    /// since then makes the entry stale at once.
    fn remember(
        &self,
        query: &Query,
        plan: Plan,
        qvec: Vec<f32>,
        signature: u64,
        answer: &Answer,
        index: &Store,
    ) {
        // An empty answer depends on every file (any edit may make it match), so it is not kept.
        // Nor is anything kept with the cache off: its dependencies would be looked up
        // (the index, git's HEAD) for nothing.
        if answer.results.is_empty() || !self.cache.config().enabled {
            return;
        }
        let mut deps: Vec<String> = answer
            .results
            .iter()
            .flat_map(|h| std::iter::once(&h.path).chain(h.copies.iter().map(|c| &c.path)))
            .cloned()
            .collect();
        deps.extend(query.file.clone());
        deps.sort();
        deps.dedup();
        let mut deps: Vec<(String, Option<u64>)> = deps
            .into_iter()
            .map(|p| {
                let h = index.file(&p).map(|f| f.hash);
                (p, h)
            })
            .collect();
        deps.push((HEAD_DEPENDENCY.to_string(), self.head_hash()));
        self.cache
            .put(&plan.key, plan.scope, qvec, signature, answer, deps);
    }

    pub(crate) fn served_from_cache(
        &self,
        mut hit: Answer,
        tier: CacheTier,
        question: &str,
        index: &Store,
        started: Instant,
    ) -> Answer {
        hit.cache = tier;
        // Front ends quote the question: this one, not the one first asked.
        hit.question = question.to_string();
        hit.timings = Timings {
            total: ms(started),
            ..Timings::default()
        };
        hit.index = IndexInfo {
            state: self.state(),
            files: index.file_count(),
            chunks: index.live_chunks(),
            generation: index.generation(),
        };
        hit
    }
}

/// Key under which an answer's cache entry records the HEAD commit.
pub(crate) const HEAD_DEPENDENCY: &str = "\u{0}HEAD";

/// How many candidates each retriever contributes before fusion.
pub(crate) const CANDIDATES: usize = 100;
