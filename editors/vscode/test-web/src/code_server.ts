// code-server, run for the suite: its own user data, extensions and config directories under
// a temporary directory, no authentication, bound to a free port on 127.0.0.1, in its own
// process group so that stopping it also stops its extension hosts and their servers.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export class CodeServer {
  private child: ChildProcess | undefined;
  private log = '';
  url = '';

  private constructor(
    private readonly entry: string,
    readonly dirs: { userData: string; extensions: string; config: string; home: string },
  ) {}

  /** Directories under `scratch`; user settings written to `userData/User/settings.json`. */
  static prepare(testWebDir: string, scratch: string, userSettings: Record<string, unknown>): CodeServer {
    const entry = path.join(testWebDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
    if (!fs.existsSync(entry)) {
      throw new Error(`${entry} is missing: run editors/vscode/test-web/setup.sh`);
    }
    const dirs = {
      userData: path.join(scratch, 'user-data'),
      extensions: path.join(scratch, 'extensions'),
      config: path.join(scratch, 'config.yaml'),
      home: path.join(scratch, 'home'),
    };
    fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
    fs.mkdirSync(dirs.extensions, { recursive: true });
    fs.mkdirSync(dirs.home, { recursive: true });
    fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
    return new CodeServer(entry, dirs);
  }

  private args(): string[] {
    return [this.entry, '--config', this.dirs.config, '--user-data-dir', this.dirs.userData, '--extensions-dir', this.dirs.extensions];
  }

  private env(): NodeJS.ProcessEnv {
    // XDG directories inside the scratch area: nothing is written to the real home.
    return {
      ...process.env,
      XDG_CONFIG_HOME: path.join(this.dirs.home, '.config'),
      XDG_DATA_HOME: path.join(this.dirs.home, '.local', 'share'),
      XDG_CACHE_HOME: path.join(this.dirs.home, '.cache'),
    };
  }

  /** `code-server --install-extension vsix`, as a person installs a downloaded .vsix. */
  installExtension(vsix: string): string {
    return execFileSync(process.execPath, [...this.args(), '--install-extension', vsix, '--force'], {
      env: this.env(),
      encoding: 'utf8',
      timeout: 120_000,
    });
  }

  /** Start the server and resolve with its URL once it listens. */
  async start(timeoutMs = 60_000): Promise<string> {
    const child = spawn(
      process.execPath,
      [
        ...this.args(),
        '--auth',
        'none',
        '--bind-addr',
        '127.0.0.1:0',
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        '--disable-proxy',
        '--ignore-last-opened',
      ],
      { env: this.env(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    const onData = (data: Buffer) => {
      this.log += data.toString('utf8');
      if (this.log.length > 200_000) {
        this.log = this.log.slice(-100_000);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`code-server did not start in ${timeoutMs} ms:\n${this.log}`)), timeoutMs);
      const check = () => {
        const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(this.log);
        if (m) {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          resolve(m[1]);
        }
      };
      child.stdout?.on('data', check);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`code-server exited with code ${code}:\n${this.log}`));
      });
    });
    return this.url;
  }

  /** The workbench URL that opens `folder`. */
  folderUrl(folder: string): string {
    return `${this.url}/?folder=${encodeURIComponent(folder)}`;
  }

  /** What code-server printed (for failures). */
  output(): string {
    return this.log;
  }

  /** The extension host logs of this run, newest last (for failures). */
  extensionHostLogs(): string {
    const logs = path.join(this.dirs.userData, 'logs');
    if (!fs.existsSync(logs)) {
      return '';
    }
    const out: string[] = [];
    for (const file of fs.readdirSync(logs, { recursive: true, encoding: 'utf8' })) {
      if (/exthost\d*[/\\](remoteexthost|output_logging_.*[/\\].*AIL)\.log$/.test(file)) {
        out.push(`--- ${file}\n${fs.readFileSync(path.join(logs, file), 'utf8').slice(-20_000)}`);
      }
    }
    return out.join('\n');
  }

  /** Kill code-server's process group at once (when the run must end now). */
  killNow(): void {
    if (this.child?.pid && this.child.exitCode === null) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  /** Stop code-server and everything it started (extension hosts, their language servers). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child?.pid || child.exitCode !== null) {
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    };
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
