// The answer view's HTML page: rendered markdown in the editor's colours and fonts, under a
// content security policy that runs only this page's own script. The script turns a click on
// a place link (`#place-N`, or `#place-N-copy-M` for a copy of its text) or a web link into a
// message for the extension, which opens the place in the editor or the link in the browser.
// No `vscode` import.

export interface PageParts {
  title: string;
  /** Rendered markdown (HTML). */
  body: string;
  /** A fresh random value per page; only the script carrying it runs. */
  nonce: string;
  /** The webview's own origin for styles (`webview.cspSource`). */
  cspSource: string;
}

/** Messages the page posts to the extension. */
export type PageMessage = { type: 'openPlace'; index: number; copy?: number } | { type: 'openExternal'; url: string };

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Whether `value` is a message the page sends (the webview is a separate, untrusted context). */
export function isPageMessage(value: unknown): value is PageMessage {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const m = value as Record<string, unknown>;
  if (m.type === 'openPlace') {
    return isIndex(m.index) && (m.copy === undefined || isIndex(m.copy));
  }
  if (m.type === 'openExternal') {
    return typeof m.url === 'string' && /^https?:\/\//.test(m.url);
  }
  return false;
}

const style = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); line-height: 1.5; padding: 0 20px 20px; max-width: 60em; }
h1 { font-size: 1.4em; font-weight: 600; border-bottom: 1px solid var(--vscode-panel-border, transparent); padding-bottom: 0.3em; }
h2 { font-size: 1.15em; font-weight: 600; margin-top: 1.2em; }
a { color: var(--vscode-textLink-foreground); text-decoration: none; }
a:hover { color: var(--vscode-textLink-activeForeground); text-decoration: underline; cursor: pointer; }
code { font-family: var(--vscode-editor-font-family); font-size: 0.95em; background: var(--vscode-textCodeBlock-background); padding: 0.1em 0.3em; border-radius: 3px; }
blockquote { margin: 0.8em 0; padding: 0.3em 1em; border-left: 4px solid var(--vscode-textBlockQuote-border); background: var(--vscode-textBlockQuote-background); }
blockquote p { margin: 0.3em 0; }
ol, ul { padding-left: 1.8em; }
li { margin: 0.15em 0; }
em { color: var(--vscode-descriptionForeground); }
`;

// Plain JavaScript, run in the webview (which has the DOM this extension is not compiled for).
const script = `
const vscode = acquireVsCodeApi();
document.addEventListener('click', (event) => {
  const link = event.target instanceof Element ? event.target.closest('a') : null;
  const href = link ? link.getAttribute('href') || '' : '';
  const place = /^#place-(\\d+)(?:-copy-(\\d+))?$/.exec(href);
  if (place) {
    event.preventDefault();
    const message = { type: 'openPlace', index: Number(place[1]) };
    if (place[2] !== undefined) {
      message.copy = Number(place[2]);
    }
    vscode.postMessage(message);
  } else if (/^https?:\\/\\//.test(href)) {
    event.preventDefault();
    vscode.postMessage({ type: 'openExternal', url: href });
  }
});
`;

export function answerPage(parts: PageParts): string {
  const csp = [
    "default-src 'none'",
    `style-src ${parts.cspSource} 'unsafe-inline'`,
    `img-src ${parts.cspSource} https: data:`,
    `script-src 'nonce-${parts.nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(parts.title)}</title>
<style>${style}</style>
</head>
<body>
${parts.body}
<script nonce="${parts.nonce}">${script}</script>
</body>
</html>
`;
}
