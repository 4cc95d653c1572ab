//! The answer cache: repeated and near-identical questions are answered at once, and never
//! with stale content.
//!
//! Three tiers. *Exact*: the question's retrieval key (its tokens, which ignore case, spacing,
//! punctuation and stop words; see `Engine`), file, line and limit. *Semantic*: a question whose embedding is at least `threshold`
//! similar to a cached one, asked about the same file (or, without a file, with no file),
//! and whose *lexical signature* is the same, gets that answer. The signature (see
//! `Engine`) covers every question word the ranking can see: the words the index knows,
//! their related words, and the few unknown words that still steer ranking. Two questions
//! with one signature get the same lexical results, so a rewrite that only adds a stop word
//! or swaps words is served, while one that changes what the lexical search looks for is
//! not. *Components*: question embeddings, reused across questions.
//!
//! Validity is checked on every hit, not by eviction hooks: an entry records the content
//! hash of every file it cites and of the file it was asked about, and is served only while
//! all of them still hash the same in the index. An edit anywhere else leaves it valid.
//! Entries also expire after a time-to-live, and the whole cache holds a byte budget.

use crate::answer::Answer;
use lru::LruCache;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

mod keys;
pub(crate) use keys::{lexical_signature, retrieval_key};

/// Which tier served an answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CacheTier {
    #[default]
    Miss,
    Exact,
    Semantic,
}

impl CacheTier {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheTier::Miss => "miss",
            CacheTier::Exact => "exact",
            CacheTier::Semantic => "semantic",
        }
    }
}

#[derive(Clone, Debug)]
pub struct CacheConfig {
    pub enabled: bool,
    pub semantic: bool,
    /// Cosine similarity at or above which a question counts as the same question.
    pub threshold: f32,
    pub max_bytes: usize,
    pub ttl: Duration,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            enabled: true,
            semantic: true,
            threshold: 0.95,
            max_bytes: 16 * 1024 * 1024,
            ttl: Duration::from_secs(600),
        }
    }
}

/// What makes two questions "the same question" besides their words.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    pub file: Option<String>,
    pub line: Option<u32>,
    pub limit: usize,
}

/// A file an answer depends on, with its content hash at answer time (`None`: not indexed).
pub type Dependency = (String, Option<u64>);

struct Entry {
    answer: Answer,
    scope: Scope,
    embedding: Vec<f32>,
    /// The question's lexical signature; semantic hits need the same one.
    signature: u64,
    dependencies: Vec<Dependency>,
    created: Instant,
    bytes: usize,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CacheStats {
    pub entries: usize,
    pub bytes: usize,
    pub hits: u64,
    pub misses: u64,
    pub exact_hits: u64,
    pub semantic_hits: u64,
    /// Entries found but no longer valid (a dependency changed or the entry expired).
    pub invalidated: u64,
}

impl CacheStats {
    pub fn hit_rate(&self) -> f64 {
        let total = self.hits + self.misses;
        if total == 0 {
            0.0
        } else {
            self.hits as f64 / total as f64
        }
    }
}

struct Inner {
    entries: LruCache<(String, Scope), Entry>,
    bytes: usize,
    embeddings: LruCache<String, Vec<f32>>,
}

pub struct AnswerCache {
    config: Mutex<CacheConfig>,
    inner: Mutex<Inner>,
    hits_exact: AtomicU64,
    hits_semantic: AtomicU64,
    misses: AtomicU64,
    invalidated: AtomicU64,
}

/// Question embeddings kept for reuse.
const EMBEDDING_ENTRIES: usize = 4096;

impl AnswerCache {
    pub fn new(config: CacheConfig) -> Self {
        AnswerCache {
            config: Mutex::new(config),
            inner: Mutex::new(Inner {
                entries: LruCache::unbounded(),
                bytes: 0,
                embeddings: LruCache::new(
                    std::num::NonZeroUsize::new(EMBEDDING_ENTRIES)
                        .unwrap_or(std::num::NonZeroUsize::MIN),
                ),
            }),
            hits_exact: AtomicU64::new(0),
            hits_semantic: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            invalidated: AtomicU64::new(0),
        }
    }

    pub fn config(&self) -> CacheConfig {
        self.config.lock().clone()
    }

