// The answer view's page: what it lets run, and which messages from it are believed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerPage, escapeHtml, isPageMessage } from '../../src/answer_page';

test('the page runs only its own script and keeps the title escaped', () => {
  const html = answerPage({ title: 'AIL: <b>x</b>', body: '<p>hi</p>', nonce: 'abc123', cspSource: 'https://webview.example' });
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src https:\/\/webview.example 'unsafe-inline'; img-src https:\/\/webview.example https: data:; script-src 'nonce-abc123'">/);
  assert.match(html, /<title>AIL: &#60;b&#62;x&#60;\/b&#62;<\/title>/);
  assert.ok(html.includes('<p>hi</p>'));
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.ok(html.includes('<script nonce="abc123">'));
  assert.ok(html.includes("/^#place-(\\d+)(?:-copy-(\\d+))?$/"), 'the click handler matches place and copy links');
});

test('escapeHtml escapes what could open a tag or an attribute', () => {
  assert.equal(escapeHtml(`<a href="x" onclick='y'>&</a>`), '&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
});

test('only well-formed messages are believed', () => {
  assert.ok(isPageMessage({ type: 'openPlace', index: 3 }));
  assert.ok(isPageMessage({ type: 'openPlace', index: 3, copy: 0 }));
  assert.ok(!isPageMessage({ type: 'openPlace', index: 3, copy: -1 }));
  assert.ok(!isPageMessage({ type: 'openPlace', index: 3, copy: '0' }));
  assert.ok(isPageMessage({ type: 'openExternal', url: 'https://example.com/a' }));
  assert.ok(!isPageMessage({ type: 'openPlace', index: -1 }));
  assert.ok(!isPageMessage({ type: 'openPlace', index: 1.5 }));
  assert.ok(!isPageMessage({ type: 'openExternal', url: 'file:///etc/passwd' }));
  assert.ok(!isPageMessage({ type: 'openExternal', url: 'command:workbench.action.quit' }));
  assert.ok(!isPageMessage({ type: 'run', command: 'x' }));
  assert.ok(!isPageMessage(null));
  assert.ok(!isPageMessage('openPlace'));
});
