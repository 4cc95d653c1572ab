// Settings: defaults, wrong types falling back, the object sent to the server, and what a change means.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeEffect, defaults, expandPath, readConfig, serverSettings, settingsCommand } from '../../src/config';

function getter(values: Record<string, unknown>) {
  return (key: string) => values[key];
}

test('nothing set gives the package.json defaults', () => {
  assert.deepEqual(readConfig(getter({})), defaults);
});

test('values of the wrong type fall back to their defaults', () => {
  const config = readConfig(
    getter({
      'server.path': 42,
      'trace.server': 'loud',
      maxFileSize: -5,
      exclude: ['vendor/**', 3, '  '],
      exactSearch: 'yes',
      'server.extraEnv': { AIL_LOG: 'debug', BAD: 1 },
    }),
  );
  assert.equal(config.serverPath, 'ail');
  assert.equal(config.trace, 'off');
  assert.equal(config.maxFileSize, 1048576);
  assert.deepEqual(config.exclude, ['vendor/**']);
  assert.equal(config.exactSearch, false);
  assert.deepEqual(config.serverExtraEnv, { AIL_LOG: 'debug' });
});

test('a blank server path means the default `ail` on PATH', () => {
  assert.equal(readConfig(getter({ 'server.path': '   ' })).serverPath, 'ail');
});

test('the server gets its own settings only, with empty directories left out', () => {
  const settings = serverSettings(readConfig(getter({})), { home: '/home/ada' });
  assert.deepEqual(settings, { maxFileSize: 1048576, exclude: [], exactSearch: false, parallelStages: false, cache: true, semanticCache: true, persist: true });
  assert.equal(JSON.stringify(settings).includes('server'), false, 'no client-only keys reach the server');
});

test('directory settings expand ~ and ${workspaceFolder}', () => {
  const config = readConfig(getter({ modelDir: '~/models/potion', cacheDir: '${workspaceFolder}/.ail-cache' }));
  const settings = serverSettings(config, { home: '/home/ada', workspaceFolder: '/src/repo' });
  assert.equal(settings.modelDir, '/home/ada/models/potion');
  assert.equal(settings.cacheDir, '/src/repo/.ail-cache');
  assert.equal(expandPath('~', { home: '/h' }), '/h');
  assert.equal(expandPath('/abs/~x', { home: '/h' }), '/abs/~x');
});

test('server settings use exactly the keys the server knows', () => {
  const settings = serverSettings(readConfig(getter({ modelDir: '/m', cacheDir: '/c' })), { home: '/h' });
  assert.deepEqual(Object.keys(settings).sort(), ['cache', 'cacheDir', 'exactSearch', 'exclude', 'maxFileSize', 'modelDir', 'parallelStages', 'persist', 'semanticCache']);
});

test('the semantic cache and parallel stages switches reach the server as set', () => {
  const settings = serverSettings(readConfig(getter({ semanticCache: false, parallelStages: true })), { home: '/h' });
  assert.equal(settings.semanticCache, false);
  assert.equal(settings.parallelStages, true);
  assert.equal(changeEffect((section) => section === 'ail.semanticCache'), 'notify');
  assert.equal(changeEffect((section) => section === 'ail.parallelStages'), 'notify');
});

test('changing the binary restarts; changing server settings notifies; tracing needs neither', () => {
  const affects = (changed: string) => (section: string) => section === changed;
  assert.equal(changeEffect(affects('ail.server.path')), 'restart');
  assert.equal(changeEffect(affects('ail.server.extraEnv')), 'restart');
  assert.equal(changeEffect(affects('ail.exclude')), 'notify');
  assert.equal(changeEffect(affects('ail.trace.server')), 'none');
  assert.equal(changeEffect(affects('editor.fontSize')), 'none');
});

test('"Open Settings" goes where the server path can be fixed', () => {
  assert.deepEqual(settingsCommand('ail.server.path', { workspaceValue: '/bad' }, undefined), ['workbench.action.openWorkspaceSettings', { query: 'ail.server.path' }]);
  assert.deepEqual(settingsCommand('ail.server.path', { globalValue: '/x', workspaceFolderValue: '/bad' }, 'ssh-remote'), [
    'workbench.action.openWorkspaceSettings',
    { query: 'ail.server.path' },
  ]);
  assert.deepEqual(settingsCommand('ail.server.path', { globalValue: '/bad' }, 'ssh-remote'), ['workbench.action.openRemoteSettings', { query: 'ail.server.path' }]);
  assert.deepEqual(settingsCommand('ail.server.path', {}, undefined), ['workbench.action.openSettings', 'ail.server.path']);
  assert.deepEqual(settingsCommand('ail.server.path', undefined, undefined), ['workbench.action.openSettings', 'ail.server.path']);
});
