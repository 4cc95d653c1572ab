// Keeps lsp_ext.ts in step with docs/protocol.md: the methods it documents, and the fields of
// its ail/context and ail/status examples, must all be mirrored here.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ext from '../../src/lsp_ext';

const protocolPath = path.resolve(__dirname, '../../../../docs/protocol.md');
const protocol = fs.readFileSync(protocolPath, 'utf8');

/** Every field name of each type, checked both ways by the compiler: no missing, no extra. */
const contextResultKeys = [
  'question', 'summary', 'results', 'citations', 'history', 'blame', 'confidence', 'cache', 'timingsMs', 'index', 'warnings',
] as const satisfies readonly (keyof ext.ContextResult)[];
const resultItemKeys = [
  'path', 'uri', 'range', 'score', 'symbol', 'kind', 'language', 'snippet', 'citation', 'fileKind', 'copies',
] as const satisfies readonly (keyof ext.ResultItem)[];
const citationKeys = ['id', 'path', 'range', 'label', 'url'] as const satisfies readonly (keyof ext.Citation)[];
const statusKeys = [
  'state', 'files', 'chunks', 'generation', 'indexBytes', 'rssBytes', 'cache', 'latencyMs', 'workspace', 'skipped', 'git', 'fallbacks', 'indexPath',
] as const satisfies readonly (keyof ext.StatusResult)[];
type Exhaustive<T, K extends readonly unknown[]> = Exclude<keyof T, K[number]> extends never ? true : false;
const exhaustive: [
  Exhaustive<ext.ContextResult, typeof contextResultKeys>,
  Exhaustive<ext.ResultItem, typeof resultItemKeys>,
  Exhaustive<ext.Citation, typeof citationKeys>,
  Exhaustive<ext.StatusResult, typeof statusKeys>,
] = [true, true, true, true];

/** The JSON code blocks of the protocol document, parsed. */
function jsonBlocks(): unknown[] {
  const blocks: unknown[] = [];
  for (const match of protocol.matchAll(/```json\n([\s\S]*?)```/g)) {
    blocks.push(JSON.parse(match[1]));
  }
  return blocks;
}

test('the request types use the method names the protocol documents', () => {
  assert.ok(exhaustive.every(Boolean));
  for (const type of [ext.context, ext.status, ext.reindex]) {
    assert.ok(protocol.includes(`## Request \`${type.method}\``), `${type.method} is documented`);
  }
  const documented = [...protocol.matchAll(/## Request `(ail\/[a-zA-Z]+)`/g)].map((m) => m[1]).sort();
  assert.deepEqual(documented, [ext.context.method, ext.reindex.method, ext.status.method].sort());
});

test('every field of the documented ail/context example is mirrored', () => {
  const [params, result] = jsonBlocks() as [Record<string, unknown>, Record<string, unknown>];
  assert.deepEqual(Object.keys(params).sort(), ['limit', 'position', 'question', 'textDocument']);
  for (const key of Object.keys(result)) {
    assert.ok((contextResultKeys as readonly string[]).includes(key), `ContextResult.${key}`);
  }
  const item = (result.results as Record<string, unknown>[])[0];
  for (const key of Object.keys(item)) {
    assert.ok((resultItemKeys as readonly string[]).includes(key), `ResultItem.${key}`);
  }
  const citation = (result.citations as Record<string, unknown>[])[0];
  for (const key of Object.keys(citation)) {
    assert.ok((citationKeys as readonly string[]).includes(key), `Citation.${key}`);
  }
  assert.ok(protocol.includes('`warnings`'), 'warnings is documented');
});

test('every field of the documented ail/status result is mirrored', () => {
  const section = protocol.slice(protocol.indexOf('## Request `ail/status`'), protocol.indexOf('## Request `ail/reindex`'));
  const named = new Set([...section.matchAll(/"([a-zA-Z]+)"/g)].map((m) => m[1]));
  for (const key of statusKeys) {
    assert.ok(named.has(key), `${key} is in the protocol`);
  }
  const topLevel = ['state', 'files', 'chunks', 'generation', 'indexBytes', 'rssBytes', 'cache', 'latencyMs', 'workspace', 'skipped', 'git', 'fallbacks', 'indexPath'];
  for (const key of topLevel) {
    assert.ok((statusKeys as readonly string[]).includes(key), `StatusResult.${key}`);
  }
});

test('the error codes match the protocol', () => {
  assert.ok(protocol.includes(`\`InvalidParams\` (${ext.ErrorCodes.InvalidParams})`));
  assert.ok(protocol.includes(`\`RequestCancelled\` (${ext.ErrorCodes.RequestCancelled})`));
  assert.ok(protocol.includes(`\`ServerNotInitialized\`\n(${ext.ErrorCodes.ServerNotInitialized})`) || protocol.includes(`\`ServerNotInitialized\` (${ext.ErrorCodes.ServerNotInitialized})`));
});
