// A server that fails: when to restart it and when to give up, the one message a person sees,
// and what the server last wrote to stderr so that message can say why. No `vscode` import.

/**
 * At most `maxRestarts` restarts within `windowMs` (the language client's own limit: 4 in 3
 * minutes), so a binary that exits at once is not restarted forever. The clock is injected so
 * that tests need no waiting.
 */
export class RestartPolicy {
  private restarts: number[] = [];

  constructor(
    readonly maxRestarts = 4,
    readonly windowMs = 3 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Record that the server stopped; true when it should be restarted. */
  shouldRestart(): boolean {
    const t = this.now();
    this.restarts = this.restarts.filter((at) => t - at < this.windowMs);
    if (this.restarts.length >= this.maxRestarts) {
      return false;
    }
    this.restarts.push(t);
    return true;
  }

  /** Forget past restarts (after the person restarts the server by hand). */
  reset(): void {
    this.restarts = [];
  }
}

/**
 * Whether to restart a server whose connection closed. One that never got as far as running
 * would fail the same way again, so it is not restarted; one that ran is, within the policy.
 */
export function restartAfterClose(ranOnce: boolean, policy: RestartPolicy): boolean {
  return ranOnce && policy.shouldRestart();
}

/**
 * Shows at most one failure message per start: the language client reports a failed start,
 * its closed connection and each failed restart, and a person needs to hear it once.
 */
export class FailureNotice {
  private shown = false;

  constructor(private readonly show: (message: string) => void) {}

  /** Show `message` unless one was shown since the last `reset`. Returns whether it was shown. */
  report(message: string): boolean {
    if (this.shown) {
      return false;
    }
    this.shown = true;
    this.show(message);
    return true;
  }

  /** The server is running again (or the person restarted it): the next failure is news. */
  reset(): void {
    this.shown = false;
  }
}

/** The last lines a process wrote (to stderr), kept as they arrive in chunks. */
export class OutputTail {
  private lines: string[] = [];
  private partial = '';

  constructor(private readonly keep = 50) {}

  push(chunk: string): void {
    // Colour codes mean nothing in a message.
    // eslint-disable-next-line no-control-regex
    const parts = (this.partial + chunk).replace(/\x1b\[[\d;]*[A-Za-z]/g, '').split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > this.keep) {
      this.lines.splice(0, this.lines.length - this.keep);
    }
  }

  /** The kept lines, including an unfinished last one. */
  all(): string[] {
    return this.partial === '' ? [...this.lines] : [...this.lines, this.partial];
  }

  /** The last line with something on it. */
  lastLine(): string | undefined {
    const all = this.all();
    for (let i = all.length - 1; i >= 0; i--) {
      const line = all[i].trim();
      if (line !== '') {
        return line;
      }
    }
    return undefined;
  }
}

/** How the server process ended, as far as the extension saw it. */
export interface ServerExit {
  code?: number | null;
  signal?: string | null;
  spawnError?: string;
  lastLine?: string;
}

/** The one-line message for a server that did not start or stopped. */
export function failureMessage(binary: string, exit: ServerExit | undefined, clientMessage?: string): string {
  if (exit?.spawnError) {
    return `AIL: could not start ${binary}: ${exit.spawnError}`;
  }
  if (exit && (exit.code !== undefined || exit.signal)) {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    return `AIL: the server ${how}${exit.lastLine ? `: ${exit.lastLine}` : ''}`;
  }
  return `AIL: the server could not start${clientMessage ? `: ${clientMessage}` : ''}`;
}
