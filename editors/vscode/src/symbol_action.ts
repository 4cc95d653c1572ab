// "Ask AIL about `name`" in the code actions (Ctrl+. / Cmd+.) on an identifier. Offered only
// when the person asks for code actions, so that no light bulb follows the cursor around.

import * as vscode from 'vscode';

export class AskAboutSymbolAction implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.Empty] };

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.triggerKind !== vscode.CodeActionTriggerKind.Invoke || document.uri.scheme !== 'file') {
      return [];
    }
    const at = range.start;
    const word = document.getWordRangeAtPosition(at);
    if (!word) {
      return [];
    }
    const name = document.getText(word);
    const action = new vscode.CodeAction(`Ask AIL about \`${name}\``, vscode.CodeActionKind.Empty);
    action.command = {
      command: 'ail.askAboutSymbol',
      title: 'AIL: Ask About This Symbol',
      arguments: [{ position: { line: at.line, character: at.character } }],
    };
    return [action];
  }
}

export function register(): vscode.Disposable {
  return vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new AskAboutSymbolAction(), AskAboutSymbolAction.metadata);
}
