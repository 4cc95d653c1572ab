// The status bar item: starting, indexing with a percentage, then files and chunks; an error
// icon that opens the logs when the server is not running.

import * as vscode from 'vscode';
import { statusBarText, type BarState } from './format';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private current: BarState = { kind: 'stopped' };

  constructor() {
    this.item = vscode.window.createStatusBarItem('ail.status', vscode.StatusBarAlignment.Left, 0);
    this.item.name = 'AIL';
  }

  get state(): BarState {
    return this.current;
  }

  set(state: BarState): void {
    this.current = state;
    const { text, tooltip } = statusBarText(state);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.command = state.kind === 'failed' ? 'ail.showLogs' : state.kind === 'stopped' ? 'ail.restartServer' : 'ail.showStatus';
    this.item.backgroundColor = state.kind === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }

  hide(): void {
    this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
