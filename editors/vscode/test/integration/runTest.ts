// Runs the integration suite in a real VS Code with @vscode/test-electron, three times: a
// working server on the fixture workspace, a server that exits with code 1 at start, and a
// binary that does not exist. VS Code cannot be downloaded everywhere, so without a local one
// (VSCODE_EXECUTABLE, or a usual install location) this says so and skips.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

const extensionRoot = path.resolve(__dirname, '../../..');
const repoRoot = path.resolve(extensionRoot, '../..');

function findVSCode(): string | undefined {
  const candidates = [
    process.env.VSCODE_EXECUTABLE,
    '/usr/share/code/code',
    '/usr/share/code-insiders/code-insiders',
    '/snap/code/current/usr/share/code/code',
    '/Applications/Visual Studio Code.app/Contents/MacOS/Electron',
  ];
  return candidates.find((c): c is string => c !== undefined && c !== '' && fs.existsSync(c));
}

/** A copy of the polyglot fixture, committed to git, with the given workspace settings. */
function workspace(settings: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ail-vscode-'));
  const root = path.join(dir, 'polyglot');
  fs.cpSync(path.join(repoRoot, 'tests/fixtures/polyglot'), root, { recursive: true });
  const env = { ...process.env, GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' };
  execFileSync('git', ['init', '-q', root], { env });
  execFileSync('git', ['-C', root, 'add', '-A'], { env });
  execFileSync('git', ['-C', root, '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'fixture'], { env });
  fs.mkdirSync(path.join(root, '.vscode'));
  fs.writeFileSync(path.join(root, '.vscode', 'settings.json'), JSON.stringify({ ...settings, 'ail.cacheDir': path.join(dir, 'cache') }, null, 2));
  return root;
}

async function main(): Promise<void> {
  const vscodeExecutablePath = findVSCode();
  if (!vscodeExecutablePath) {
    console.log('skipped: VS Code is not installed here (set VSCODE_EXECUTABLE to a VS Code binary to run the integration tests)');
    return;
  }
  const ail = path.resolve(process.env.AIL_BIN ?? path.join(repoRoot, 'target/debug/ail'));
  if (!fs.existsSync(ail)) {
    throw new Error(`${ail} does not exist: build it with \`cargo build\` or set AIL_BIN`);
  }
  const failing = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ail-fail-')), 'ail');
  fs.writeFileSync(failing, '#!/bin/sh\necho "error: this ail refuses to start" >&2\nexit 1\n');
  fs.chmodSync(failing, 0o755);

  const scenarios: [string, Record<string, unknown>][] = [
    ['working', { 'ail.server.path': ail }],
    ['exits', { 'ail.server.path': failing }],
    ['missing', { 'ail.server.path': '/nonexistent/bin/ail' }],
  ];
  for (const [scenario, settings] of scenarios) {
    const folder = workspace(settings);
    console.log(`== VS Code integration: ${scenario}`);
    await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: extensionRoot,
      extensionTestsPath: path.resolve(__dirname, 'suite', 'index'),
      extensionTestsEnv: { AIL_TEST_SCENARIO: scenario },
      launchArgs: [folder, '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${path.join(path.dirname(folder), 'user-data')}`],
    });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
