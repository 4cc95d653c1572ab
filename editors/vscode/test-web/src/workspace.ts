// The workspaces the suite opens: a copy of the polyglot fixture committed to a fresh git
// repository (so hover and answers have history to show), with optional folder settings.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const author = {
  GIT_AUTHOR_NAME: 'Ada Lovelace',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada Lovelace',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
};

/**
 * Copy `fixture` to `parent/name`, commit it as one commit, then write `settings` (if any) to
 * `.vscode/settings.json`, uncommitted. Returns the workspace folder.
 */
export function fixtureWorkspace(fixture: string, parent: string, name: string, settings?: Record<string, unknown>): string {
  const root = path.join(parent, name);
  fs.cpSync(fixture, root, { recursive: true });
  const env = { ...process.env, ...author };
  const git = (...args: string[]) => execFileSync('git', ['-C', root, '-c', 'commit.gpgsign=false', ...args], { env, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'Import the bookshelf catalog');
  if (settings) {
    fs.mkdirSync(path.join(root, '.vscode'));
    fs.writeFileSync(path.join(root, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
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
