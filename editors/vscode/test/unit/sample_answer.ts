// An `ail/context` answer as the protocol describes it, shared by the tests of what it looks like.

import type { ContextResult } from '../../src/lsp_ext';

export const range = (sl: number, sc: number, el: number, ec: number) => ({ start: { line: sl, character: sc }, end: { line: el, character: ec } });

export const answer: ContextResult = {
  question: 'how are stale cache entries evicted?',
  summary: 'Eviction happens in `evict_oldest` [1]; the docs explain the policy [2].',
  results: [
    {
      path: 'src/cache.rs',
      uri: 'file:///repo/src/cache.rs',
      range: range(30, 0, 58, 0),
      score: 0.82,
      symbol: 'evict_oldest',
      kind: 'function',
      snippet: '\n    fn evict_oldest(&mut self) {\n        ...',
      citation: 1,
      fileKind: 'first-party',
      copies: [{ path: 'vendor/lru/cache.rs', uri: 'file:///repo/vendor/lru/cache.rs', range: range(10, 0, 38, 0) }],
    },
    {
      path: 'docs/cache.md',
      uri: 'file:///repo/docs/cache.md',
      range: range(0, 0, 12, 0),
      score: 0.5,
      symbol: null,
      kind: 'section',
      snippet: '## Eviction',
      citation: 2,
      fileKind: 'documentation',
    },
  ],
  citations: [
    { id: 1, path: 'src/cache.rs', range: range(30, 0, 58, 0), label: 'src/cache.rs:31-58', url: 'https://github.com/o/r/blob/abc/src/cache.rs#L31-L58' },
    { id: 2, path: 'docs/cache.md', range: range(0, 0, 12, 0), label: 'docs/cache.md:1-12', url: 'file:///repo/docs/cache.md#L1-L12' },
  ],
  history: {
    path: 'src/cache.rs',
    commits: [{ sha: 'a'.repeat(40), author: 'Ada', date: '2026-01-02T03:04:05Z', summary: 'Evict by age' }],
    authors: [{ name: 'Ada', commits: 57 }],
    totalCommits: 57,
    complete: false,
  },
  blame: [{ range: range(40, 0, 44, 0), sha: 'b'.repeat(40), author: 'Grace', date: '2025-12-01T00:00:00Z', summary: 'Fix off by one' }],
  confidence: 0.74,
  cache: 'miss',
  timingsMs: { total: 3.14 },
  index: { state: 'indexing', files: 412, chunks: 900, generation: 1 },
  warnings: ['index incomplete: 412 of 1234 files'],
};
