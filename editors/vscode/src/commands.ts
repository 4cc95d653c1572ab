// The `ail.*` commands of the command palette (category "AIL"): ask about this file, show the
// index status, reindex, restart the server, show the logs.

import * as vscode from 'vscode';
import { ResponseError } from 'vscode-languageclient/node';
import { answerMarkdown, contextParams, placeItems, selectionRange, statusMarkdown, type PlaceItem } from './format';
import * as ext from './lsp_ext';
import type { Session } from './session';

/** Arguments a caller (a keybinding, another extension, a test) may pass to `ail.askAboutFile`. */
export interface AskArgs {
  /** Skip the input box and ask this. */
  question?: string;
  /** Show the quick pick of places (default true). */
  quickPick?: boolean;
  /** Show the markdown preview of the answer (default true). */
  preview?: boolean;
}

function errorText(e: unknown): string {
  if (e instanceof ResponseError) {
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Open a place: the file, with the cited lines selected and in view. */
async function openPlace(item: ext.ResultItem): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(item.uri));
  const r = selectionRange(item.range);
  const range = doc.validateRange(new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character));
  const editor = await vscode.window.showTextDocument(doc, { preview: true });
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
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
  const position = editor.selection.active;
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
    await session.answers.show('AIL answer', answerMarkdown(result));
  }
  if (args.quickPick !== false) {
    showPlaces(result);
  }
  return result;
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
  await session.answers.show('AIL status', statusMarkdown(status, workspace));
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
    // From a menu the argument is a Uri, not AskArgs.
    vscode.commands.registerCommand('ail.askAboutFile', (args?: unknown) =>
      askAboutFile(session, args && typeof args === 'object' && !(args instanceof vscode.Uri) ? args : {}),
    ),
    vscode.commands.registerCommand('ail.showStatus', () => showStatus(session)),
    vscode.commands.registerCommand('ail.reindex', () => reindex(session)),
    vscode.commands.registerCommand('ail.restartServer', () => session.restart()),
    vscode.commands.registerCommand('ail.showLogs', () => session.showLogs()),
  ];
}
