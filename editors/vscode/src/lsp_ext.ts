// The AIL server's custom methods, mirrored from docs/protocol.md: `ail/context`,
// `ail/status` and `ail/reindex`. Optional fields are the ones the protocol marks optional or
// says may be absent; the server may add fields, never rename or remove them.

import { RequestType, RequestType0 } from 'vscode-languageserver-protocol';

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface ContextParams {
  /** Required unless `position` is given; then it defaults to the symbol or line there. */
  question?: string;
  /** Biases ranking toward this file and selects whose history is reported. */
  textDocument?: { uri: string };
  /** Selects the lines whose blame is reported. */
  position?: Position;
  /** 1..=100, default 10. */
  limit?: number;
}

export interface ResultItem {
  /** Workspace-relative, `/`-separated. */
  path: string;
  uri: string;
  /** The whole chunk; the end line is exclusive. */
  range: Range;
  score: number;
  symbol: string | null;
  kind: string;
  language?: string;
  snippet: string;
  /** The id of this place's entry in `citations`. */
  citation: number;
  /** "first-party", "vendored", "generated", "test" or "documentation". */
  fileKind?: string;
  /** Other places with the same text, answered here once. */
  copies?: CopyItem[];
}

export interface CopyItem {
  path: string;
  uri: string;
  range: Range;
}

export interface Citation {
  id: number;
  path: string;
  range: Range;
  /** `src/cache.rs:31-58` */
  label: string;
  /** A forge permalink at HEAD, or a `file://` URI with a `#L31-L58` fragment. */
  url: string;
}

export interface Commit {
  sha: string;
  author: string;
  date: string;
  summary: string;
}

export interface History {
  path: string;
  commits: Commit[];
  authors: { name: string; commits: number }[];
  totalCommits: number;
  /** False while only the most recent commits have been read. */
  complete: boolean;
}

export interface BlameRange extends Commit {
  range: Range;
}

export interface IndexSummary {
  /** `indexing` while the first full pass runs (answers are partial), then `ready`. */
  state: string;
  files: number;
  chunks: number;
  generation: number;
}

export interface ContextResult {
  question: string;
  /** Markdown with `[n]` citation markers. */
  summary: string;
  results: ResultItem[];
  citations: Citation[];
  /** Null without git or without a file. */
  history: History | null;
  /** Present only when a position was given and the file is tracked. */
  blame?: BlameRange[] | null;
  confidence: number;
  /** `miss`, `exact` or `semantic`. */
  cache: string;
  timingsMs: Record<string, number>;
  index: IndexSummary;
  warnings?: string[];
}

export interface CacheStats {
  entries: number;
  hits: number;
  misses: number;
  exactHits: number;
  semanticHits: number;
  hitRate: number;
}

export interface LatencyStats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface StatusResult {
  /** `indexing` or `ready`. */
  state: string;
  files: number;
  chunks: number;
  generation: number;
  indexBytes: number;
  rssBytes: number;
  cache: CacheStats;
  latencyMs: LatencyStats;
  workspace: string | null;
  skipped?: { binary: number; tooLarge: number; notUtf8: number; unreadable: number };
  /** `state` is `ready`, `reading` or `unavailable` (then `reason` says why). */
  git?: { state: string; commits?: number; reason?: string };
  fallbacks?: string[];
  indexPath?: string;
}

export const context = new RequestType<ContextParams, ContextResult, void>('ail/context');
export const status = new RequestType0<StatusResult, void>('ail/status');
export const reindex = new RequestType0<null, void>('ail/reindex');

/** JSON-RPC error codes the protocol uses. */
export const ErrorCodes = {
  InvalidParams: -32602,
  RequestCancelled: -32800,
  ServerNotInitialized: -32002,
} as const;
