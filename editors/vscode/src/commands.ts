// The `ail.*` commands of the command palette (category "AIL"): ask about this file or the
// symbol under the cursor, show the index status, reindex, restart the server, show the logs.

import * as vscode from 'vscode';
import { ResponseError } from 'vscode-languageclient/node';
import { contextParams, placeItems, statusMarkdown, type PlaceItem } from './format';
import * as ext from './lsp_ext';
import { openPlace } from './open_place';
import type { Session } from './session';

/** Arguments a caller (a keybinding, another extension, a test, the code action) may pass to `ail.askAboutFile` and `ail.askAboutSymbol`. */
export interface AskArgs {
  /** Skip the input box and ask this. */
  question?: string;
  /** Show the quick pick of places (default true). */
  quickPick?: boolean;
  /** Show the answer view (default true). */
  preview?: boolean;
  /** Ask at this position of the active editor instead of the cursor (0-based). */
  position?: { line: number; character: number };
}

/** Only the fields of `AskArgs` a caller may set, from an untrusted argument (a menu passes a Uri). */
function askArgs(value: unknown): AskArgs {
  if (!value || typeof value !== 'object' || value instanceof vscode.Uri) {
    return {};
  }
  const v = value as Record<string, unknown>;
  const args: AskArgs = {};
  if (typeof v.question === 'string') {
    args.question = v.question;
  }
  if (typeof v.quickPick === 'boolean') {
    args.quickPick = v.quickPick;
  }
  if (typeof v.preview === 'boolean') {
    args.preview = v.preview;
  }
  const p = v.position as Record<string, unknown> | undefined;
  if (p && Number.isInteger(p.line) && Number.isInteger(p.character)) {
    args.position = { line: p.line as number, character: p.character as number };
  }
  return args;
}

function errorText(e: unknown): string {
  if (e instanceof ResponseError) {
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

function showPlaces(result: ext.ContextResult): void {
  const pick = vscode.window.createQuickPick<PlaceItem & vscode.QuickPickItem>();
  pick.title = `AIL: ${result.question}`;
  pick.placeholder = result.results.length > 0 ? 'Open a place' : 'No places found';
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.items = placeItems(result);
  pick.onDidAccept(() => {
    const chosen = pick.selectedItems[0];
    pick.hide();
    if (chosen) {
      openPlace(chosen.result).catch((e: unknown) => void vscode.window.showErrorMessage(`AIL: could not open ${chosen.result.path}: ${errorText(e)}`));
    }
  });
  pick.onDidHide(() => pick.dispose());
  pick.show();
}

/** `AIL: Ask About This File`. Returns the answer (for callers and tests). */
export async function askAboutFile(session: Session, args: AskArgs = {}): Promise<ext.ContextResult | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.uri.scheme !== 'file') {
    void vscode.window.showWarningMessage('AIL: open a file of the workspace to ask about it.');
    return undefined;
  }
  let question = args.question;
  if (question === undefined) {
    const selected = editor.document.getText(editor.selection).trim();
    question = await vscode.window.showInputBox({
      title: 'AIL: Ask About This File',
      prompt: `Ask about ${vscode.workspace.asRelativePath(editor.document.uri)} (empty: the code under the cursor)`,
      placeHolder: 'how are stale cache entries evicted?',
      value: selected.length <= 200 ? selected.replace(/\s+/g, ' ') : '',
      ignoreFocusOut: true,
    });
    if (question === undefined) {
      return undefined;
    }
  }
  const client = await session.runningClient();
  if (!client) {
    return undefined;
  }
  const position = args.position ?? editor.selection.active;
  const params = contextParams(
    question,
    client.code2ProtocolConverter.asUri(editor.document.uri),
    { line: position.line, character: position.character },
  );
  let result: ext.ContextResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'AIL: asking', cancellable: false },
      () => client.sendRequest(ext.context, params),
    );
  } catch (e) {
    if (e instanceof ResponseError && e.code === ext.ErrorCodes.RequestCancelled) {
      return undefined;
    }
    void vscode.window.showErrorMessage(`AIL: ${errorText(e)}`);
    return undefined;
  }
  if (args.preview !== false) {
    await session.answers.showAnswer(result, editor.viewColumn);
  }
  if (args.quickPick !== false) {
    showPlaces(result);
  }
  return result;
}

/**
 * `AIL: Ask About This Symbol`: no input box; the server asks about the symbol (or the line)
 * at the cursor.
 */
export function askAboutSymbol(session: Session, args: AskArgs = {}): Promise<ext.ContextResult | undefined> {
  return askAboutFile(session, { ...args, question: '' });
}

/** `AIL: Show Index Status`. */
export async function showStatus(session: Session): Promise<ext.StatusResult | undefined> {
  const client = await session.runningClient();
  if (!client) {
    return undefined;
  }
  const status = await session.refreshStatus();
  if (!status) {
    void vscode.window.showErrorMessage('AIL: the server did not answer ail/status; see the logs.', 'Show Logs').then((choice) => {
      if (choice) {
        session.showLogs();
      }
    });
    return undefined;
  }
  const workspace = status.workspace ? client.protocol2CodeConverter.asUri(status.workspace).fsPath : undefined;
  await session.answers.showMarkdown('AIL: index status', statusMarkdown(status, workspace));
  return status;
}

/** `AIL: Reindex`. */
export async function reindex(session: Session): Promise<boolean> {
  const client = await session.runningClient();
  if (!client) {
    return false;
  }
  try {
    await client.sendRequest(ext.reindex);
  } catch (e) {
    void vscode.window.showErrorMessage(`AIL: ${errorText(e)}`);
    return false;
  }
  session.statusBar.set({ kind: 'indexing' });
  void vscode.window.showInformationMessage('AIL: reindexing in the background.');
  void session.refreshStatus();
  return true;
}

export function register(session: Session): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('ail.askAboutFile', (args?: unknown) => askAboutFile(session, askArgs(args))),
    vscode.commands.registerCommand('ail.askAboutSymbol', (args?: unknown) => askAboutSymbol(session, askArgs(args))),
    vscode.commands.registerCommand('ail.showStatus', () => showStatus(session)),
    vscode.commands.registerCommand('ail.reindex', () => reindex(session)),
    vscode.commands.registerCommand('ail.restartServer', () => session.restart()),
    vscode.commands.registerCommand('ail.showLogs', () => session.showLogs()),
  ];
}
