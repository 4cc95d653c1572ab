// Driving VS Code's workbench in the browser as a person does: the command palette, Quick
// Open, Go to Line, the mouse over a word, notifications, the status bar, and the markdown
// preview's webview. Every wait is on something visible, with a deadline.

import type { Frame, Locator, Page } from 'playwright-core';

/** The DOM id of the extension's status bar item: `<publisher>.<name>.<item id>`. */
const ailStatusId = 'ail.ail.ail.status';

/** Runs in the page from its first script: records every text the AIL status bar item shows. */
function recordStatusTexts(id: string): void {
  const w = window as unknown as { __ailStatusTexts: string[] };
  w.__ailStatusTexts = [];
  setInterval(() => {
    const el = document.getElementById(id);
    const text = el?.textContent?.trim();
    const seen = w.__ailStatusTexts;
    if (text && seen[seen.length - 1] !== text) {
      seen.push(text);
    }
  }, 25);
}

export class Workbench {
  constructor(readonly page: Page) {}

  /** Open `url` and wait for the workbench (editor area and status bar) to be up. */
  static async open(page: Page, url: string): Promise<Workbench> {
    await page.addInitScript(recordStatusTexts, ailStatusId);
    await page.goto(url);
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 90_000 });
    return new Workbench(page);
  }

  /** The AIL status bar item. */
  ailStatus(): Locator {
    return this.page.locator(`[id="${ailStatusId}"]`);
  }

  /** Wait until the AIL status bar item's text matches `pattern`; returns the text. */
  async waitForAilStatus(pattern: RegExp, timeout = 60_000): Promise<string> {
    const handle = await this.page.waitForFunction(
      ({ id, source, flags }) => {
        const text = document.getElementById(id)?.textContent?.trim() ?? '';
        return new RegExp(source, flags).test(text) ? text : undefined;
      },
      { id: ailStatusId, source: pattern.source, flags: pattern.flags },
      { timeout, polling: 25 },
    );
    return (await handle.jsonValue()) as string;
  }

  /** Every text the AIL status bar item has shown since the page loaded, in order. */
  async ailStatusHistory(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { __ailStatusTexts: string[] }).__ailStatusTexts);
  }

  /** The text of a status bar item (e.g. `status.editor.selection`). */
  async statusItem(id: string): Promise<string> {
    return ((await this.page.locator(`[id="${id}"]`).textContent()) ?? '').trim();
  }

  private quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** F1, type `title`, wait for it in the list, Enter. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.quickInput().locator('input.input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(`>${title}`);
    await this.quickInput()
      .locator('.quick-input-list .monaco-list-row', { hasText: title })
      .first()
      .waitFor({ timeout: 15_000 });
    await this.page.keyboard.press('Enter');
  }

  /** Quick Open (Ctrl+P) a workspace-relative path and wait for its editor tab. */
  async openFile(relative: string): Promise<void> {
    await this.focusWorkbench();
    await this.page.keyboard.press('Control+P');
    const input = this.quickInput().locator('input.input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(relative);
    const base = relative.split('/').pop()!;
    const dir = relative.slice(0, relative.length - base.length).replace(/\/$/, '');
    // Enter opens the first row: wait until it is this file (the list filters as it is typed,
    // and another file of the same name, e.g. a vendored copy, may be listed first before that).
    await this.page.waitForFunction(
      ({ base, dir }) => {
        const first = document.querySelector('.quick-input-widget .quick-input-list .monaco-list-row');
        const text = first?.textContent ?? '';
        return text.includes(base) && text.includes(dir);
      },
      { base, dir },
      { timeout: 15_000 },
    );
    await this.page.keyboard.press('Enter');
    await this.page.locator('.tabs-container .tab.active', { hasText: base }).waitFor({ timeout: 15_000 });
    await this.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().waitFor({ timeout: 15_000 });
  }

  /** Go to Line (Ctrl+G) `line` (1-based) in the active editor. */
  async goToLine(line: number): Promise<void> {
    await this.page.keyboard.press('Control+G');
    const input = this.quickInput().locator('input.input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(`:${line}`);
    await this.page.keyboard.press('Enter');
    await this.page.waitForFunction(
      (want) => (document.getElementById('status.editor.selection')?.textContent ?? '').includes(`Ln ${want},`),
      line,
      { timeout: 15_000 },
    );
  }

  /** Answer the open input box (e.g. a command's question) with `text`. */
  async answerInputBox(text: string): Promise<void> {
    const input = this.quickInput().locator('input.input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(text);
    await this.page.keyboard.press('Enter');
  }

  /** The rows of the open quick pick, as text. */
  async quickPickRows(timeout = 60_000): Promise<string[]> {
    const rows = this.quickInput().locator('.quick-input-list .monaco-list-row');
    await rows.first().waitFor({ timeout });
    return (await rows.allTextContents()).map((t) => t.trim());
  }

  /** Choose the quick pick row that contains `text`. */
  async chooseQuickPickRow(text: string): Promise<void> {
    await this.quickInput().locator('.quick-input-list .monaco-list-row', { hasText: text }).first().click();
  }

  /** Give the keyboard to the workbench (no input box, no webview). */
  async focusWorkbench(): Promise<void> {
    if (await this.quickInput().isVisible()) {
      await this.page.keyboard.press('Escape');
    }
  }

  /** The first `word` (a whole token) in the visible lines of the active editor. */
  private editorToken(word: string): Locator {
    const editor = this.page.locator('.editor-group-container.active .monaco-editor').first();
    return editor.locator('.view-line span span', { hasText: new RegExp(`^${word}$`) }).first();
  }

  /** Click into the first `word` in the visible lines of the active editor (the cursor goes there). */
  async clickWord(word: string): Promise<void> {
    const token = this.editorToken(word);
    await token.waitFor({ timeout: 15_000 });
    await token.click();
  }

  /** Move the mouse onto the first `word` in the visible lines of the active editor and wait for a hover whose text matches `expect`. */
  async hoverWord(word: string, expect: RegExp, timeout = 60_000): Promise<Locator> {
    const token = this.editorToken(word);
    await token.waitFor({ timeout: 15_000 });
    const hover = this.page.locator('.monaco-hover:not(.hidden)', { hasText: expect }).first();
    const deadline = Date.now() + timeout;
    // Hover shows after a delay and hides when the mouse leaves: move onto the word again
    // until the hover has the expected content (the server may still be answering).
    for (;;) {
      const box = await token.boundingBox();
      if (!box) {
        throw new Error(`"${word}" is not visible in the editor`);
      }
      await this.page.mouse.move(box.x + 2, box.y + box.height / 2);
      await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
      try {
        await hover.waitFor({ state: 'visible', timeout: 5_000 });
        return hover;
      } catch (e) {
        if (Date.now() > deadline) {
          throw e;
        }
        await this.page.mouse.move(0, 0);
      }
    }
  }

  /** The notification toasts' texts. */
  async notifications(): Promise<string[]> {
    return (await this.page.locator('.notifications-toasts .notification-toast').allTextContents()).map((t) => t.trim());
  }

  /** Wait for a notification toast whose text matches `pattern`. */
  async waitForNotification(pattern: RegExp, timeout = 60_000): Promise<Locator> {
    const toast = this.page.locator('.notifications-toasts .notification-toast', { hasText: pattern }).first();
    await toast.waitFor({ state: 'visible', timeout });
    return toast;
  }

  /**
   * The frame of a webview (the answer view) whose text (of `selector`, default the body)
   * contains `text` or matches it.
   */
  async webviewFrameWith(text: string | RegExp, selector = 'body', timeout = 60_000): Promise<Frame> {
    const deadline = Date.now() + timeout;
    for (;;) {
      for (const frame of this.page.frames()) {
        if (frame === this.page.mainFrame()) {
          continue;
        }
        const shown = await frame.evaluate((sel) => document.querySelector<HTMLElement>(sel)?.innerText ?? '', selector).catch(() => '');
        if (typeof text === 'string' ? shown.includes(text) : text.test(shown)) {
          return frame;
        }
      }
      if (Date.now() > deadline) {
        throw new Error(`no webview shows ${String(text)}`);
      }
      await this.page.waitForTimeout(200);
    }
  }

  /**
   * Wait until an editor group shows the file named `base` (its active tab) with a selection
   * whose cursor is on `line` (1-based): from the status bar when that editor has the focus,
   * else from the editor's own rendering (after a click in the answer view, the focus may
   * stay with the webview, and the status bar then hides the editor's items).
   */
  async waitForSelection(base: string, line: number, timeout = 15_000): Promise<void> {
    await this.page.waitForFunction(
      ({ base, line }) => {
        for (const group of Array.from(document.querySelectorAll('.editor-group-container'))) {
          const tab = group.querySelector('.tabs-container .tab.active')?.textContent?.trim() ?? '';
          if (!tab.startsWith(base)) {
            continue;
          }
          const status = document.getElementById('status.editor.selection')?.textContent ?? '';
          if (group.classList.contains('active') && new RegExp(`Ln ${line}, Col \\d+ \\(\\d+ selected\\)`).test(status)) {
            return true;
          }
          const editor = group.querySelector('.monaco-editor');
          const cursorLine = editor?.querySelector('.line-numbers.active-line-number')?.textContent?.trim();
          if (cursorLine === String(line) && editor?.querySelector('.selected-text')) {
            return true;
          }
        }
        return false;
      },
      { base, line },
      { timeout, polling: 50 },
    );
  }

  /** The active editor tab's label. */
  async activeTab(): Promise<string> {
    return ((await this.page.locator('.editor-group-container.active .tabs-container .tab.active').first().textContent()) ?? '').trim();
  }
}
