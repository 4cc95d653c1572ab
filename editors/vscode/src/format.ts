// What people see, as plain data: the `ail/context` request built from the editor state, the
// quick pick items for an answer, the markdown for the index status, and the status bar text. No `vscode` import, so it is unit-tested in plain Node.

import type { ContextParams, ContextResult, Position, Range, ResultItem, StatusResult } from './lsp_ext';

/** The default and the bounds of `limit`, from the protocol. */
export const defaultLimit = 10;

/**
 * The `ail/context` params for a question about a document and cursor. An empty question is
 * left out, so the server asks about the code at the position.
 */
export function contextParams(question: string | undefined, uri?: string, position?: Position, limit = defaultLimit): ContextParams {
  const params: ContextParams = {};
  const q = (question ?? '').trim();
  if (q !== '') {
    params.question = q;
  }
  if (uri !== undefined) {
    params.textDocument = { uri };
  }
  if (position !== undefined) {
    params.position = { line: position.line, character: position.character };
  }
  params.limit = Math.min(100, Math.max(1, Math.round(limit)));
  return params;
}

/** 1-based first and last line of a range whose end is exclusive at character 0. */
export function rangeLines(range: Range): [number, number] {
  const first = range.start.line + 1;
  const last = range.end.character > 0 ? range.end.line + 1 : range.end.line;
  return [first, Math.max(first, last)];
}

/** `src/cache.rs:31-58` */
export function placeLabel(path: string, range: Range): string {
  const [first, last] = rangeLines(range);
  return first === last ? `${path}:${first}` : `${path}:${first}-${last}`;
}

/** The range to select when opening a place: its lines, without the trailing empty line. */
export function selectionRange(range: Range): Range {
  const [first, last] = rangeLines(range);
  return { start: { line: first - 1, character: 0 }, end: { line: last - 1, character: Number.MAX_SAFE_INTEGER } };
}

function firstLine(text: string | null | undefined): string {
  for (const line of (text ?? '').split('\n')) {
    if (line.trim() !== '') {
      return line.trim();
    }
  }
  return '';
}

/** Codicon for a chunk kind. */
export function kindIcon(kind: string): string {
  switch (kind) {
    case 'function':
    case 'method':
      return '$(symbol-method)';
    case 'class':
    case 'struct':
    case 'impl':
    case 'trait':
    case 'interface':
    case 'enum':
      return '$(symbol-class)';
    case 'section':
      return '$(markdown)';
    case 'module':
      return '$(symbol-namespace)';
    default:
      return '$(file-code)';
  }
}

/**
 * The short tag of a place's file kind ("vendored", "generated", "test", "documentation"), or
 * '' for the project's own code and for a server that does not say.
 */
export function fileKindTag(fileKind: string | undefined): string {
  return fileKind === undefined || fileKind === '' || fileKind === 'first-party' ? '' : fileKind;
}

/** "1 copy" / "3 copies", or '' without copies. */
export function copiesCount(item: ResultItem): string {
  const n = item.copies?.length ?? 0;
  return n === 0 ? '' : `${n} cop${n === 1 ? 'y' : 'ies'}`;
}

export interface PlaceItem {
  label: string;
  description: string;
  detail: string;
  result: ResultItem;
}

/** One quick pick item per result, best first; places outside the project's own code and places copied elsewhere say so. */
export function placeItems(result: ContextResult): PlaceItem[] {
  return result.results.map((item) => ({
    label: `${kindIcon(item.kind)} ${item.symbol ?? placeLabel(item.path, item.range)}`,
    description: [
      `${item.symbol ? placeLabel(item.path, item.range) + ' · ' : ''}${item.kind} · ${item.score.toFixed(2)} [${item.citation}]`,
      fileKindTag(item.fileKind),
      copiesCount(item),
    ]
      .filter((part) => part !== '')
      .join(' · '),
    detail: firstLine(item.snippet),
    result: item,
  }));
}

/** Text that markdown shows as written. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_[\]<>|])/g, '\\$1');
}

/** 1234567 -> "1.2 MiB". */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) {
    return '?';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return i === 0 ? `${value} B` : `${value.toFixed(1)} ${units[i]}`;
}

/** 1234 -> "1,234", the same on every machine. */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Markdown for an `ail/status` answer. */
export function statusMarkdown(status: StatusResult, workspacePath?: string): string {
  const out = ['# AIL index status', ''];
  out.push(`- **Workspace:** ${escapeMarkdown(workspacePath ?? status.workspace ?? '(none)')}`);
  out.push(`- **State:** ${status.state}`);
  out.push(`- **Files:** ${formatCount(status.files)}, **chunks:** ${formatCount(status.chunks)}, generation ${status.generation}`);
  out.push(`- **Index:** ${formatBytes(status.indexBytes)} in memory${status.indexPath ? `, on disk at \`${status.indexPath}\`` : ''}`);
  out.push(`- **Server memory (RSS):** ${formatBytes(status.rssBytes)}`);
  if (status.skipped) {
    const parts = Object.entries(status.skipped)
      .filter(([, n]) => n > 0)
      .map(([why, n]) => `${n} ${why}`);
    if (parts.length > 0) {
      out.push(`- **Skipped files:** ${parts.join(', ')}`);
    }
  }
  if (status.git) {
    const n = status.git.commits;
    const commits = n !== undefined ? `, ${formatCount(n)} commit${n === 1 ? '' : 's'}` : '';
    const reason = status.git.reason ? ` (${escapeMarkdown(status.git.reason)})` : '';
    out.push(`- **Git:** ${status.git.state}${commits}${reason}`);
  }
  const c = status.cache;
  out.push(
    `- **Answer cache:** ${c.entries} entries, ${c.hits} hits (${c.exactHits} exact, ${c.semanticHits} semantic), ${c.misses} misses, hit rate ${Math.round(c.hitRate * 100)}%`,
  );
  const l = status.latencyMs;
  if (l.count > 0) {
    out.push(`- **Latency** over ${l.count} requests: p50 ${l.p50.toFixed(1)} ms, p95 ${l.p95.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms`);
  }
  if (status.fallbacks && status.fallbacks.length > 0) {
    out.push(`- **Fallbacks in use:** ${status.fallbacks.join(', ')} (the logs say why)`);
  }
  return out.join('\n') + '\n';
}

/** What the status bar item shows. */
export type BarState =
  | { kind: 'starting' }
  | { kind: 'indexing'; percentage?: number; message?: string }
  | { kind: 'ready'; files: number; chunks: number }
  | { kind: 'failed'; reason: string }
  | { kind: 'stopped' };

export function statusBarText(state: BarState): { text: string; tooltip: string } {
  switch (state.kind) {
    case 'starting':
      return { text: '$(loading~spin) AIL', tooltip: 'AIL: starting the server' };
    case 'indexing': {
      const pct = state.percentage !== undefined ? ` ${Math.round(state.percentage)}%` : '';
      return {
        text: `$(sync~spin) AIL${pct}`,
        tooltip: `AIL: indexing${state.message ? ` (${state.message})` : ''}; answers are partial until it ends`,
      };
    }
    case 'ready':
      return {
        text: `$(database) AIL ${formatCount(state.files)} files · ${formatCount(state.chunks)} chunks`,
        tooltip: 'AIL: index ready. Click for the index status.',
      };
    case 'failed':
      return { text: '$(error) AIL', tooltip: `AIL: the server is not running: ${state.reason.replace(/\.$/, '')}. Click to show the logs.` };
    case 'stopped':
      return { text: '$(circle-slash) AIL', tooltip: 'AIL: the server is stopped. Run "AIL: Restart Server" to start it.' };
  }
}