    pub fn set_config(&self, config: CacheConfig) {
        let enabled = config.enabled;
        *self.config.lock() = config;
        if !enabled {
            self.clear();
        } else {
            self.shrink_to_budget();
        }
    }

    pub fn clear(&self) {
        let mut inner = self.inner.lock();
        inner.entries.clear();
        inner.embeddings.clear();
        inner.bytes = 0;
    }

    /// A cached embedding of `normalized` question, or a fresh one from `embed`.
    pub fn embedding(&self, normalized: &str, embed: impl FnOnce() -> Vec<f32>) -> Vec<f32> {
        if let Some(v) = self.inner.lock().embeddings.get(normalized) {
            return v.clone();
        }
        let v = embed();
        self.inner
            .lock()
            .embeddings
            .put(normalized.to_string(), v.clone());
        v
    }

    /// The exact tier: the same normalised question in the same scope, still valid.
    pub fn get_exact(
        &self,
        normalized: &str,
        scope: &Scope,
        current_hash: &dyn Fn(&str) -> Option<u64>,
    ) -> Option<Answer> {
        if !self.config.lock().enabled {
            return None;
        }
        let mut inner = self.inner.lock();
        let key = (normalized.to_string(), scope.clone());
        self.serve_if_valid(&mut inner, &key, current_hash, &self.hits_exact)
    }

