// Restarts, the single failure message, and the stderr tail that explains it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailureNotice, OutputTail, RestartPolicy, failureMessage, restartAfterClose } from '../../src/failure';

test('a server that keeps exiting is restarted 4 times within 3 minutes, then left stopped', () => {
  let now = 0;
  const policy = new RestartPolicy(4, 180_000, () => now);
  const decisions = [];
  for (let i = 0; i < 6; i++) {
    decisions.push(policy.shouldRestart());
    now += 1000;
  }
  assert.deepEqual(decisions, [true, true, true, true, false, false]);
});

test('restarts older than the window no longer count', () => {
  let now = 0;
  const policy = new RestartPolicy(2, 1000, () => now);
  assert.equal(policy.shouldRestart(), true);
  assert.equal(policy.shouldRestart(), true);
  assert.equal(policy.shouldRestart(), false);
  now = 5000;
  assert.equal(policy.shouldRestart(), true);
  policy.reset();
  assert.equal(policy.shouldRestart(), true);
});

test('a server that never ran is not restarted; one that ran is, within the limit', () => {
  const policy = new RestartPolicy(1, 1000, () => 0);
  assert.equal(restartAfterClose(false, policy), false);
  assert.equal(restartAfterClose(true, policy), true);
  assert.equal(restartAfterClose(true, policy), false);
});

test('only the first failure after a reset is shown', () => {
  const shown: string[] = [];
  const notice = new FailureNotice((m) => shown.push(m));
  assert.equal(notice.report('first'), true);
  assert.equal(notice.report('second'), false);
  notice.reset();
  notice.report('third');
  assert.deepEqual(shown, ['first', 'third']);
});

test('the stderr tail joins chunks into lines and keeps the last ones', () => {
  const tail = new OutputTail(3);
  tail.push('INFO start');
  tail.push('ing\nWARN a\r\nERROR could not open ');
  assert.equal(tail.lastLine(), 'ERROR could not open');
  tail.push('/x: permission denied\n\n');
  assert.deepEqual(tail.all(), ['WARN a', 'ERROR could not open /x: permission denied', '']);
  assert.equal(tail.lastLine(), 'ERROR could not open /x: permission denied');
});

test('colour codes are dropped from the tail', () => {
  const tail = new OutputTail();
  tail.push('\x1b[2m2026-01-01\x1b[0m \x1b[31mERROR\x1b[0m the language server is not built yet\n');
  assert.equal(tail.lastLine(), '2026-01-01 ERROR the language server is not built yet');
});

test('failure messages say how the server ended and its last words', () => {
  assert.equal(failureMessage('/bin/ail', { code: 2, lastLine: 'error: unknown flag --foo' }), 'AIL: the server exited with code 2: error: unknown flag --foo');
  assert.equal(failureMessage('/bin/ail', { signal: 'SIGKILL' }), 'AIL: the server was killed by SIGKILL');
  assert.equal(failureMessage('/bin/ail', { spawnError: 'spawn EACCES' }), 'AIL: could not start /bin/ail: spawn EACCES');
  assert.equal(failureMessage('/bin/ail', undefined, 'couldn\'t create connection'), "AIL: the server could not start: couldn't create connection");
});
