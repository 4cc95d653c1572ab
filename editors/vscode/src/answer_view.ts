// The answer view: one webview panel beside the editor that shows an answer (or the index
// status) as rendered markdown. Markdown is rendered by VS Code's own markdown engine; a
// click on a place opens it in the editor with its lines selected, a web link opens in the
// browser.

import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { answerMarkdown } from './answer_format';
import { answerPage, escapeHtml, isPageMessage } from './answer_page';
import type * as ext from './lsp_ext';
import { openPlace } from './open_place';

export class AnswerView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  /** The places of the answer on show, in the order its `#place-N` links count them. */
  private places: ext.ResultItem[] = [];
  /** Where places open: the editor group the question was asked from. */
  private column: vscode.ViewColumn | undefined;

  /** Show an answer asked from the editor in `column`; resolves once the page is set. */
  async showAnswer(result: ext.ContextResult, column?: vscode.ViewColumn): Promise<void> {
    this.column = column;
    await this.show(`AIL: ${result.question}`, answerMarkdown(result), result.results);
  }

  /** Show markdown without places (the index status). */
  async showMarkdown(title: string, markdown: string): Promise<void> {
    await this.show(title, markdown, []);
  }

  private async show(title: string, markdown: string, places: ext.ResultItem[]): Promise<void> {
    const body = await renderMarkdown(markdown);
    const panel = this.panel ?? this.createPanel();
    this.places = places;
    panel.title = title;
    panel.webview.html = answerPage({ title, body, nonce: crypto.randomBytes(16).toString('base64'), cspSource: panel.webview.cspSource });
    if (!panel.visible) {
      panel.reveal(vscode.ViewColumn.Beside, true);
    }
  }

  private createPanel(): vscode.WebviewPanel {
    const panel = vscode.window.createWebviewPanel(
      'ail.answer',
      'AIL',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, enableFindWidget: true, localResourceRoots: [] },
    );
    panel.webview.onDidReceiveMessage((message: unknown) => this.onMessage(message));
    panel.onDidDispose(() => {
      if (this.panel === panel) {
        this.panel = undefined;
      }
    });
    this.panel = panel;
    return panel;
  }

  private onMessage(message: unknown): void {
    if (!isPageMessage(message)) {
      return;
    }
    if (message.type === 'openPlace') {
      const result = this.places[message.index];
      const place = message.copy === undefined ? result : result?.copies?.[message.copy];
      if (place) {
        openPlace(place, this.column ?? vscode.ViewColumn.One).catch((e: unknown) => void vscode.window.showErrorMessage(`AIL: could not open ${place.path}: ${String(e)}`));
      }
    } else {
      void vscode.env.openExternal(vscode.Uri.parse(message.url));
    }
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

/** HTML from VS Code's markdown engine; without it (no built-in markdown extension), the text as written. */
async function renderMarkdown(markdown: string): Promise<string> {
  try {
    const html = await vscode.commands.executeCommand<string>('markdown.api.render', markdown);
    if (typeof html === 'string') {
      return html;
    }
  } catch {
    // Fall through to the plain text.
  }
  return `<pre>${escapeHtml(markdown)}</pre>`;
}
