// Binary discovery against real files in temporary directories: PATH, a configured path, and
// the message when neither works.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { findServer, looksLikePath, nodeHost, type Host } from '../../src/binary';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ail-binary-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

function executable(dir: string, name = 'ail'): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\necho "ail 9.9.9"\n');
  fs.chmodSync(file, 0o755);
  return file;
}

function host(env: Record<string, string>, home = root): Host {
  return { ...nodeHost(), platform: 'linux', env, home };
}

test('a bare name is found on PATH, first match wins', () => {
  const first = executable(path.join(root, 'path-a'));
  executable(path.join(root, 'path-b'));
  const found = findServer('ail', host({ PATH: [path.join(root, 'empty'), path.join(root, 'path-a'), path.join(root, 'path-b')].join(':') }));
  assert.deepEqual(found, { ok: true, path: first, source: 'PATH' });
});

test('a file on PATH that is not executable is skipped', () => {
  const dir = path.join(root, 'not-exec');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'ail'), 'data');
  const good = executable(path.join(root, 'exec'));
  const found = findServer('ail', host({ PATH: `${dir}:${path.join(root, 'exec')}` }));
  assert.deepEqual(found, { ok: true, path: good, source: 'PATH' });
});

test('a configured absolute path is used as is', () => {
  const file = executable(path.join(root, 'configured'), 'ail-dev');
  assert.deepEqual(findServer(file, host({ PATH: '' })), { ok: true, path: file, source: 'setting' });
});

test('a configured path expands ~ and resolves relative paths against the workspace folder', () => {
  const file = executable(path.join(root, 'home', 'bin'));
  assert.deepEqual(findServer('~/bin/ail', host({}, path.join(root, 'home'))), { ok: true, path: file, source: 'setting' });
  const inRepo = executable(path.join(root, 'repo', 'target', 'debug'));
  assert.deepEqual(findServer('./target/debug/ail', host({}), path.join(root, 'repo')), { ok: true, path: inRepo, source: 'setting' });
  assert.deepEqual(findServer('${workspaceFolder}/target/debug/ail', host({}), path.join(root, 'repo')), {
    ok: true,
    path: inRepo,
    source: 'setting',
  });
});

test('missing on PATH: the message names the binary, how to install it, and the setting', () => {
  const found = findServer('ail', host({ PATH: path.join(root, 'empty') }));
  assert.equal(found.ok, false);
  if (!found.ok) {
    assert.match(found.message, /`ail` was not found on PATH/);
    assert.match(found.message, /cargo install --path \./);
    assert.match(found.message, /"ail\.server\.path"/);
  }
});

test('a configured path that does not exist, is not executable, or is a directory says so', () => {
  const missing = findServer(path.join(root, 'nope', 'ail'), host({}));
  assert.ok(!missing.ok && /which does not exist/.test(missing.message));
  const plain = path.join(root, 'plain-file');
  fs.writeFileSync(plain, 'data');
  const notExec = findServer(plain, host({}));
  assert.ok(!notExec.ok && notExec.message.includes(`run \`chmod +x ${plain}\``));
  const dir = findServer(root + '/', host({}));
  assert.ok(!dir.ok && /is a directory/.test(dir.message));
});

test('on Windows a bare name tries PATHEXT extensions', () => {
  const files = new Set(['C:\\tools\\ail.EXE']);
  const win: Host = {
    platform: 'win32',
    env: { PATH: 'C:\\empty;C:\\tools', PATHEXT: '.COM;.EXE' },
    home: 'C:\\Users\\ada',
    isExecutableFile: (f) => files.has(f),
    exists: (f) => files.has(f),
    isDirectory: () => false,
  };
  assert.deepEqual(findServer('ail', win), { ok: true, path: 'C:\\tools\\ail.EXE', source: 'PATH' });
  assert.equal(looksLikePath('C:\\tools\\ail.exe'), true);
  assert.equal(looksLikePath('ail'), false);
});
