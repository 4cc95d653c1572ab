// The extension's entry point: `activate` only wires the session, the commands and the
// configuration and folder events together, then starts the server without waiting for it.

import * as vscode from 'vscode';
import * as commands from './commands';
import { Session } from './session';
import * as symbolAction from './symbol_action';
import type { StatusResult } from './lsp_ext';

/** What `activate` returns: handles for other extensions and for the integration tests. */
export interface AilApi {
  session: Session;
  /** Resolves when the server runs, rejects with the reason when it cannot start (without starting it again). */
  whenRunning(): Promise<void>;
  /** Resolves with the first `ail/status` whose state is `ready`. */
  whenIndexed(): Promise<StatusResult>;
}

let session: Session | undefined;

export function activate(context: vscode.ExtensionContext): AilApi {
  const s = new Session();
  session = s;
  context.subscriptions.push(
    s,
    ...commands.register(s),
    symbolAction.register(),
    vscode.workspace.onDidChangeConfiguration((e) => void s.onConfigurationChanged(e)),
    vscode.workspace.onDidChangeWorkspaceFolders(() => s.onFoldersChanged()),
  );
  void s.start();
  return {
    session: s,
    whenRunning: () => whenRunning(s),
    whenIndexed: () => whenIndexed(s),
  };
}

export async function deactivate(): Promise<void> {
  await session?.stop();
  session = undefined;
}

function whenRunning(s: Session): Promise<void> {
  if (s.isRunning) {
    return Promise.resolve();
  }
  if (s.failureReason !== undefined) {
    return Promise.reject(new Error(s.failureReason));
  }
  return new Promise((resolve, reject) => {
    const sub = s.onDidChangeServerState((state) => {
      if (state === 'running') {
        sub.dispose();
        resolve();
      } else if (state === 'failed') {
        sub.dispose();
        reject(new Error(s.failureReason ?? 'the AIL server failed'));
      }
    });
  });
}

function whenIndexed(s: Session): Promise<StatusResult> {
  return new Promise((resolve) => {
    const sub = s.onDidUpdateStatus((status) => {
      if (status.state === 'ready') {
        sub.dispose();
        resolve(status);
      }
    });
    void s.refreshStatus();
  });
}
