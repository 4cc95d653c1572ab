// Neovim with the AIL plugin in a real terminal (tmux), as a person uses it: the status line
// once indexed, `:Ail context` and its float (which names the vendored copy of the cache), the
// quickfix list, and `K`. Each step waits for
// what the screen must show; with AIL_SCREENSHOTS_DIR set, the screens are also rendered in
// headless Chromium and saved as pictures. Prints "N passed, N failed" last.
//
//   AIL_BIN=target/debug/ail npx tsx test-web/src/nvim_screens.ts      # from editors/vscode

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { Results, Screenshots, type Test } from './harness.ts';
import { Tmux, captureHtml } from './terminal.ts';
import { fixtureWorkspace } from './workspace.ts';

const testWeb = path.resolve(import.meta.dirname, '..');
const repoRoot = path.resolve(testWeb, '../../..');
const plugin = path.join(repoRoot, 'editors', 'nvim');
const fixture = path.join(repoRoot, 'tests', 'fixtures', 'polyglot');
const question = 'how does the cache decide which entry to evict';
const width = 110;
const height = 44;

interface Screen {
  page: Page;
  tmux: Tmux;
  shots: Screenshots;
}

/** Render the current screen in the browser and save it as `name`.png (when pictures are asked for). */
async function picture(s: Screen, name: string): Promise<void> {
  if (!s.shots.enabled) {
    return;
  }
  await s.page.setContent(captureHtml(s.tmux.styled(), width));
  const box = await s.page.locator('#screen').boundingBox();
  await s.shots.take(s.page, name, box ?? undefined);
}

/** Put the cursor on `remove_oldest` where it is defined (line 71), near the top of the window so floats have room below. */
function cursorOnRemoveOldest(s: Screen): void {
  s.tmux.type(":call cursor(71, match(getline(71), 'remove_oldest') + 2) | normal! zt");
  s.tmux.type(':echo ""');
}

const tests: Test<Screen>[] = [
  ['opening a file starts the server; the status line shows the size of the index', async (s) => {
    await s.tmux.waitFor('the status line to show the index', /AIL \d+ files · \d+ chunks/, 60_000);
  }],
  [':Ail context shows the answer in a float, the places first in the cache', async (s) => {
    cursorOnRemoveOldest(s);
    s.tmux.type(`:Ail context ${question}`);
    const screen = await s.tmux.waitFor('the answer float', /# AIL: how does the cache decide[\s\S]*core\/src\/cache\.rs:\d+/);
    if (!/Last change: \w{8} by Ada Lovelace/.test(screen)) {
      throw new Error(`the float has no last change:\n${screen}`);
    }
    if (!/Same text also in vendor\/lru\/src\/cache\.rs: /.test(screen)) {
      throw new Error(`the float does not name the vendored copy of the cache:\n${screen}`);
    }
    await picture(s, 'nvim-context');
  }],
  [':copen lists the cited places in the quickfix list', async (s) => {
    s.tmux.type(':copen');
    await s.tmux.waitFor('the quickfix list', /core\/src\/cache\.rs\|\d+-\d+\| \[1\]/);
    await picture(s, 'nvim-quickfix');
    s.tmux.type(':cclose');
  }],
  ['K on a function shows its last change and related places', async (s) => {
    cursorOnRemoveOldest(s);
    s.tmux.send('K');
    await s.tmux.waitFor('the hover', /Last change:[\s\S]*Related places for remove_oldest/);
    await picture(s, 'nvim-hover');
  }],
];

async function main(): Promise<number> {
  const ail = path.resolve(process.env.AIL_BIN ?? path.join(repoRoot, 'target/debug/ail'));
  if (!fs.existsSync(ail)) {
    throw new Error(`${ail} does not exist: build it with \`cargo build\` or set AIL_BIN`);
  }
  const shotsDir = process.env.AIL_SCREENSHOTS_DIR ? path.resolve(process.env.AIL_SCREENSHOTS_DIR) : undefined;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ail-nvim-screens-'));
  const root = fixtureWorkspace(fixture, scratch, 'bookshelf', { otherKinds: true });
  const init = path.join(scratch, 'init.lua');
  // A person's minimal configuration: the plugin, the status line component, a dark screen.
  fs.writeFileSync(
    init,
    [
      `vim.opt.runtimepath:prepend(${JSON.stringify(plugin)})`,
      `vim.g.ail = { server = { path = ${JSON.stringify(ail)} }, settings = { cacheDir = ${JSON.stringify(path.join(scratch, 'cache'))} } }`,
      "vim.o.termguicolors = true",
      "vim.o.background = 'dark'",
      "vim.o.number = true",
      "vim.o.laststatus = 2",
      "vim.o.statusline = [[%f %= %{v:lua.require'ail'.statusline()} ]]",
      "vim.o.shortmess = vim.o.shortmess .. 'I'",
    ].join('\n'),
  );
  const env = {
    TERM: 'tmux-256color',
    COLORTERM: 'truecolor',
    XDG_CONFIG_HOME: path.join(scratch, 'config'),
    XDG_DATA_HOME: path.join(scratch, 'data'),
    XDG_STATE_HOME: path.join(scratch, 'state'),
    XDG_CACHE_HOME: path.join(scratch, 'xdg-cache'),
  };
  const nvim = process.env.NVIM_BIN ?? 'nvim';
  const tmux = Tmux.start(`ail-screens-${process.pid}`, [nvim, '-u', init, 'core/src/cache.rs'], width, height, env, root);
  const results = new Results(scratch);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await results.run('Neovim in tmux', { page, tmux, shots: new Screenshots(shotsDir) }, tests, 90_000);
  } finally {
    if (results.failed > 0) {
      console.log(`--- the screen\n${tmux.text()}`);
    }
    tmux.kill();
    await browser.close();
  }
  if (results.failed === 0) {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`${results.passed} passed, ${results.failed} failed`);
  return results.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.log(`FAIL Neovim in tmux could not run: ${e instanceof Error ? e.message : String(e)}\n0 passed, 1 failed`);
    process.exit(1);
  },
);
