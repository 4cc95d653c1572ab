// The extension's settings: reading them with their defaults, and turning the server's share
// into the `initializationOptions` / `workspace/didChangeConfiguration` object it expects.
// No `vscode` import, so it is unit-tested in plain Node.

export type TraceSetting = 'off' | 'messages' | 'verbose';

/** The settings this extension contributes, with the types and defaults of package.json. */
export interface AilConfig {
  serverPath: string;
  serverExtraEnv: Record<string, string>;
  trace: TraceSetting;
  maxFileSize: number;
  exclude: string[];
  modelDir: string;
  cacheDir: string;
  exactSearch: boolean;
  parallelStages: boolean;
  cache: boolean;
  semanticCache: boolean;
  persist: boolean;
}

/** What the server reads (camelCase on the wire); an absent key keeps the server's default. */
export interface ServerSettings {
  maxFileSize?: number;
  exclude?: string[];
  modelDir?: string;
  cacheDir?: string;
  exactSearch?: boolean;
  parallelStages?: boolean;
  cache?: boolean;
  semanticCache?: boolean;
  persist?: boolean;
}

export const defaults: AilConfig = {
  serverPath: 'ail',
  serverExtraEnv: {},
  trace: 'off',
  maxFileSize: 1048576,
  exclude: [],
  modelDir: '',
  cacheDir: '',
  exactSearch: false,
  parallelStages: false,
  cache: true,
  semanticCache: true,
  persist: true,
};

/** Setting keys (under `ail.`) that need the server process restarted to take effect. */
export const restartKeys = ['server.path', 'server.extraEnv'] as const;

/** Setting keys (under `ail.`) that the server reads; a change is sent to the running server. */
export const serverKeys = ['maxFileSize', 'exclude', 'modelDir', 'cacheDir', 'exactSearch', 'parallelStages', 'cache', 'semanticCache', 'persist'] as const;

/** Reads one setting under `ail.`; `vscode.workspace.getConfiguration('ail').get` fits. */
export type Getter = (key: string) => unknown;

function str(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

/** The settings in force; a value of the wrong type (hand-edited settings.json) falls back to its default. */
export function readConfig(get: Getter): AilConfig {
  const trace = get('trace.server');
  const maxFileSize = get('maxFileSize');
  const exclude = get('exclude');
  const env = get('server.extraEnv');
  return {
    serverPath: str(get('server.path'), defaults.serverPath).trim() || defaults.serverPath,
    serverExtraEnv:
      env && typeof env === 'object' && !Array.isArray(env)
        ? Object.fromEntries(Object.entries(env as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>
        : {},
    trace: trace === 'messages' || trace === 'verbose' ? trace : 'off',
    maxFileSize:
      typeof maxFileSize === 'number' && Number.isInteger(maxFileSize) && maxFileSize > 0 ? maxFileSize : defaults.maxFileSize,
    exclude: Array.isArray(exclude) ? exclude.filter((e): e is string => typeof e === 'string' && e.trim() !== '') : [],
    modelDir: str(get('modelDir'), ''),
    cacheDir: str(get('cacheDir'), ''),
    exactSearch: bool(get('exactSearch'), defaults.exactSearch),
    parallelStages: bool(get('parallelStages'), defaults.parallelStages),
    cache: bool(get('cache'), defaults.cache),
    semanticCache: bool(get('semanticCache'), defaults.semanticCache),
    persist: bool(get('persist'), defaults.persist),
  };
}

/** Where `~` and `${workspaceFolder}` point, for expanding directory settings. */
export interface PathContext {
  home: string;
  workspaceFolder?: string;
}

/** Expand a leading `~` and `${workspaceFolder}` in a path setting. */
export function expandPath(value: string, ctx: PathContext): string {
  let out = value.trim();
  if (ctx.workspaceFolder !== undefined) {
    out = out.split('${workspaceFolder}').join(ctx.workspaceFolder);
  }
  if (out === '~') {
    return ctx.home;
  }
  if (out.startsWith('~/') || out.startsWith('~\\')) {
    return ctx.home + out.slice(1);
  }
  return out;
}

/** The server's settings object. Empty directories are left out, so the server uses its own defaults. */
export function serverSettings(config: AilConfig, ctx: PathContext): ServerSettings {
  const settings: ServerSettings = {
    maxFileSize: config.maxFileSize,
    exclude: config.exclude,
    exactSearch: config.exactSearch,
    parallelStages: config.parallelStages,
    cache: config.cache,
    semanticCache: config.semanticCache,
    persist: config.persist,
  };
  const modelDir = expandPath(config.modelDir, ctx);
  if (modelDir !== '') {
    settings.modelDir = modelDir;
  }
  const cacheDir = expandPath(config.cacheDir, ctx);
  if (cacheDir !== '') {
    settings.cacheDir = cacheDir;
  }
  return settings;
}

/** What a configuration change means for the running server. */
export function changeEffect(affects: (section: string) => boolean): 'restart' | 'notify' | 'none' {
  if (restartKeys.some((key) => affects(`ail.${key}`))) {
    return 'restart';
  }
  if (serverKeys.some((key) => affects(`ail.${key}`))) {
    return 'notify';
  }
  return 'none';
}

/** Where a setting has a value (the fields of `WorkspaceConfiguration.inspect` that matter here). */
export interface SettingScopes {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * The command (and its argument) that opens the settings editor where `key` can be fixed:
 * the workspace's settings when the workspace sets it (that value wins), else the remote
 * machine's when the window is remote (a machine-overridable setting is not shown among the
 * user settings there), else the user settings.
 */
export function settingsCommand(key: string, scopes: SettingScopes | undefined, remoteName: string | undefined): [command: string, arg: unknown] {
  if (scopes?.workspaceFolderValue !== undefined || scopes?.workspaceValue !== undefined) {
    return ['workbench.action.openWorkspaceSettings', { query: key }];
  }
  if (remoteName) {
    return ['workbench.action.openRemoteSettings', { query: key }];
  }
  return ['workbench.action.openSettings', key];
}
