// The integration tests, run inside VS Code's extension host. Each waits on the extension's
// signals (running, failed, indexed), never on a sleep. Prints "N passed, N failed" and
// rejects when any failed, which fails the VS Code run.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AilApi } from '../../../src/extension';
import type { ContextResult, StatusResult } from '../../../src/lsp_ext';

type Test = [name: string, fn: (api: AilApi) => Promise<void>];

function withTimeout<T>(what: string, promise: Promise<T>, ms = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function folder(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f.uri.fsPath;
}

async function open(relative: string, line: number): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(path.join(folder(), relative));
  const editor = await vscode.window.showTextDocument(doc);
  editor.selection = new vscode.Selection(line, 0, line, 0);
  return editor;
}

const working: Test[] = [
  ['the server starts and finishes indexing the fixture', async (api) => {
    await withTimeout('the server to run', api.whenRunning());
    const status = await withTimeout('indexing to finish', api.whenIndexed());
    assert.ok(status.files > 10, `files: ${status.files}`);
    assert.equal(api.session.statusBar.state.kind, 'ready');
  }],
  ['Ask About This File returns the cited places of the cache', async () => {
    await open('core/src/cache.rs', 70);
    const result = await vscode.commands.executeCommand<ContextResult | undefined>('ail.askAboutFile', {
      question: 'how does the cache decide which entry to evict',
      quickPick: false,
    });
    assert.ok(result, 'an answer');
    assert.equal(result.results[0]?.path, 'core/src/cache.rs');
    assert.ok(result.results.some((r) => r.path === 'core/src/cache.rs' && r.range.start.line <= 70 && r.range.end.line > 70), 'a place covers remove_oldest');
  }],
  ['hover shows the AIL markdown', async () => {
    const editor = await open('core/src/cache.rs', 70);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, new vscode.Position(70, 8));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.ok(text.trim().length > 0, 'hover text');
  }],
  ['Show Index Status answers with the index state', async () => {
    const status = await vscode.commands.executeCommand<StatusResult | undefined>('ail.showStatus');
    assert.equal(status?.state, 'ready');
  }],
  ['Restart Server brings the server back', async (api) => {
    assert.equal(await vscode.commands.executeCommand<boolean>('ail.restartServer'), true);
    await withTimeout('the server to run again', api.whenRunning());
  }],
];

async function failsOnce(api: AilApi, reason: RegExp): Promise<void> {
  await assert.rejects(withTimeout('the start to fail', api.whenRunning()), reason);
  assert.equal(api.session.statusBar.state.kind, 'failed');
  assert.equal(api.session.isRunning, false);
  assert.equal(api.session.failuresShown, 1, 'exactly one message');
}

const exits: Test[] = [
  ['a server that exits with code 1 at start gives one message and is not restarted', async (api) => {
    await failsOnce(api, /exited with code 1: error: this ail refuses to start|could not start/);
    assert.equal(api.session.spawns, 1);
  }],
];

const missing: Test[] = [
  ['a missing binary gives one message that says what to do', async (api) => {
    await failsOnce(api, /does not exist/);
    assert.equal(api.session.spawns, 0);
  }],
];

export async function run(): Promise<void> {
  const extension = vscode.extensions.all.find((e) => e.packageJSON && (e.packageJSON as { name?: string }).name === 'ail');
  assert.ok(extension, 'the AIL extension is installed');
  const api = (await extension.activate()) as AilApi;
  const scenario = process.env.AIL_TEST_SCENARIO ?? 'working';
  const tests = scenario === 'exits' ? exits : scenario === 'missing' ? missing : working;
  let passed = 0;
  let failed = 0;
  for (const [name, fn] of tests) {
    try {
      await fn(api);
      passed++;
      console.log(`ok   ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}\n    ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  if (failed > 0) {
    throw new Error(`${failed} integration test(s) failed`);
  }
}
