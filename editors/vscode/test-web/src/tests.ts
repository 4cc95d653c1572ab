// What a person does with the extension, checked on what the workbench shows: the status bar
// while indexing and when ready, "AIL: Ask About This File" and its places, places in vendored
// or generated code and copies of a place, the hover, and a broken `ail.server.path`. Each
// scenario opens its own workspace in a fresh window.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Screenshots, Test } from './harness.ts';
import type { Workbench } from './workbench.ts';
import { ailServersIn, vendoredCache } from './workspace.ts';

export interface Scenario {
  page: Workbench['page'];
  wb: Workbench;
  folder: string;
  ail: string;
  shots: Screenshots;
}

const readyText = /^AIL [\d,]+ files · [\d,]+ chunks$/;
const question = 'how does the cache decide which entry to evict';

/** Files in a workspace, as the index counts them: hidden files and folders (.git, .vscode, .gitattributes) are left out. */
function countFiles(dir: string): number {
  let n = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) {
      continue;
    }
    n += entry.isDirectory() ? countFiles(path.join(dir, entry.name)) : 1;
  }
  return n;
}

function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The status bar's area, for pictures of it. */
async function statusBarClip(s: Scenario): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await s.page.locator('.part.statusbar').boundingBox();
  assert.ok(box, 'the status bar is visible');
  return { x: 0, y: box.y - 60, width: Math.min(box.width, 760), height: box.height + 60 };
}

/** A workspace large enough that indexing takes a few seconds: progress has time to show. */
export const indexing: Test<Scenario>[] = [
  ['the status bar shows indexing progress, then the size of the index', async (s) => {
    const progress = await s.wb.waitForAilStatus(/^AIL \d+%$/, 90_000);
    if (s.shots.enabled) {
      // The picture is better a little way in, when there is a percentage to show.
      await s.wb.waitForAilStatus(/^AIL [1-9]\d*%$/, 30_000).catch(() => undefined);
      await s.shots.take(s.page, 'vscode-status-indexing', await statusBarClip(s));
    }
    // A question asked meanwhile is answered from what is indexed so far, and says so.
    await s.wb.openFile('part-001/core/src/cache.rs');
    await s.wb.runCommand('AIL: Ask About This File');
    await s.wb.answerInputBox(question);
    const answer = await s.wb.webviewFrameWith(question, 'h1');
    const text = await answer.locator('body').innerText();
    const building = /index indexing, \d+ files/.test(text);
    assert.equal(/The index is still being built/.test(text), building, `the notice shows exactly when the answer came from a partial index:\n${text}`);
    console.log(`    the answer came from ${building ? 'a partial' : 'the whole'} index`);
    await s.wb.focusWorkbench();
    const ready = await s.wb.waitForAilStatus(readyText, 180_000);
    assert.equal(ready, `AIL ${formatCount(countFiles(s.folder))} files · ${ready.split('· ')[1]}`);
    const history = await s.wb.ailStatusHistory();
    const first = history.indexOf(progress);
    assert.ok(first >= 0 && first < history.indexOf(ready), `progress came before ready: ${JSON.stringify(history)}`);
    const percentages = history.map((t) => /^AIL (\d+)%$/.exec(t)?.[1]).filter((p): p is string => p !== undefined).map(Number);
    assert.deepEqual(percentages, [...percentages].sort((a, b) => a - b), `percentages only grow: ${JSON.stringify(history)}`);
  }],
];