    /// The entry under `key` if it is still valid (counting the hit in `hits`); an invalid
    /// one is dropped and counted.
    fn serve_if_valid(
        &self,
        inner: &mut Inner,
        key: &(String, Scope),
        current_hash: &dyn Fn(&str) -> Option<u64>,
        hits: &AtomicU64,
    ) -> Option<Answer> {
        let valid = inner
            .entries
            .peek(key)
            .map(|e| self.still_valid(e, current_hash))?;
        if !valid {
            if let Some(e) = inner.entries.pop(key) {
                inner.bytes -= e.bytes;
            }
            self.invalidated.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let answer = inner.entries.get(key).map(|e| e.answer.clone());
        if answer.is_some() {
            hits.fetch_add(1, Ordering::Relaxed);
        }
        answer
    }

    /// The semantic tier: the most similar cached question in the same scope with the same
    /// lexical signature, if similar enough and still valid. `meaningful` is false for empty
    /// or near-empty questions, which never match semantically.
    pub fn get_semantic(
        &self,
        key: &str,
        embedding: &[f32],
        signature: u64,
        meaningful: bool,
        scope: &Scope,
        current_hash: &dyn Fn(&str) -> Option<u64>,
    ) -> Option<Answer> {
        let config = self.config.lock().clone();
        if !config.enabled || !config.semantic || !meaningful || embedding.iter().all(|&x| x == 0.0)
        {
            return None;
        }
        let mut inner = self.inner.lock();
        let mut best: Option<((String, Scope), f32)> = None;
        for (key, e) in inner.entries.iter() {
            if e.signature != signature || e.scope != *scope || e.embedding.len() != embedding.len()
            {
                continue;
            }
            let sim: f32 = e.embedding.iter().zip(embedding).map(|(a, b)| a * b).sum();
            if sim >= config.threshold && best.as_ref().is_none_or(|(_, s)| sim > *s) {
                best = Some((key.clone(), sim));
            }
        }
        let (found, _) = best?;
        let answer = self.serve_if_valid(&mut inner, &found, current_hash, &self.hits_semantic)?;
        // File it under this question's key too, so asking it again is an exact hit.
        let alias = inner.entries.peek(&found).map(|e| Entry {
            answer: e.answer.clone(),
            scope: e.scope.clone(),
            embedding: e.embedding.clone(),
            signature: e.signature,
            dependencies: e.dependencies.clone(),
            created: e.created,
            bytes: e.bytes,
        });
        if let Some(alias) = alias {
            let bytes = alias.bytes;
            if let Some(old) = inner.entries.put((key.to_string(), scope.clone()), alias) {
                inner.bytes -= old.bytes;
            }
            inner.bytes += bytes;
            while inner.bytes > config.max_bytes {
                match inner.entries.pop_lru() {
                    Some((_, e)) => inner.bytes -= e.bytes,
                    None => break,
                }
            }
        }
        Some(answer)
    }

    pub fn record_miss(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }

    fn still_valid(&self, e: &Entry, current_hash: &dyn Fn(&str) -> Option<u64>) -> bool {
        e.created.elapsed() < self.config.lock().ttl
            && e.dependencies
                .iter()
                .all(|(path, hash)| current_hash(path) == *hash)
    }

    /// Remember `answer`, valid while every dependency keeps its hash.
    pub fn put(
        &self,
        normalized: &str,
        scope: Scope,
        embedding: Vec<f32>,
        signature: u64,
        answer: &Answer,
        dependencies: Vec<Dependency>,
    ) {
        let max_bytes = {
            let config = self.config.lock();
            if !config.enabled {
                return;
            }
            config.max_bytes
        };
        let bytes = answer_bytes(answer)
            + embedding.len() * 4
            + normalized.len() * 2
            + dependencies
                .iter()
                .map(|(p, _)| p.len() + 40)
                .sum::<usize>()
            + 256;
        if bytes > max_bytes {
            return;
        }
        let entry = Entry {
            answer: answer.clone(),
            scope: scope.clone(),
            embedding,
            signature,
            dependencies,
            created: Instant::now(),
            bytes,
        };
        let mut inner = self.inner.lock();
        if let Some(old) = inner.entries.put((normalized.to_string(), scope), entry) {
            inner.bytes -= old.bytes;
        }
        inner.bytes += bytes;
        while inner.bytes > max_bytes {
            match inner.entries.pop_lru() {
                Some((_, e)) => inner.bytes -= e.bytes,
                None => break,
            }
        }
    }

    fn shrink_to_budget(&self) {
        let max_bytes = self.config.lock().max_bytes;
        let mut inner = self.inner.lock();
        while inner.bytes > max_bytes {
            match inner.entries.pop_lru() {
                Some((_, e)) => inner.bytes -= e.bytes,
                None => break,
            }
        }
    }

    pub fn stats(&self) -> CacheStats {
        let inner = self.inner.lock();
        let exact_hits = self.hits_exact.load(Ordering::Relaxed);
        let semantic_hits = self.hits_semantic.load(Ordering::Relaxed);
        CacheStats {
            entries: inner.entries.len(),
            bytes: inner.bytes,
            hits: exact_hits + semantic_hits,
            misses: self.misses.load(Ordering::Relaxed),
            exact_hits,
            semantic_hits,
            invalidated: self.invalidated.load(Ordering::Relaxed),
        }
    }
}

/// Approximate heap bytes of an answer.
fn answer_bytes(a: &Answer) -> usize {
    a.question.len()
        + a.results
            .iter()
            .map(|h| {
                h.path.len()
                    + h.snippet.len()
                    + h.symbol.as_ref().map_or(0, |s| s.len())
                    + h.copies.iter().map(|c| c.path.len() + 32).sum::<usize>()
                    + 96
            })
            .sum::<usize>()
        + a.citations
            .iter()
            .map(|c| c.path.len() + c.permalink.as_ref().map_or(0, String::len) + 64)
            .sum::<usize>()
        + a.warnings.iter().map(|w| w.len() + 24).sum::<usize>()
        + 256
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::{IndexInfo, IndexState, Timings};

    fn answer(q: &str, cited: &str) -> Answer {
        Answer {
            question: q.into(),
            results: vec![crate::answer::Hit {
                path: cited.into(),
                start_line: 0,
                end_line: 3,
                score: 1.0,
                symbol: None,
                kind: crate::chunk::ChunkKind::Function,
                language: crate::chunk::Language::Rust,
                snippet: "x".repeat(100),
                citation: 1,
                file_kind: crate::file_kind::FileKind::FirstParty,
                copies: Vec::new(),
            }],
            citations: vec![],
            confidence: 0.5,
            evidence: Default::default(),
            timings: Timings::default(),
            index: IndexInfo {
                state: IndexState::Ready,
                files: 1,
                chunks: 1,
                generation: 1,
            },
            warnings: vec![],
            cache: CacheTier::Miss,
            history: None,
            blame: None,
        }
    }

    fn scope() -> Scope {
        Scope {
            file: None,
            line: None,
            limit: 10,
        }
    }

    fn unit(v: &[f32]) -> Vec<f32> {
        let mut v = v.to_vec();
        crate::embed::normalize(&mut v);
        v
    }

    #[test]
    fn exact_hits_while_dependencies_are_unchanged_and_misses_after_an_edit() {
        let cache = AnswerCache::new(CacheConfig::default());
        let deps = vec![("a.rs".to_string(), Some(1))];
        cache.put(
            "q",
            scope(),
            unit(&[1.0, 0.0]),
            7,
            &answer("q", "a.rs"),
            deps,
        );
        assert!(cache.get_exact("q", &scope(), &|_| Some(1)).is_some());
        assert!(
            cache
                .get_exact(
                    "q",
                    &Scope {
                        limit: 5,
                        ..scope()
                    },
                    &|_| Some(1)
                )
                .is_none(),
            "other limit"
        );
        assert!(
            cache.get_exact("q", &scope(), &|_| Some(2)).is_none(),
            "edited cited file"
        );
        assert!(
            cache.get_exact("q", &scope(), &|_| Some(1)).is_none(),
            "an invalid entry is dropped"
        );
        assert_eq!(cache.stats().invalidated, 1);
    }

    #[test]
    fn semantic_hits_need_similarity_scope_and_a_meaningful_question() {
        let cache = AnswerCache::new(CacheConfig::default());
        cache.put(
            "q",
            scope(),
            unit(&[1.0, 0.0, 0.0]),
            7,
            &answer("q", "a.rs"),
            vec![("a.rs".into(), Some(1))],
        );
        let near = unit(&[1.0, 0.05, 0.0]);
        let far = unit(&[1.0, 1.0, 0.0]);
        let same = |_: &str| Some(1);
        assert!(cache
            .get_semantic("k", &near, 7, true, &scope(), &same)
            .is_some());
        assert!(cache
            .get_semantic("k", &far, 7, true, &scope(), &same)
            .is_none());
        assert!(
            cache
                .get_semantic("k", &near, 8, true, &scope(), &same)
                .is_none(),
            "other lexical signature"
        );
        assert!(
            cache
                .get_semantic("k", &near, 7, false, &scope(), &same)
                .is_none(),
            "near-empty question"
        );
        let other_file = Scope {
            file: Some("b.rs".into()),
            ..scope()
        };
        assert!(cache
            .get_semantic("k", &near, 7, true, &other_file, &same)
            .is_none());
        assert!(
            cache
                .get_semantic("k", &near, 7, true, &scope(), &|_| Some(9))
                .is_none(),
            "stale"
        );
        let stats = cache.stats();
        assert_eq!((stats.semantic_hits, stats.exact_hits), (1, 0));
    }

    #[test]
    fn the_byte_budget_evicts_least_recently_used_entries() {
        let config = CacheConfig {
            max_bytes: 4000,
            ..Default::default()
        };
        let cache = AnswerCache::new(config);
        for i in 0..20 {
            cache.put(
                &format!("q{i}"),
                scope(),
                vec![0.0; 64],
                7,
                &answer("q", "a.rs"),
                vec![],
            );
            assert!(cache.stats().bytes <= 4000);
        }
        let stats = cache.stats();
        assert!(stats.entries > 0 && stats.entries < 20, "{stats:?}");
        assert!(
            cache.get_exact("q19", &scope(), &|_| None).is_some(),
            "newest kept"
        );
        assert!(
            cache.get_exact("q0", &scope(), &|_| None).is_none(),
            "oldest evicted"
        );
    }

    #[test]
    fn entries_expire_after_the_time_to_live() {
        let cache = AnswerCache::new(CacheConfig {
            ttl: Duration::from_millis(0),
            ..Default::default()
        });
        cache.put("q", scope(), vec![1.0], 7, &answer("q", "a.rs"), vec![]);
        assert!(cache.get_exact("q", &scope(), &|_| None).is_none());
    }

    #[test]
    fn a_disabled_cache_serves_nothing() {
        let cache = AnswerCache::new(CacheConfig::default());
        cache.put("q", scope(), vec![1.0], 7, &answer("q", "a.rs"), vec![]);
        cache.set_config(CacheConfig {
            enabled: false,
            ..Default::default()
        });
        assert!(cache.get_exact("q", &scope(), &|_| None).is_none());
        assert_eq!(cache.stats().entries, 0);
    }
}
