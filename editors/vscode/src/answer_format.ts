// An `ail/context` answer as markdown for the answer view: notices (index still building,
// answered from the cache), the summary with its `[n]` markers as links, the places, the
// line's last change, the file's history, warnings and a footer. Each place says when its
// file is not the project's own code ("vendored", "generated", ...) and where the same text
// is copied. Places link to `#place-N` (N: the place's index in `results`) and their copies
// to `#place-N-copy-M`, which the answer view opens in the editor. No `vscode` import, so it
// is unit-tested in plain Node.

import { escapeMarkdown, fileKindTag, placeLabel } from './format';
import type { ContextResult } from './lsp_ext';

/** The link target of the place at `index` in an answer's results, or of its copy number `copy`. */
export function placeHref(index: number, copy?: number): string {
  return copy === undefined ? `#place-${index}` : `#place-${index}-copy-${copy}`;
}

/** What a `#place-N` or `#place-N-copy-M` link opens, or undefined for any other link. */
export function placeTarget(href: string): { index: number; copy?: number } | undefined {
  const m = /^#place-(\d+)(?:-copy-(\d+))?$/.exec(href);
  if (!m) {
    return undefined;
  }
  return m[2] === undefined ? { index: Number(m[1]) } : { index: Number(m[1]), copy: Number(m[2]) };
}

/** What the person should know before reading the answer. */
export function answerNotices(result: ContextResult): string[] {
  const notices: string[] = [];
  if (result.index.state !== 'ready') {
    notices.push(
      `**The index is still being built** (${result.index.files} files so far): this answer may miss places. Ask again once the status bar shows the size of the index.`,
    );
  }
  if (result.cache === 'exact') {
    notices.push('**Answered from the cache:** this question was answered before, and the files it cites have not changed since.');
  } else if (result.cache === 'semantic') {
    notices.push('**Answered from the cache:** a near-identical question was answered before, and the files it cites have not changed since.');
  }
  return notices;
}

/**
 * The summary with each `[n]` citation marker made a link to its place (shown as `[n]`).
 * Code spans are left alone: `a[1]` there is code, not a citation.
 */
export function linkCitations(summary: string, result: ContextResult): string {
  return summary
    .split(/(`+[^`]*`+)/)
    .map((part, i) => {
      if (i % 2 === 1) {
        return part;
      }
      return part.replace(/\[(\d+)\](?![(:[])/g, (marker, id: string) => {
        const index = result.results.findIndex((r) => r.citation === Number(id));
        return index >= 0 ? `[\\[${id}\\]](${placeHref(index)})` : marker;
      });
    })
    .join('');
}

export function answerMarkdown(result: ContextResult): string {
  const out: string[] = [];
  out.push(`# ${escapeMarkdown(result.question)}`, '');
  for (const notice of answerNotices(result)) {
    out.push(`> ${notice}`, '');
  }
  if (result.summary.trim() !== '') {
    out.push(linkCitations(result.summary, result), '');
  }
  for (const warning of result.warnings ?? []) {
    out.push(`> ⚠ ${escapeMarkdown(warning)}`, '');
  }
  if (result.results.length === 0) {
    out.push('No places found.', '');
  } else {
    out.push('## Places', '');
    result.results.forEach((item, i) => {
      const citation = result.citations.find((c) => c.id === item.citation);
      const symbol = item.symbol ? ` \`${item.symbol.replace(/`/g, "'")}\`` : '';
      const permalink = citation && /^https?:/.test(citation.url) ? ` ([permalink](${citation.url}))` : '';
      const tag = fileKindTag(item.fileKind);
      const copies = (item.copies ?? []).map((c, j) => `[${escapeMarkdown(placeLabel(c.path, c.range))}](${placeHref(i, j)})`);
      out.push(
        `${i + 1}. [${escapeMarkdown(placeLabel(item.path, item.range))}](${placeHref(i)})${symbol} ${item.kind}, score ${item.score.toFixed(2)}${tag ? ` · _${tag}_` : ''}${permalink}${copies.length > 0 ? ` · also in ${copies.join(', ')}` : ''}`,
      );
    });
    out.push('');
  }
  const blame = result.blame?.[0];
  if (blame) {
    out.push(
      `**Last change of this line:** \`${blame.sha.slice(0, 8)}\` by ${escapeMarkdown(blame.author)} on ${blame.date.slice(0, 10)}: ${escapeMarkdown(blame.summary)}`,
      '',
    );
  }
  const latest = result.history?.commits[0];
  if (result.history && latest) {
    const n = result.history.totalCommits;
    out.push(
      `**History of ${escapeMarkdown(result.history.path)}:** ${n} commit${n === 1 ? '' : 's'}${result.history.complete ? '' : ' so far'}, latest ${latest.date.slice(0, 10)} by ${escapeMarkdown(latest.author)}: ${escapeMarkdown(latest.summary)}`,
      '',
    );
  }
  out.push(
    `_Confidence ${result.confidence.toFixed(2)} · cache ${result.cache} · ${(result.timingsMs.total ?? 0).toFixed(1)} ms · index ${result.index.state}, ${result.index.files} files, ${result.index.chunks} chunks_`,
  );
  return out.join('\n') + '\n';
}
