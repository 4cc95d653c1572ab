// Finding the `ail` binary: the configured `ail.server.path` (a path, or a bare name looked up
// on PATH, `ail` by default), with a message that says what to do when neither works. The
// file system is behind `Host` so that tests can use real temporary directories with any PATH.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Host {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  home: string;
  /** A regular file this process may execute. */
  isExecutableFile(file: string): boolean;
  exists(file: string): boolean;
  isDirectory(file: string): boolean;
}

export type Discovery =
  | { ok: true; path: string; source: 'PATH' | 'setting' }
  | { ok: false; message: string };

export const installHint =
  'Install it with `cargo install --path .` in the AIL repository (it goes to ~/.cargo/bin), ' +
  'or set "ail.server.path" to the binary.';

/** The real host: this process's platform, environment and file system. */
export function nodeHost(): Host {
  return {
    platform: process.platform,
    env: process.env,
    home: os.homedir(),
    isExecutableFile(file) {
      try {
        if (!fs.statSync(file).isFile()) {
          return false;
        }
        if (process.platform === 'win32') {
          return true;
        }
        fs.accessSync(file, fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    exists(file) {
      return fs.existsSync(file);
    },
    isDirectory(file) {
      try {
        return fs.statSync(file).isDirectory();
      } catch {
        return false;
      }
    },
  };
}

function pathModule(platform: NodeJS.Platform): typeof path.posix {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** Whether a setting names a path rather than a program to look up on PATH. */
export function looksLikePath(value: string): boolean {
  return value.includes('/') || value.includes('\\') || value.startsWith('~');
}

/** Candidate file names for a program on this platform (Windows tries PATHEXT). */
function candidates(name: string, host: Host): string[] {
  if (host.platform !== 'win32' || path.win32.extname(name) !== '') {
    return [name];
  }
  const exts = (host.env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((e) => e !== '');
  return [name, ...exts.map((ext) => name + ext.toLowerCase()), ...exts.map((ext) => name + ext)];
}

/**
 * Resolve `ail.server.path`. A bare name is searched on PATH; a path has `~` and
 * `${workspaceFolder}` expanded and, when relative, is taken from the first workspace folder.
 */
export function findServer(configured: string, host: Host, workspaceFolder?: string): Discovery {
  const p = pathModule(host.platform);
  const setting = configured.trim() === '' ? 'ail' : configured.trim();
  if (looksLikePath(setting)) {
    let file = setting.split('${workspaceFolder}').join(workspaceFolder ?? '');
    if (file === '~' || file.startsWith('~/') || file.startsWith('~\\')) {
      file = host.home + file.slice(1);
    }
    if (!p.isAbsolute(file)) {
      file = p.resolve(workspaceFolder ?? host.home, file);
    }
    if (host.isDirectory(file)) {
      return { ok: false, message: `"ail.server.path" is ${file}, which is a directory, not the ail binary. ${installHint}` };
    }
    for (const candidate of candidates(file, host)) {
      if (host.isExecutableFile(candidate)) {
        return { ok: true, path: candidate, source: 'setting' };
      }
    }
    if (host.exists(file)) {
      return { ok: false, message: `"ail.server.path" is ${file}, which is not executable: run \`chmod +x ${file}\`.` };
    }
    return { ok: false, message: `"ail.server.path" is ${file}, which does not exist. ${installHint}` };
  }
  const dirs = (host.env.PATH ?? host.env.Path ?? '').split(p.delimiter).filter((d) => d !== '');
  for (const dir of dirs) {
    for (const candidate of candidates(setting, host)) {
      const file = p.join(dir, candidate);
      if (host.isExecutableFile(file)) {
        return { ok: true, path: file, source: 'PATH' };
      }
    }
  }
  return { ok: false, message: `The AIL server binary \`${setting}\` was not found on PATH. ${installHint}` };
}
