// A terminal program run in tmux, on a tmux server of its own: type into it, wait for the
// screen to show something, capture the screen with its colours, and render a capture as
// HTML (one span per run of equally styled cells) for a browser to take a picture of.

import { execFileSync } from 'node:child_process';

export class Tmux {
  private constructor(
    private readonly socket: string,
    readonly width: number,
    readonly height: number,
  ) {}

  /** Start `command` (argv) in a detached session of `width`×`height` cells, with `env` added. */
  static start(socket: string, command: string[], width: number, height: number, env: Record<string, string>, cwd: string): Tmux {
    const t = new Tmux(socket, width, height);
    const vars = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    t.tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(width), '-y', String(height), '-c', cwd, ...vars, ...command);
    // Colours as the program sends them (24-bit), and no status line of tmux's own.
    t.tmux('set-option', '-g', 'status', 'off');
    return t;
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', timeout: 10_000 });
  }

  /** Type `keys` (tmux key names: `Enter`, `Escape`, `C-w`), or literal text with `literal`. */
  send(keys: string, literal = false): void {
    this.tmux('send-keys', '-t', 'main', ...(literal ? ['-l', keys] : [keys]));
  }

  /** Type a line of text, then Enter. */
  type(text: string): void {
    this.send(text, true);
    this.send('Enter');
  }

  /** The screen as plain text. */
  text(): string {
    return this.tmux('capture-pane', '-p', '-t', 'main');
  }

  /** The screen with its colours and attributes (SGR escapes). */
  styled(): string {
    return this.tmux('capture-pane', '-p', '-e', '-N', '-t', 'main');
  }

  /** Wait until the screen matches `pattern`; returns the screen. */
  async waitFor(what: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.text();
      if (pattern.test(screen)) {
        return screen;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; the screen:\n${screen}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** End the tmux server of this run (and the program in it). */
  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // Already gone.
    }
  }
}

/** The 16 basic colours, as xterm shows them. */
const basic = ['#000000', '#cd0000', '#00cd00', '#cdcd00', '#0000ee', '#cd00cd', '#00cdcd', '#e5e5e5', '#7f7f7f', '#ff0000', '#00ff00', '#ffff00', '#5c5cff', '#ff00ff', '#00ffff', '#ffffff'];

/** A colour of the 256-colour palette. */
export function paletteColour(n: number): string {
  if (n < 16) {
    return basic[n];
  }
  if (n < 232) {
    const c = n - 16;
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    const hex = (v: number) => level(v).toString(16).padStart(2, '0');
    return `#${hex(Math.floor(c / 36))}${hex(Math.floor(c / 6) % 6)}${hex(c % 6)}`;
  }
  const grey = (8 + (n - 232) * 10).toString(16).padStart(2, '0');
  return `#${grey}${grey}${grey}`;
}

interface Style {
  fg?: string;
  bg?: string;
  bold?: boolean;
  italic?: boolean;
  underline?: boolean;
  reverse?: boolean;
}

/** Apply one SGR sequence's parameters to `style`. */
export function applySgr(style: Style, params: number[]): Style {
  const s = { ...style };
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p === 0) {
      for (const k of Object.keys(s)) {
        delete s[k as keyof Style];
      }
    } else if (p === 1) {
      s.bold = true;
    } else if (p === 3) {
      s.italic = true;
    } else if (p === 4) {
      s.underline = true;
    } else if (p === 7) {
      s.reverse = true;
    } else if (p === 22) {
      s.bold = false;
    } else if (p === 23) {
      s.italic = false;
    } else if (p === 24) {
      s.underline = false;
    } else if (p === 27) {
      s.reverse = false;
    } else if (p >= 30 && p <= 37) {
      s.fg = basic[p - 30];
    } else if (p >= 90 && p <= 97) {
      s.fg = basic[p - 90 + 8];
    } else if (p >= 40 && p <= 47) {
      s.bg = basic[p - 40];
    } else if (p >= 100 && p <= 107) {
      s.bg = basic[p - 100 + 8];
    } else if (p === 39) {
      delete s.fg;
    } else if (p === 49) {
      delete s.bg;
    } else if (p === 38 || p === 48) {
      let colour: string | undefined;
      if (params[i + 1] === 5) {
        colour = paletteColour(params[i + 2] ?? 0);
        i += 2;
      } else if (params[i + 1] === 2) {
        const [r, g, b] = [params[i + 2] ?? 0, params[i + 3] ?? 0, params[i + 4] ?? 0];
        colour = `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
        i += 4;
      }
      if (p === 38) {
        s.fg = colour;
      } else {
        s.bg = colour;
      }
    }
  }
  return s;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function css(style: Style, defaults: { fg: string; bg: string }): string {
  let fg = style.fg ?? defaults.fg;
  let bg = style.bg ?? defaults.bg;
  if (style.reverse) {
    [fg, bg] = [bg, fg];
  }
  const parts = [`color:${fg}`, `background:${bg}`];
  if (style.bold) {
    parts.push('font-weight:bold');
  }
  if (style.italic) {
    parts.push('font-style:italic');
  }
  if (style.underline) {
    parts.push('text-decoration:underline');
  }
  return parts.join(';');
}

/** An HTML page showing a styled capture as a terminal window of `width` cells. */
export function captureHtml(capture: string, width: number, defaults = { fg: '#e0e2ea', bg: '#14161b' }): string {
  const lines = capture.replace(/\n$/, '').split('\n');
  let style: Style = {};
  const rows = lines.map((line) => {
    let html = '';
    let cells = 0;
    // SGR escapes (ESC [ params m) are the only ones a capture holds.
    // eslint-disable-next-line no-control-regex
    for (const part of line.split(/(\x1b\[[\d;:]*m)/)) {
      // eslint-disable-next-line no-control-regex
      const sgr = /^\x1b\[([\d;:]*)m$/.exec(part);
      if (sgr) {
        style = applySgr(style, sgr[1] === '' ? [0] : sgr[1].split(/[;:]/).map(Number));
      } else if (part !== '') {
        html += `<span style="${css(style, defaults)}">${escapeHtml(part)}</span>`;
        cells += [...part].length;
      }
    }
    // Fill the rest of the row with the current background, as the terminal does.
    if (cells < width) {
      html += `<span style="${css({ bg: style.bg, reverse: style.reverse }, defaults)}">${' '.repeat(width - cells)}</span>`;
    }
    return html;
  });
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body { margin: 0; background: ${defaults.bg}; }
pre { margin: 0; padding: 8px; display: inline-block; font: 14px/1.25 'DejaVu Sans Mono', monospace; background: ${defaults.bg}; color: ${defaults.fg}; }
</style></head><body><pre id="screen">${rows.join('\n')}</pre></body></html>`;
}