export const working: Test<Scenario>[] = [
  ['the extension activates and starts `ail lsp` in the workspace', async (s) => {
    await s.wb.ailStatus().waitFor({ timeout: 60_000 });
    await s.wb.waitForAilStatus(/AIL/);
    const deadline = Date.now() + 30_000;
    while (ailServersIn(s.ail, s.folder).length === 0) {
      assert.ok(Date.now() < deadline, `no "${s.ail} lsp" process runs in ${s.folder}`);
      await s.page.waitForTimeout(100);
    }
    assert.equal(ailServersIn(s.ail, s.folder).length, 1, 'one server for the window');
  }],
  ['the status bar says the index is ready, with its files and chunks', async (s) => {
    const text = await s.wb.waitForAilStatus(readyText, 90_000);
    assert.match(text, new RegExp(`^AIL ${formatCount(countFiles(s.folder))} files · [1-9][\\d,]* chunks$`));
    // Clicking it shows the index status.
    await s.wb.ailStatus().click();
    const status = await s.wb.webviewFrameWith('AIL index status');
    const body = await status.evaluate(() => document.body.innerText);
    assert.match(body, /State: ready/);
    assert.match(body, new RegExp(`Files: ${formatCount(countFiles(s.folder))}, chunks`));
  }],
  ['"AIL: Ask About This File" asks the question and lists the cited places, best first', async (s) => {
    await s.wb.openFile('core/src/cache.rs');
    await s.wb.goToLine(71);
    await s.wb.runCommand('AIL: Ask About This File');
    await s.wb.answerInputBox(question);
    const rows = await s.wb.quickPickRows();
    assert.match(rows[0], /core\/src\/cache\.rs:\d+/, `the top place is in the cache: ${rows[0]}`);
    assert.ok(
      rows.slice(0, 3).some((r) => r.includes('remove_oldest') && r.includes('core/src/cache.rs:70-75')),
      `remove_oldest is among the first three places: ${JSON.stringify(rows.slice(0, 3))}`,
    );
    const answer = await s.wb.webviewFrameWith(question);
    const text = await answer.evaluate(() => document.body.innerText);
    assert.match(text, /Places/);
    assert.match(text, /remove_oldest/);
  }],
  ['choosing a place opens the file with the cited lines selected', async (s) => {
    await s.wb.chooseQuickPickRow('LruCache::invalidate');
    await s.wb.waitForSelection('cache.rs', 81);
  }],
  ['clicking a citation in the answer opens the file at the cited lines', async (s) => {
    await s.wb.focusWorkbench();
    const answer = await s.wb.webviewFrameWith(question);
    // The summary's [1] links to a place; the list of places says which lines it is.
    const citation = answer.locator('p a', { hasText: '[1]' }).first();
    const href = await citation.getAttribute('href');
    assert.match(href ?? '', /^#place-\d+$/, 'the summary\'s [1] is a link to a place');
    const label = (await answer.locator(`li a[href="${href}"]`).first().innerText()).trim();
    const m = /^(.+):(\d+)(?:-(\d+))?$/.exec(label);
    assert.ok(m, `a place label: ${label}`);
    const last = m[3] ?? m[2];
    await citation.click();
    await s.wb.waitForSelection(m[1].split('/').pop()!, Number(last));
    await s.shots.take(s.page, 'vscode-answer');
  }],
  ['a place whose text is copied into vendored code names the copy, and its link opens the copy', async (s) => {
    await s.wb.focusWorkbench();
    const answer = await s.wb.webviewFrameWith(question);
    const place = answer.locator('li', { hasText: 'remove_oldest' }).first();
    const text = (await place.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /^core\/src\/cache\.rs:70-75 .* · also in vendor\/lru\/src\/cache\.rs:70-75$/, 'the first-party place, untagged, with its copy');
    const copy = place.locator('a', { hasText: vendoredCache.path });
    assert.match((await copy.getAttribute('href')) ?? '', /^#place-\d+-copy-0$/);
    await copy.click();
    // The copy has the same lines as the place [1] opened before: wait for its file first.
    await s.page.waitForFunction(
      () => Array.from(document.querySelectorAll<HTMLElement>('.editor-group-container .breadcrumbs-control')).some((c) => /vendor\W+lru\W+src\W+cache\.rs/.test(c.innerText)),
      undefined,
      { timeout: 15_000 },
    );
    await s.wb.waitForSelection('cache.rs', 75);
  }],
  ['places in vendored or generated code are tagged in the hover, the answer view and the quick pick', async (s) => {
    await s.wb.openFile('core/src/checksum.rs');
    await s.wb.goToLine(9);
    // crc32_update is defined only in libs/crc, vendored by .gitattributes; a generated table mentions it.
    const hover = await s.wb.hoverWord('crc32_update', /Related places/);
    const hoverText = (await hover.innerText()).replace(/\s+/g, ' ');
    assert.match(hoverText, /libs\/crc\/crc32\.rs:\d+-\d+ · vendored/, hoverText);
    assert.doesNotMatch(hoverText, /first-party/);
    await s.shots.take(s.page, 'vscode-hover-vendored');
    await s.page.mouse.move(0, 0);
    await s.wb.clickWord('crc32_update');
    await s.wb.runCommand('AIL: Ask About This Symbol');
    const answer = await s.wb.webviewFrameWith(/^crc32_update/, 'h1');
    const places = (await answer.locator('li').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    const vendored = places.find((p) => p.startsWith('libs/crc/crc32.rs:'));
    assert.ok(vendored, `the vendored definition is a place: ${JSON.stringify(places)}`);
    assert.match(vendored, / · vendored$/);
    const generated = places.find((p) => p.startsWith('core/src/crc_table.rs:'));
    assert.ok(generated, `the generated table is a place: ${JSON.stringify(places)}`);
    assert.match(generated, / · generated$/);
    for (const own of places.filter((p) => p.startsWith('core/src/checksum.rs:'))) {
      assert.doesNotMatch(own, / · (vendored|generated|first-party)/, 'the project\'s own code has no tag');
    }
    const rows = await s.wb.quickPickRows();
    const row = rows.find((r) => r.includes('libs/crc/crc32.rs:'));
    assert.ok(row, JSON.stringify(rows));
    assert.match(row, /· vendored/);
    await s.wb.focusWorkbench();
  }],
  ['"Ask AIL about this symbol" from the code actions asks about the identifier', async (s) => {
    await s.wb.openFile('core/src/cache.rs');
    await s.wb.goToLine(71);
    await s.wb.clickWord('remove_oldest');
    await s.page.keyboard.press('Control+Period');
    const action = s.page.locator('.action-widget .monaco-list-row', { hasText: 'Ask AIL about `remove_oldest`' }).first();
    await action.waitFor({ timeout: 15_000 });
    // The only action on offer is focused: Enter applies it.
    assert.match((await action.getAttribute('class')) ?? '', /focused/);
    await s.page.keyboard.press('Enter');
    const answer = await s.wb.webviewFrameWith(/remove_oldest/, 'h1');
    assert.match(await answer.locator('body').innerText(), /Places/);
    const rows = await s.wb.quickPickRows();
    assert.ok(rows.some((r) => r.includes('remove_oldest')), JSON.stringify(rows));
    await s.wb.focusWorkbench();
  }],
  ['hover on a function shows its last change and related places', async (s) => {
    await s.wb.openFile('core/src/cache.rs');
    await s.wb.goToLine(71);
    const hover = await s.wb.hoverWord('remove_oldest', /Related places/);
    const text = (await hover.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /Last change: \w{7} Ada Lovelace · .* — Import the bookshelf catalog/);
    assert.match(text, /History: 1 commit by Ada Lovelace/);
    assert.match(text, /Related places for remove_oldest/);
    const links = await hover.locator('a').allInnerTexts();
    assert.ok(links.some((l) => /^[\w/.-]+:\d+(-\d+)?$/.test(l.trim())), `the related places are links: ${JSON.stringify(links)}`);
    await s.shots.take(s.page, 'vscode-hover');
    // The same hover again is answered from the cache, and says so.
    await s.page.mouse.move(0, 0);
    await s.page.locator('.monaco-hover:not(.hidden)').first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
    const again = await s.wb.hoverWord('remove_oldest', /Answered from the cache/);
    assert.match((await again.innerText()).replace(/\s+/g, ' '), /Answered from the cache: asked before, and the files it cites have not changed since\./);
    await s.page.mouse.move(0, 0);
  }],
  ['asking the same question again is answered from the cache, and the answer says so', async (s) => {
    await s.wb.focusWorkbench();
    await s.wb.openFile('core/src/cache.rs');
    await s.wb.goToLine(71);
    await s.wb.runCommand('AIL: Ask About This File');
    await s.wb.answerInputBox(question);
    const answer = await s.wb.webviewFrameWith(/Answered from the cache/);
    const text = await answer.locator('body').innerText();
    assert.match(text, /Answered from the cache: this question was answered before/);
    assert.match(text, /cache exact/);
    await s.wb.focusWorkbench();
  }],
];

export const brokenPath: Test<Scenario>[] = [
  ['a broken ail.server.path shows the extension\'s own error and a way to fix it', async (s) => {
    const toast = await s.wb.waitForNotification(/AIL: /);
    const text = (await toast.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /AIL: "ail\.server\.path" is \/nonexistent\/bin\/ail, which does not exist/);
    assert.match(text, /cargo install --path \./, 'the message says how to install ail');
    assert.doesNotMatch(text, /\bat \S+ \(|Error:|ENOENT/, 'no stack trace or raw error');
    assert.equal((await s.wb.notifications()).filter((t) => t.includes('AIL')).length, 1, 'one message');
    // The status bar item turns red and its tooltip says why.
    const item = s.wb.ailStatus();
    await s.page.locator(`[id="ail.ail.ail.status"].error-kind`).waitFor({ timeout: 30_000 });
    assert.match((await item.getAttribute('aria-label')) ?? '', /AIL: the server is not running: "ail\.server\.path" is \/nonexistent\/bin\/ail, which does not exist\. Install .*\. Click to show the logs\./);
    await toast.hover();
    await toast.getByRole('button', { name: 'Open Settings' }).click();
    const setting = s.page.locator('.settings-editor .setting-item-contents', { hasText: 'Server: Path' }).first();
    await setting.waitFor({ timeout: 30_000 });
    assert.match(await setting.innerText(), /ail/);
    assert.equal(ailServersIn('/nonexistent/bin/ail', s.folder).length, 0);
  }],
];
