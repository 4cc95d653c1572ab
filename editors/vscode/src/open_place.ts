// Opening a place of an answer: its file in the editor, with the cited lines selected and in
// view (from the quick pick, the answer view's links, or the symbol command).

import * as vscode from 'vscode';
import { selectionRange } from './format';
import type * as ext from './lsp_ext';

/** Open `item` (a place or a copy of one), in `column` when given (else the active editor group). */
export async function openPlace(item: ext.ResultItem | ext.CopyItem, column?: vscode.ViewColumn): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(item.uri));
  const r = selectionRange(item.range);
  const range = doc.validateRange(new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character));
  const editor = await vscode.window.showTextDocument(doc, { preview: true, viewColumn: column });
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
