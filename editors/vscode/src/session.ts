// The extension's running state: one language client for the window's workspace folders, its
// output channel, status bar item and answer view; starting, restarting, and failing with one
// clear message instead of a cascade of them.

import * as cp from 'node:child_process';
import * as vscode from 'vscode';
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { AnswerView } from './answer_view';
import { findServer, nodeHost } from './binary';
import { changeEffect, readConfig, serverSettings, settingsCommand, type AilConfig } from './config';
import { FailureNotice, OutputTail, RestartPolicy, failureMessage, restartAfterClose, type ServerExit } from './failure';
import * as ext from './lsp_ext';
import { StatusBar } from './status_bar';

/** A language client whose own error pop-ups go through the session, which shows one. */
class AilLanguageClient extends LanguageClient {
  constructor(
    serverOptions: ServerOptions,
    clientOptions: LanguageClientOptions,
    private readonly onUserError: (message: string) => void,
  ) {
    super('ail', 'AIL', serverOptions, clientOptions);
  }

  override error(message: string, data?: unknown, showNotification?: boolean | 'force'): void {
    super.error(message, data, false);
    if (showNotification === 'force') {
      this.onUserError(message);
    }
  }
}

export class Session implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('AIL');
  readonly statusBar = new StatusBar();
  readonly answers = new AnswerView();
  private client: AilLanguageClient | undefined;
  private binary: string | undefined;
  private starting: Promise<boolean> | undefined;
  private lastExit: ServerExit | undefined;
  private failure: string | undefined;
  private child: cp.ChildProcess | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly policy = new RestartPolicy();
  /** Whether the current server got as far as running; one that never did is not restarted. */
  private ranOnce = false;
  private readonly notice = new FailureNotice((message) => {
    this.failuresShown++;
    void this.showFailure(message);
  });
  /** How many server processes were spawned, and failure messages shown (for tests and the logs). */
  spawns = 0;
  failuresShown = 0;
  private readonly statusEmitter = new vscode.EventEmitter<ext.StatusResult>();
  /** Fires with every `ail/status` answer (tests wait on it for `ready`). */
  readonly onDidUpdateStatus = this.statusEmitter.event;
  private readonly stateEmitter = new vscode.EventEmitter<'running' | 'failed' | 'stopped'>();
  /** Fires when the server is running, has failed, or was stopped. */
  readonly onDidChangeServerState = this.stateEmitter.event;

  config(): AilConfig {
    const section = vscode.workspace.getConfiguration('ail');
    return readConfig((key) => section.get(key));
  }

  private firstFolder(): string | undefined {
    return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
  }

  /** Why the server is not running, when it failed. */
  get failureReason(): string | undefined {
    return this.failure;
  }

  get isRunning(): boolean {
    return this.client?.state === State.Running;
  }

  /** Start the server if a folder is open and it is not running. Resolves to whether it runs. */
  start(): Promise<boolean> {
    if (this.isRunning) {
      return Promise.resolve(true);
    }
    this.starting ??= this.doStart().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async doStart(): Promise<boolean> {
    const folder = this.firstFolder();
    if (folder === undefined) {
      // Nothing to index; start when a folder is added (see onFoldersChanged).
      this.statusBar.hide();
      return false;
    }
    const config = this.config();
    const found = findServer(config.serverPath, nodeHost(), folder);
    if (!found.ok) {
      this.output.appendLine(`[error] ${found.message}`);
      this.failure = found.message;
      this.statusBar.set({ kind: 'failed', reason: found.message });
      this.notice.report(`AIL: ${found.message}`);
      this.stateEmitter.fire('failed');
      return false;
    }
    this.binary = found.path;
    this.failure = undefined;
    this.lastExit = undefined;
    this.ranOnce = false;
    this.output.appendLine(`[info] starting ${found.path} lsp (found via ${found.source === 'PATH' ? 'PATH' : 'ail.server.path'})`);
    this.statusBar.set({ kind: 'starting' });
    const client = this.createClient(found.path, config, folder);
    this.client = client;
    try {
      await client.start();
    } catch (e) {
      this.output.appendLine(`[error] the server did not start: ${String(e)}`);
      this.markFailed();
      return false;
    }
    return this.isRunning;
  }

  private createClient(binary: string, config: AilConfig, folder: string): AilLanguageClient {
    const serverOptions: ServerOptions = () => {
      const tail = new OutputTail();
      const child = cp.spawn(binary, ['lsp'], {
        cwd: folder,
        env: { ...process.env, ...config.serverExtraEnv },
        stdio: 'pipe',
      });
      this.child = child;
      this.spawns++;
      child.stderr.on('data', (data: Buffer) => tail.push(data.toString('utf8')));
      child.on('error', (err) => {
        this.lastExit = { spawnError: err.message };
      });
      child.on('exit', (code, signal) => {
        this.lastExit ??= { code, signal, lastLine: tail.lastLine() };
      });
      return Promise.resolve(child);
    };
    const errorHandler: ErrorHandler = {
      error: (_error, _message, count) =>
        count !== undefined && count <= 3 ? { action: ErrorAction.Continue, handled: true } : { action: ErrorAction.Shutdown, handled: true },
      closed: () => {
        if (restartAfterClose(this.ranOnce, this.policy)) {
          this.output.appendLine(`[warn] ${failureMessage(binary, this.lastExit)}; restarting`);
          this.lastExit = undefined;
          return { action: CloseAction.Restart, handled: true };
        }
        this.markFailed();
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file' }],
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: () => serverSettings(this.config(), { home: nodeHost().home, workspaceFolder: this.firstFolder() }),
      initializationFailedHandler: (error) => {
        this.output.appendLine(`[error] initialize failed: ${String(error)}`);
        return false;
      },
      errorHandler,
      middleware: {
        handleWorkDoneProgress: (token, params, next) => {
          if (params.kind === 'end') {
            void this.refreshStatus();
          } else {
            const previous = this.statusBar.state;
            this.statusBar.set({
              kind: 'indexing',
              percentage: params.percentage ?? (previous.kind === 'indexing' ? previous.percentage : undefined),
              message: params.message ?? (previous.kind === 'indexing' ? previous.message : undefined),
            });
          }
          next(token, params);
        },
      },
    };
    const client = new AilLanguageClient(serverOptions, clientOptions, (message) => {
      this.notice.report(failureMessage(binary, this.lastExit, message));
    });
    client.onDidChangeState((event) => {
      if (event.newState === State.Running) {
        this.ranOnce = true;
        this.notice.reset();
        this.failure = undefined;
        this.stateEmitter.fire('running');
        void this.refreshStatus();
      } else if (event.newState === State.Starting) {
        this.statusBar.set({ kind: 'starting' });
      }
    });
    return client;
  }

  /** The server stopped for good: say so once, in the status bar and in a message. */
  private markFailed(): void {
    const message = failureMessage(this.binary ?? 'ail', this.lastExit);
    this.failure = message.replace(/^AIL: /, '');
    this.statusBar.set({ kind: 'failed', reason: this.failure });
    this.notice.report(message);
    this.stateEmitter.fire('failed');
  }

  private async showFailure(message: string): Promise<void> {
    const actions = this.binary === undefined ? ['Show Logs', 'Open Settings'] : ['Show Logs'];
    const choice = await vscode.window.showErrorMessage(message, ...actions);
    if (choice === 'Show Logs') {
      this.showLogs();
    } else if (choice === 'Open Settings') {
      const scopes = vscode.workspace.getConfiguration('ail').inspect('server.path');
      const [command, arg] = settingsCommand('ail.server.path', scopes, vscode.env.remoteName);
      await vscode.commands.executeCommand(command, arg);
    }
  }

  /** The running client, starting it if needed; undefined (after telling the person why) when it cannot run. */
  async runningClient(): Promise<LanguageClient | undefined> {
    if (this.isRunning && this.client) {
      return this.client;
    }
    if (vscode.workspace.workspaceFolders === undefined) {
      void vscode.window.showWarningMessage('AIL: open a folder first; AIL answers questions about a workspace.');
      return undefined;
    }
    if (await this.start()) {
      return this.client;
    }
    const reason = this.failure ?? 'it did not start';
    const choice = await vscode.window.showErrorMessage(`AIL: the server is not running: ${reason}`, 'Show Logs', 'Restart Server');
    if (choice === 'Show Logs') {
      this.showLogs();
    } else if (choice === 'Restart Server') {
      await this.restart();
    }
    return undefined;
  }

  /** Ask `ail/status` and update the status bar; while indexing without progress reports, ask again shortly. */
  async refreshStatus(): Promise<ext.StatusResult | undefined> {
    const client = this.client;
    if (!client || client.state !== State.Running) {
      return undefined;
    }
    let status: ext.StatusResult;
    try {
      status = await client.sendRequest(ext.status);
    } catch (e) {
      this.output.appendLine(`[warn] ail/status failed: ${String(e)}`);
      return undefined;
    }
    if (status.state === 'ready') {
      this.statusBar.set({ kind: 'ready', files: status.files, chunks: status.chunks });
    } else {
      const previous = this.statusBar.state;
      if (previous.kind !== 'indexing') {
        this.statusBar.set({ kind: 'indexing', message: `${status.files} files so far` });
      }
      this.schedulePoll();
    }
    this.statusEmitter.fire(status);
    return status;
  }

  private schedulePoll(): void {
    if (this.pollTimer === undefined) {
      this.pollTimer = setTimeout(() => {
        this.pollTimer = undefined;
        void this.refreshStatus();
      }, 2000);
    }
  }

  async stop(): Promise<void> {
    if (this.pollTimer !== undefined) {
      clearTimeout(this.pollTimer);
      this.pollTimer = undefined;
    }
    const client = this.client;
    const child = this.child;
    this.client = undefined;
    this.child = undefined;
    if (client) {
      try {
        if (client.state !== State.Stopped) {
          await client.stop(2000);
        }
      } catch (e) {
        this.output.appendLine(`[warn] stopping the server: ${String(e)}`);
      }
      await client.dispose().catch(() => undefined);
    }
    // A server that ignored `exit` must not outlive the window.
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill();
    }
    this.statusBar.set({ kind: 'stopped' });
    this.stateEmitter.fire('stopped');
  }

  async restart(): Promise<boolean> {
    this.policy.reset();
    this.notice.reset();
    await this.stop();
    return this.start();
  }

  showLogs(): void {
    this.output.show(true);
  }

  /** Apply a settings change: restart for the binary, tell the server for its own settings. */
  async onConfigurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
    const effect = changeEffect((section) => event.affectsConfiguration(section));
    if (effect === 'restart') {
      this.output.appendLine('[info] ail.server settings changed; restarting the server');
      await this.restart();
    } else if (effect === 'notify' && this.client && this.isRunning) {
      const settings = serverSettings(this.config(), { home: nodeHost().home, workspaceFolder: this.firstFolder() });
      await this.client.sendNotification(DidChangeConfigurationNotification.type, { settings });
    }
  }

  /** A folder was added to an empty window: start now. */
  onFoldersChanged(): void {
    if (!this.client && this.firstFolder() !== undefined) {
      void this.start();
    }
  }

  dispose(): void {
    void this.stop();
    this.statusBar.dispose();
    this.answers.dispose();
    this.output.dispose();
    this.statusEmitter.dispose();
    this.stateEmitter.dispose();
  }
}
