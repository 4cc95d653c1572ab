// The request built from the editor, and what the places, the status and the status bar look like.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  contextParams,
  copiesCount,
  fileKindTag,
  escapeMarkdown,
  formatBytes,
  formatCount,
  placeItems,
  placeLabel,
  rangeLines,
  selectionRange,
  statusBarText,
  statusMarkdown,
} from '../../src/format';
import type { StatusResult } from '../../src/lsp_ext';
import { answer, range } from './sample_answer';

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

test('quick pick items show symbol, place, kind, score, citation, file kind, copies and the first snippet line', () => {
  const items = placeItems(answer);
  assert.equal(items.length, 2);
  assert.equal(items[0].label, '$(symbol-method) evict_oldest');
  assert.equal(items[0].description, 'src/cache.rs:31-58 · function · 0.82 [1] · 1 copy');
  assert.equal(items[0].detail, 'fn evict_oldest(&mut self) {');
  assert.equal(items[0].result, answer.results[0]);
  assert.equal(items[1].label, '$(markdown) docs/cache.md:1-12');
  assert.equal(items[1].description, 'section · 0.50 [2] · documentation');
  const vendored = { ...answer.results[0], fileKind: 'vendored', copies: undefined };
  assert.equal(placeItems({ ...answer, results: [vendored] })[0].description, 'src/cache.rs:31-58 · function · 0.82 [1] · vendored');
});

test('the file kind tag names every kind but the project\'s own code', () => {
  assert.equal(fileKindTag('vendored'), 'vendored');
  assert.equal(fileKindTag('generated'), 'generated');
  assert.equal(fileKindTag('test'), 'test');
  assert.equal(fileKindTag('first-party'), '');
  assert.equal(fileKindTag(undefined), '', 'an older server that does not say');
  const copy = answer.results[0].copies![0];
  assert.equal(copiesCount({ ...answer.results[0], copies: [copy, copy, copy] }), '3 copies');
  assert.equal(copiesCount({ ...answer.results[0], copies: [] }), '');
});

test('markdown special characters are escaped', () => {
  assert.equal(escapeMarkdown('what does `a_b*` [x] do?'), 'what does \\`a\\_b\\*\\` \\[x\\] do?');
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
  assert.match(statusBarText({ kind: 'failed', reason: 'set it.' }).tooltip, /set it\. Click/, 'one full stop');
  assert.equal(statusBarText({ kind: 'starting' }).text, '$(loading~spin) AIL');
});

test('counts and sizes format the same everywhere', () => {
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(formatCount(12), '12');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(undefined), '?');
});
