// The request built from the editor, and what the answer, the status and the status bar look like.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  answerMarkdown,
  contextParams,
  formatBytes,
  formatCount,
  placeItems,
  placeLabel,
  rangeLines,
  selectionRange,
  statusBarText,
  statusMarkdown,
} from '../../src/format';
import type { ContextResult, StatusResult } from '../../src/lsp_ext';

const range = (sl: number, sc: number, el: number, ec: number) => ({ start: { line: sl, character: sc }, end: { line: el, character: ec } });

const answer: ContextResult = {
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

test('context params carry the trimmed question, the document, the cursor and the limit', () => {
  assert.deepEqual(contextParams('  why?  ', 'file:///r/a.rs', { line: 4, character: 2 }), {
    question: 'why?',
    textDocument: { uri: 'file:///r/a.rs' },
    position: { line: 4, character: 2 },
    limit: 10,
  });
});

test('an empty question is left out so the server asks about the cursor; the limit is clamped', () => {
  assert.deepEqual(contextParams('   ', 'file:///r/a.rs', { line: 0, character: 0 }, 500), {
    textDocument: { uri: 'file:///r/a.rs' },
    position: { line: 0, character: 0 },
    limit: 100,
  });
  assert.equal(contextParams('q', undefined, undefined, 0).limit, 1);
});

test('exclusive end lines become inclusive 1-based lines', () => {
  assert.deepEqual(rangeLines(range(30, 0, 58, 0)), [31, 58]);
  assert.deepEqual(rangeLines(range(30, 4, 58, 3)), [31, 59]);
  assert.deepEqual(rangeLines(range(4, 0, 4, 0)), [5, 5]);
  assert.equal(placeLabel('a.rs', range(30, 0, 58, 0)), 'a.rs:31-58');
  assert.equal(placeLabel('a.rs', range(4, 0, 5, 0)), 'a.rs:5');
  assert.deepEqual(selectionRange(range(30, 0, 58, 0)), { start: { line: 30, character: 0 }, end: { line: 57, character: Number.MAX_SAFE_INTEGER } });
});

test('quick pick items show symbol, place, kind, score, citation and the first snippet line', () => {
  const items = placeItems(answer);
  assert.equal(items.length, 2);
  assert.equal(items[0].label, '$(symbol-method) evict_oldest');
  assert.equal(items[0].description, 'src/cache.rs:31-58 · function · 0.82 [1]');
  assert.equal(items[0].detail, 'fn evict_oldest(&mut self) {');
  assert.equal(items[0].result, answer.results[0]);
  assert.equal(items[1].label, '$(markdown) docs/cache.md:1-12');
  assert.equal(items[1].description, 'section · 0.50 [2]');
});

test('the answer markdown links places, summary citations and permalinks', () => {
  const md = answerMarkdown(answer);
  assert.match(md, /^# how are stale cache entries evicted\?\n/);
  assert.ok(md.includes(answer.summary), 'summary kept verbatim');
  assert.ok(md.includes('1. [src/cache.rs:31-58](file:///repo/src/cache.rs#L31) `evict_oldest` function, score 0.82 ([permalink](https://github.com/o/r/blob/abc/src/cache.rs#L31-L58))'));
  assert.ok(md.includes('2. [docs/cache.md:1-12](file:///repo/docs/cache.md#L1) section, score 0.50\n'), 'no permalink for file: urls');
  assert.ok(md.includes('\n[1]: file:///repo/src/cache.rs#L31\n[2]: file:///repo/docs/cache.md#L1\n'), 'reference definitions for [n]');
  assert.ok(md.includes('> ⚠ index incomplete: 412 of 1234 files'));
  assert.ok(md.includes('**Last change of this line:** `bbbbbbbb` by Grace on 2025-12-01: Fix off by one'));
  assert.ok(md.includes('**History of src/cache.rs:** 57 commits so far, latest 2026-01-02 by Ada: Evict by age'));
  assert.ok(md.includes('_Confidence 0.74 · cache miss · 3.1 ms · index indexing, 412 files, 900 chunks_'));
});

test('an answer without places, history or blame says so and stays short', () => {
  const md = answerMarkdown({ ...answer, results: [], citations: [], history: null, blame: undefined, warnings: undefined, summary: '' });
  assert.ok(md.includes('No places found.'));
  assert.ok(!md.includes('History'));
  assert.ok(!md.includes('Last change'));
});

test('markdown special characters in questions are escaped', () => {
  const md = answerMarkdown({ ...answer, question: 'what does `a_b*` [x] do?' });
  assert.match(md, /^# what does \\`a\\_b\\\*\\` \\\[x\\\] do\?/);
});

const status: StatusResult = {
  state: 'ready',
  files: 1234,
  chunks: 9876,
  generation: 7,
  indexBytes: 5 * 1024 * 1024,
  rssBytes: 80 * 1024 * 1024,
  cache: { entries: 3, hits: 4, misses: 6, exactHits: 3, semanticHits: 1, hitRate: 0.4 },
  latencyMs: { count: 10, p50: 1.5, p95: 4, p99: 9.24 },
  workspace: 'file:///repo',
  skipped: { binary: 2, tooLarge: 1, notUtf8: 0, unreadable: 0 },
  git: { state: 'ready', commits: 57 },
  fallbacks: ['exact-search'],
  indexPath: '/cache/ail/abc.idx',
};

test('status markdown lists state, size, skipped files, git, cache, latency and fallbacks', () => {
  const md = statusMarkdown(status, '/repo');
  for (const line of [
    '- **Workspace:** /repo',
    '- **State:** ready',
    '- **Files:** 1,234, **chunks:** 9,876, generation 7',
    '- **Index:** 5.0 MiB in memory, on disk at `/cache/ail/abc.idx`',
    '- **Server memory (RSS):** 80.0 MiB',
    '- **Skipped files:** 2 binary, 1 tooLarge',
    '- **Git:** ready, 57 commits',
    '- **Answer cache:** 3 entries, 4 hits (3 exact, 1 semantic), 6 misses, hit rate 40%',
    '- **Latency** over 10 requests: p50 1.5 ms, p95 4.0 ms, p99 9.2 ms',
    '- **Fallbacks in use:** exact-search (the logs say why)',
  ]) {
    assert.ok(md.includes(line), `missing: ${line}\n${md}`);
  }
});

test('status without optional fields leaves their lines out', () => {
  const md = statusMarkdown({ ...status, skipped: undefined, git: undefined, fallbacks: undefined, indexPath: undefined, latencyMs: { count: 0, p50: 0, p95: 0, p99: 0 } });
  assert.ok(!md.includes('Skipped'));
  assert.ok(statusMarkdown({ ...status, git: { state: 'ready', commits: 1 } }).includes('- **Git:** ready, 1 commit\n'));
  assert.ok(!md.includes('Git'));
  assert.ok(!md.includes('Latency'));
  assert.ok(md.includes('- **Index:** 5.0 MiB in memory\n'));
});

test('the status bar shows progress, then files and chunks, or an error', () => {
  assert.equal(statusBarText({ kind: 'indexing', percentage: 42.4, message: '512/1234 files' }).text, '$(sync~spin) AIL 42%');
  assert.match(statusBarText({ kind: 'indexing', message: '512/1234 files' }).tooltip, /indexing \(512\/1234 files\)/);
  assert.equal(statusBarText({ kind: 'ready', files: 1234, chunks: 9876 }).text, '$(database) AIL 1,234 files · 9,876 chunks');
  assert.equal(statusBarText({ kind: 'failed', reason: 'not found' }).text, '$(error) AIL');
  assert.match(statusBarText({ kind: 'failed', reason: 'not found' }).tooltip, /not found\. Click to show the logs/);
  assert.equal(statusBarText({ kind: 'starting' }).text, '$(loading~spin) AIL');
});

test('counts and sizes format the same everywhere', () => {
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(formatCount(12), '12');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(undefined), '?');
});
