// The answer view's markdown: notices, linked citations and places, history, footer.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerMarkdown, answerNotices, linkCitations, placeHref, placeTarget } from '../../src/answer_format';
import { answer } from './sample_answer';

test('the answer markdown links places, summary citations and permalinks', () => {
  const md = answerMarkdown(answer);
  assert.match(md, /^# how are stale cache entries evicted\?\n/);
  assert.ok(md.includes('Eviction happens in `evict_oldest` [\\[1\\]](#place-0); the docs explain the policy [\\[2\\]](#place-1).'), md);
  assert.ok(
    md.includes(
      '1. [src/cache.rs:31-58](#place-0) `evict_oldest` function, score 0.82 ([permalink](https://github.com/o/r/blob/abc/src/cache.rs#L31-L58)) · also in [vendor/lru/cache.rs:11-38](#place-0-copy-0)\n',
    ),
    md,
  );
  assert.ok(md.includes('2. [docs/cache.md:1-12](#place-1) section, score 0.50 · _documentation_\n'), 'no permalink for file: urls');
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

test('the answer says when the index is still being built, and when it came from the cache', () => {
  const building = answerNotices(answer);
  assert.equal(building.length, 1);
  assert.match(building[0], /still being built\*\* \(412 files so far\)/);
  const ready = { ...answer, index: { ...answer.index, state: 'ready' } };
  assert.deepEqual(answerNotices(ready), []);
  assert.match(answerNotices({ ...ready, cache: 'exact' })[0], /Answered from the cache:\*\* this question was answered before/);
  assert.match(answerNotices({ ...ready, cache: 'semantic' })[0], /near-identical question/);
  const md = answerMarkdown({ ...answer, cache: 'exact' });
  assert.ok(md.indexOf('> **The index is still being built**') < md.indexOf('> **Answered from the cache:**'));
  assert.ok(md.indexOf('> **Answered from the cache:**') < md.indexOf('Eviction happens'), 'notices come before the summary');
});

test('citation markers become links, except in code, in links and for unknown citations', () => {
  assert.equal(linkCitations('see [1] and `a[2]` and [9]', answer), 'see [\\[1\\]](#place-0) and `a[2]` and [9]');
  assert.equal(linkCitations('[1](x) [2]: y', answer), '[1](x) [2]: y');
});

test('a place in vendored or generated code says so; the project\'s own code has no tag', () => {
  const vendored = { ...answer.results[0], fileKind: 'vendored', copies: [] };
  const generated = { ...answer.results[1], fileKind: 'generated' };
  const md = answerMarkdown({ ...answer, results: [vendored, generated] });
  assert.match(md, /^1\. \[src\/cache\.rs:31-58\]\(#place-0\) `evict_oldest` function, score 0\.82 · _vendored_ \(\[permalink\]/m);
  assert.match(md, /^2\. \[docs\/cache\.md:1-12\]\(#place-1\) section, score 0\.50 · _generated_$/m);
  assert.doesNotMatch(md, /also in/, 'no copies, no note');
  const own = answerMarkdown({ ...answer, results: [{ ...vendored, fileKind: 'first-party' }] });
  assert.doesNotMatch(own, /_first-party_|· _/);
});

test('place and copy links round-trip and nothing else is a place', () => {
  assert.deepEqual(placeTarget(placeHref(7)), { index: 7 });
  assert.deepEqual(placeTarget(placeHref(7, 2)), { index: 7, copy: 2 });
  assert.equal(placeTarget('#place-x'), undefined);
  assert.equal(placeTarget('#place-1-copy-'), undefined);
  assert.equal(placeTarget('https://example.com/#place-1'), undefined);
});
