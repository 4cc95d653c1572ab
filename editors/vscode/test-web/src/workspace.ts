// The workspaces the suite opens: a copy of the polyglot fixture committed to a fresh git
// repository (so hover and answers have history to show), with optional folder settings, and
// optionally with code the project did not write (editors/fixtures/README.md): a vendored
// copy of its cache, a library vendored by .gitattributes, a generated table.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const author = {
  GIT_AUTHOR_NAME: 'Ada Lovelace',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada Lovelace',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
};

/** editors/fixtures/file-kinds: files laid over the fixture, of every kind but the project's own. */
export const fileKindsOverlay = path.resolve(import.meta.dirname, '../../../fixtures/file-kinds');

/** Where the vendored copy of the fixture's cache goes, and what it copies. */
export const vendoredCache = { path: 'vendor/lru/src/cache.rs', copyOf: 'core/src/cache.rs' };

export interface WorkspaceOptions {
  /** Written to `.vscode/settings.json`, uncommitted. */
  settings?: Record<string, unknown>;
  /** Add vendored and generated code (`fileKindsOverlay` and `vendoredCache`). */
  otherKinds?: boolean;
}

/**
 * Copy `fixture` to `parent/name` (with the other kinds of code when asked), commit it as one
 * commit, then write the settings (if any). Returns the workspace folder.
 */
export function fixtureWorkspace(fixture: string, parent: string, name: string, options: WorkspaceOptions = {}): string {
  const root = path.join(parent, name);
  fs.cpSync(fixture, root, { recursive: true });
  if (options.otherKinds) {
    fs.cpSync(fileKindsOverlay, root, { recursive: true });
    fs.mkdirSync(path.dirname(path.join(root, vendoredCache.path)), { recursive: true });
    fs.copyFileSync(path.join(root, vendoredCache.copyOf), path.join(root, vendoredCache.path));
  }
  const env = { ...process.env, ...author };
  const git = (...args: string[]) => execFileSync('git', ['-C', root, '-c', 'commit.gpgsign=false', ...args], { env, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'Import the bookshelf catalog');
  if (options.settings) {
    fs.mkdirSync(path.join(root, '.vscode'));
    fs.writeFileSync(path.join(root, '.vscode', 'settings.json'), JSON.stringify(options.settings, null, 2));
  }
  return root;
}

/** The pids of running `ail lsp` processes started from `binary` whose working directory is `folder` (Linux /proc). */
export function ailServersIn(binary: string, folder: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0] === binary && argv[1] === 'lsp' && fs.readlinkSync(`/proc/${entry}/cwd`) === folder) {
        found.push(Number(entry));
      }
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return found;
}
