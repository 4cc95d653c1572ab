// The end-to-end suite: installs the packaged extension (ail.vsix) into code-server, opens
// workspaces in its workbench from headless Chromium, and checks what a person sees. Prints
// "ok"/"FAIL" per test and "N passed, N failed" last; exits non-zero on any failure.
//
//   AIL_BIN=target/debug/ail npx tsx test-web/src/run.ts      # from editors/vscode, after setup.sh and `npm run package`
//
// AIL_SCREENSHOTS_DIR=dir also saves the pictures of the documentation there.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CodeServer } from './code_server.ts';
import { Results, Screenshots, type Test } from './harness.ts';
import { brokenPath, indexing, working, type Scenario } from './tests.ts';
import { Workbench } from './workbench.ts';
import { fixtureWorkspace } from './workspace.ts';

const testWeb = path.resolve(import.meta.dirname, '..');
const extensionRoot = path.resolve(testWeb, '..');
const repoRoot = path.resolve(extensionRoot, '../..');
const fixture = path.join(repoRoot, 'tests', 'fixtures', 'polyglot');
/** The whole run's deadline: a hung browser or server must not hold CI. */
const runDeadlineMs = 15 * 60 * 1000;
/** Copies of the fixture in the workspace whose indexing is watched (a few seconds of work). */
const largeWorkspaceCopies = 100;
/** The code-server of this run, killed if the deadline passes. */
let running: CodeServer | undefined;

function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((c): c is string => c !== undefined && c !== '' && fs.existsSync(c));
  if (!found) {
    throw new Error('Chromium is not installed: run editors/vscode/test-web/setup.sh (or set CHROMIUM)');
  }
  return found;
}

function requireFile(file: string, hint: string): string {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} does not exist: ${hint}`);
  }
  return file;
}

/** A workspace with the fixture copied `copies` times, committed to git. */
function largeWorkspace(parent: string): string {
  const staging = fs.mkdtempSync(path.join(parent, 'large-'));
  for (let i = 1; i <= largeWorkspaceCopies; i++) {
    fs.cpSync(fixture, path.join(staging, `part-${String(i).padStart(3, '0')}`), { recursive: true });
  }
  return fixtureWorkspace(staging, parent, 'monorepo');
}

async function main(): Promise<number> {
  const ail = path.resolve(process.env.AIL_BIN ?? path.join(repoRoot, 'target/debug/ail'));
  requireFile(ail, 'build it with `cargo build` or set AIL_BIN');
  const vsix = requireFile(path.join(extensionRoot, 'ail.vsix'), 'run `npm run package` in editors/vscode');
  const shotsDir = process.env.AIL_SCREENSHOTS_DIR ? path.resolve(process.env.AIL_SCREENSHOTS_DIR) : undefined;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ail-test-web-'));
  const results = new Results(scratch);
  const shots = new Screenshots(shotsDir);
  const server = CodeServer.prepare(testWeb, scratch, {
    'ail.server.path': ail,
    'ail.cacheDir': path.join(scratch, 'ail-cache'),
    'workbench.colorTheme': 'Default Dark Modern',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.commandCenter.enabled': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'git.openRepositoryInParentFolders': 'never',
    'editor.minimap.enabled': false,
  });
  running = server;
  console.log(`ail: ${ail}\nscratch: ${scratch}`);
  let browser: Browser | undefined;
  try {
    console.log(server.installExtension(vsix).trim().split('\n').pop());
    console.log(`code-server at ${await server.start()}`);
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      // Root in CI needs --no-sandbox; the rest keeps Chromium off the (closed) network.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const scenarios: [name: string, folder: () => string, tests: Test<Scenario>[]][] = [
      ['indexing a larger workspace', () => largeWorkspace(scratch), indexing],
      ['the polyglot fixture', () => fixtureWorkspace(fixture, scratch, 'bookshelf', { otherKinds: true }), working],
      ['a broken ail.server.path', () => fixtureWorkspace(fixture, scratch, 'broken', { settings: { 'ail.server.path': '/nonexistent/bin/ail' } }), brokenPath],
    ];
    for (const [name, makeFolder, tests] of scenarios) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      try {
        const folder = makeFolder();
        const wb = await Workbench.open(page, server.folderUrl(folder));
        await results.run(name, { page, wb, folder, ail, shots }, tests);
      } catch (e) {
        results.failAll(name, tests.map(([n]) => n), e);
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await server.stop();
  }
  if (results.failed > 0) {
    console.log(`--- code-server output\n${server.output().slice(-5000)}\n${server.extensionHostLogs()}`);
    console.log(`kept ${scratch} for a look`);
  } else {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`${results.passed} passed, ${results.failed} failed`);
  return results.failed > 0 ? 1 : 0;
}

const deadline = setTimeout(() => {
  running?.killNow();
  console.log(`FAIL the run took more than ${runDeadlineMs / 60_000} minutes\n0 passed, 1 failed`);
  process.exit(1);
}, runDeadlineMs);
deadline.unref();

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.log(`FAIL the suite could not run: ${e instanceof Error ? e.message : String(e)}\n0 passed, 1 failed`);
    process.exit(1);
  },
);
