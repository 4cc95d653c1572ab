// The suite's small harness: named tests with deadlines, counted and reported as
// "ok"/"FAIL" lines and a closing "N passed, N failed"; screenshots of failures into the
// scratch directory, and of named views into AIL_SCREENSHOTS_DIR when it is set.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';

export interface Context {
  page: Page;
}

export type Test<C> = [name: string, fn: (ctx: C) => Promise<void>];

export class Results {
  passed = 0;
  failed = 0;

  constructor(private readonly failureDir: string) {}

  /** Run `tests` in order; after the first failure the rest of the scenario is reported as failed without running (they build on each other). */
  async run<C extends Context>(scenario: string, ctx: C, tests: Test<C>[], timeoutMs = 120_000): Promise<void> {
    let broken: string | undefined;
    for (const [name, fn] of tests) {
      const label = `${scenario}: ${name}`;
      if (broken !== undefined) {
        this.failed++;
        console.log(`FAIL ${label}\n    not run: "${broken}" failed before it`);
        continue;
      }
      const started = Date.now();
      try {
        await withDeadline(label, fn(ctx), timeoutMs);
        this.passed++;
        console.log(`ok   ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (e) {
        this.failed++;
        broken = name;
        const shot = path.join(this.failureDir, `failure-${this.failed}.png`);
        await ctx.page.screenshot({ path: shot }).catch(() => undefined);
        console.log(`FAIL ${label}\n    ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n    screenshot: ${shot}`);
      }
    }
  }

  /** A scenario that could not even start: its tests count as failed. */
  failAll(scenario: string, names: string[], error: unknown): void {
    for (const name of names) {
      this.failed++;
      console.log(`FAIL ${scenario}: ${name}\n    ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

export function withDeadline<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no result in ${ms / 1000} s`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Screenshots for the documentation, written only when a directory is given. */
export class Screenshots {
  constructor(private readonly dir: string | undefined) {
    if (dir) {
      fs.mkdirSync(dir, { recursive: true });
    }
  }

  get enabled(): boolean {
    return this.dir !== undefined;
  }

  /** Save the page (or the `clip` part of it) as `<name>.png`. */
  async take(page: Page, name: string, clip?: { x: number; y: number; width: number; height: number }): Promise<void> {
    if (!this.dir) {
      return;
    }
    const file = path.join(this.dir, `${name}.png`);
    await page.screenshot({ path: file, clip });
    console.log(`    screenshot ${file}`);
  }
}
