--- Unit tests of the plugin's pieces that need no server: options, binary discovery, request
--- and answer mapping, formatting, log parsing, the command and the plugin's startup.

local h = require('helpers')

--- A fake `ail` that prints a version, in a fresh directory.
local function fake_ail(body)
  local dir = h.tempdir()
  local path = dir .. '/ail'
  vim.fn.writefile({ '#!/bin/sh', body or 'echo "ail 9.9.9"' }, path)
  vim.uv.fs_chmod(path, tonumber('755', 8))
  return dir, path
end

test('defaults apply when vim.g.ail is not set', function()
  vim.g.ail = nil
  local opts = require('ail.config').get()
  h.eq('ail', opts.server.path, 'server.path')
  h.eq(true, opts.autostart, 'autostart')
  h.eq({ '.git' }, opts.root_markers, 'root_markers')
  h.eq({}, require('ail.config').problems(opts), 'problems')
end)

test('vim.g.ail overrides defaults, and lists replace rather than merge', function()
  vim.g.ail = { server = { path = '/opt/ail', args = { '--no-persist' } }, root_markers = { '.hg' }, settings = { maxFileSize = 10 } }
  local opts = require('ail.config').get()
  h.eq('/opt/ail', opts.server.path, 'server.path')
  h.eq({ '--no-persist' }, opts.server.args, 'server.args')
  h.eq({ '.hg' }, opts.root_markers, 'root_markers')
  h.eq(10, opts.settings.maxFileSize, 'settings')
  h.eq(10, opts.context.limit, 'untouched defaults stay')
  vim.g.ail = nil
end)

test('invalid options are reported by name', function()
  vim.g.ail = { server = { path = 3 }, context = { limit = 500 }, progress = 'yes' }
  local problems = require('ail.config').problems(require('ail.config').get())
  local text = table.concat(problems, '\n')
  h.matches('server%.path should be a string, not a number', text)
  h.matches('context%.limit should be a whole number from 1 to 100', text)
  h.matches('progress should be a boolean', text)
  vim.g.ail = nil
end)

test('binary discovery finds ail on PATH', function()
  local dir, path = fake_ail()
  local saved = vim.env.PATH
  vim.env.PATH = dir .. ':' .. saved
  local found, err = require('ail.binary').find('ail')
  vim.env.PATH = saved
  h.eq(nil, err, 'error')
  h.eq(path, found, 'path')
end)

test('binary discovery uses a configured path, with ~ expanded', function()
  local _, path = fake_ail()
  h.eq(path, (require('ail.binary').find(path)), 'absolute path')
  local saved = vim.env.HOME
  vim.env.HOME = vim.fs.dirname(path)
  local found = require('ail.binary').find('~/ail')
  vim.env.HOME = saved
  h.eq(path, found, '~ path')
end)

test('binary discovery explains a name missing from PATH', function()
  local found, err = require('ail.binary').find('ail-that-does-not-exist')
  h.eq(nil, found, 'found')
  h.matches('`ail%-that%-does%-not%-exist` was not found on PATH', err)
  h.matches('vim%.g%.ail = { server = { path =', err, 'says how to configure it')
  h.matches('cargo install', err, 'says how to install it')
end)

test('binary discovery explains a configured path that does not exist', function()
  local found, err = require('ail.binary').find('/nonexistent/bin/ail')
  h.eq(nil, found, 'found')
  h.matches('/nonexistent/bin/ail %(vim%.g%.ail%.server%.path%) does not exist', err)
end)

test('binary discovery explains a file that is not executable, and a directory', function()
  local dir = h.tempdir()
  vim.fn.writefile({ 'not a program' }, dir .. '/ail')
  local _, err = require('ail.binary').find(dir .. '/ail')
  h.matches('is not executable: run `chmod %+x', err)
  local _, dir_err = require('ail.binary').find(dir)
  h.matches('is a directory', dir_err)
end)

test('the version is the first line of ail --version; a failing binary says why', function()
  local _, path = fake_ail('echo "ail 9.9.9"; echo "more"')
  h.eq('ail 9.9.9', (require('ail.binary').version(path)), 'version')
  local _, broken = fake_ail('echo "cannot load libfoo" >&2; exit 3')
  local version, err = require('ail.binary').version(broken)
  h.eq(nil, version, 'version')
  h.matches('exited with code 3: cannot load libfoo', err)
end)

test('empty settings go to the server as a JSON object, not a list', function()
  local lsp = require('ail.lsp')
  h.eq('{}', vim.json.encode(lsp.init_options({})), 'empty table')
  h.eq('{}', vim.json.encode(lsp.init_options(nil)), 'nil')
  h.eq('{"maxFileSize":5}', vim.json.encode(lsp.init_options({ maxFileSize = 5 })), 'settings')
end)

test('settings the server does not know, or of the wrong type, are reported', function()
  local problems = require('ail.config').settings_problems({ maxFileSize = '1M', exclud = {}, cache = true })
  h.eq({
    'vim.g.ail.settings.exclud is not an AIL setting (known: cache, cacheDir, exactSearch, exclude, maxFileSize, modelDir, parallelStages, persist, semanticCache)',
    'vim.g.ail.settings.maxFileSize should be a number, not a string',
  }, problems, 'problems')
end)

test('the semantic cache and parallel stages switches are known and reach the server as set', function()
  vim.g.ail = { settings = { semanticCache = false, parallelStages = true } }
  h.eq({}, require('ail.config').settings_problems(require('ail.config').get().settings), 'problems')
  local params = {}
  require('ail.lsp').enable_config().before_init(params)
  h.eq(false, params.initializationOptions.semanticCache, 'semanticCache')
  h.eq(true, params.initializationOptions.parallelStages, 'parallelStages')
  vim.g.ail = nil
end)

test('directory settings have ~ expanded before they reach the server', function()
  local out = require('ail.lsp').init_options({ modelDir = '~/models/m', cacheDir = '', cache = false })
  h.eq(vim.fs.normalize('~/models/m'), out.modelDir, 'modelDir')
  h.truthy(not out.modelDir:find('~', 1, true), 'no ~ left')
  h.eq('', out.cacheDir, 'empty stays empty')
  h.eq(false, out.cache, 'other settings unchanged')
end)

test('the server command is `ail lsp` plus the configured arguments', function()
  local cmd = require('ail.lsp').cmd('/bin/ail', { server = { args = { '--cache-dir', '/tmp/c' } } })
  h.eq({ '/bin/ail', 'lsp', '--cache-dir', '/tmp/c' }, cmd, 'cmd')
end)

test('the workspace root is the nearest marker, else the current directory, never home', function()
  local lsp = require('ail.lsp')
  local root = h.tempdir()
  vim.fn.mkdir(root .. '/.git', 'p')
  vim.fn.mkdir(root .. '/src/deep', 'p')
  vim.fn.writefile({ 'x' }, root .. '/src/deep/a.rs')
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/src/deep/a.rs'))
  h.eq(root, lsp.root_for(0), 'marker root')

  local loose = h.tempdir()
  vim.fn.writefile({ 'x' }, loose .. '/b.txt')
  vim.cmd('edit ' .. vim.fn.fnameescape(loose .. '/b.txt'))
  local saved_cwd = vim.fn.getcwd()
  vim.cmd('cd ' .. vim.fn.fnameescape(loose))
  h.eq(loose, lsp.root_for(0), 'cwd fallback')
  local saved_home = vim.env.HOME
  vim.env.HOME = loose
  h.eq(nil, lsp.root_for(0), 'home is never a root')
  vim.env.HOME = saved_home
  vim.cmd('cd ' .. vim.fn.fnameescape(saved_cwd))
  h.eq(nil, lsp.root_for(0), 'outside cwd and markers')

  vim.cmd('enew')
  h.eq(nil, lsp.root_for(0), 'unnamed buffer')
  vim.cmd('bwipeout! ' .. vim.fn.fnameescape(root .. '/src/deep/a.rs'))
  vim.cmd('bwipeout! ' .. vim.fn.fnameescape(loose .. '/b.txt'))
end)

test('context params: trimmed question, position and document, or no question', function()
  local context = require('ail.context')
  local pos = { textDocument = { uri = 'file:///r/a.rs' }, position = { line = 4, character = 2 } }
  h.eq({
    question = 'how are entries evicted?',
    textDocument = { uri = 'file:///r/a.rs' },
    position = { line = 4, character = 2 },
    limit = 10,
  }, context.params('  how are entries evicted? ', pos, 10), 'full')
  h.eq({ textDocument = { uri = 'file:///r/a.rs' }, position = { line = 4, character = 2 } }, context.params('   ', pos, nil), 'no question')
  h.eq({ question = 'q' }, context.params('q', nil, nil), 'no position')
end)

test('ranges with an exclusive end line map to inclusive 1-based lines', function()
  local context = require('ail.context')
  local function range(sl, sc, el, ec)
    return { start = { line = sl, character = sc }, ['end'] = { line = el, character = ec } }
  end
  h.eq({ 31, 58 }, { context.lines(range(30, 0, 58, 0)) }, 'whole lines')
  h.eq({ 31, 59 }, { context.lines(range(30, 4, 58, 3)) }, 'end inside a line')
  h.eq({ 5, 5 }, { context.lines(range(4, 0, 4, 0)) }, 'empty range')
  h.eq('src/a.rs:31-58', context.label('src/a.rs', range(30, 0, 58, 0)), 'label')
  h.eq('src/a.rs:5', context.label('src/a.rs', range(4, 0, 5, 0)), 'one-line label')
end)

local sample = {
  question = 'how are stale cache entries evicted?',
  summary = 'The cache evicts in `evict_oldest` [1].\nAlso see the docs [2].',
  results = {
    {
      path = 'src/cache.rs',
      uri = 'file:///repo/src/cache.rs',
      range = { start = { line = 30, character = 0 }, ['end'] = { line = 58, character = 0 } },
      score = 0.82,
      symbol = 'evict_oldest',
      kind = 'function',
      snippet = '\n  fn evict_oldest(&mut self) {\n    ...',
      citation = 1,
    },
    {
      path = 'docs/cache.md',
      uri = 'untitled:x',
      range = { start = { line = 0, character = 0 }, ['end'] = { line = 12, character = 0 } },
      score = 0.5,
      symbol = vim.NIL,
      kind = 'section',
      snippet = '## Eviction',
      citation = 2,
    },
  },
  citations = {},
  history = {
    path = 'src/cache.rs',
    commits = { { sha = string.rep('a', 40), author = 'Ada', date = '2026-01-02T03:04:05Z', summary = 'Evict by age' } },
    totalCommits = 57,
    complete = true,
  },
  blame = { { sha = string.rep('b', 40), author = 'Grace', date = '2025-12-01T00:00:00Z', summary = 'Fix off by one' } },
  warnings = { 'index incomplete: 412 of 1234 files' },
  confidence = 0.74,
  cache = 'miss',
  timingsMs = { total = 3.1 },
  index = { state = 'indexing', files = 412, chunks = 900, generation = 1 },
}

test('quickfix items: file, inclusive lines, citation, symbol, score and first snippet line', function()
  local items = require('ail.context').quickfix_items(sample, '/repo')
  h.eq(2, #items, 'count')
  h.eq('/repo/src/cache.rs', items[1].filename, 'file from uri')
  h.eq(31, items[1].lnum, 'lnum')
  h.eq(58, items[1].end_lnum, 'end_lnum')
  h.eq('[1] evict_oldest (function) 0.82: fn evict_oldest(&mut self) {', items[1].text, 'text')
  h.eq('/repo/docs/cache.md', items[2].filename, 'non-file uri falls back to root/path')
  h.eq('[2] section 0.50: ## Eviction', items[2].text, 'null symbol')
end)

test('the float shows question, summary, places, blame, history, warnings and state', function()
  local text = table.concat(require('ail.context').float_lines(sample), '\n')
  h.matches('^# AIL: how are stale cache entries evicted%?', text)
  h.matches('The cache evicts in `evict_oldest` `%[1%]`%.\nAlso see the docs `%[2%]`%.', text, 'summary kept line by line')
  h.matches('%- `%[1%]` src/cache%.rs:31%-58 `evict_oldest` function, score 0%.82', text)
  h.matches('%- `%[2%]` docs/cache%.md:1%-12 section, score 0%.50', text)
  h.matches('Last change: bbbbbbbb by Grace on 2025%-12%-01: Fix off by one', text)
  h.matches('History of src/cache%.rs: 57 commits, latest 2026%-01%-02 by Ada: Evict by age', text)
  h.matches('> index incomplete: 412 of 1234 files', text)
  h.matches('confidence 0%.74 · cache miss · 3%.1 ms · index indexing, 412 files', text)
end)

test('places outside the project\'s own code are tagged, and copies of a place are named', function()
  local context = require('ail.context')
  local vendored = vim.tbl_extend('force', sample.results[1], { fileKind = 'vendored' })
  local generated = vim.tbl_extend('force', sample.results[2], { fileKind = 'generated' })
  local own = vim.tbl_extend('force', sample.results[1], {
    fileKind = 'first-party',
    citation = 3,
    copies = {
      { path = 'vendor/lru/cache.rs', uri = 'file:///repo/vendor/lru/cache.rs', range = { start = { line = 10, character = 0 }, ['end'] = { line = 38, character = 0 } } },
      { path = 'third_party/c.rs', uri = 'file:///repo/third_party/c.rs', range = { start = { line = 0, character = 0 }, ['end'] = { line = 28, character = 0 } } },
    },
  })
  local answer = vim.tbl_extend('force', sample, { results = { vendored, generated, own } })
  local items = context.quickfix_items(answer, '/repo')
  h.eq('[1] evict_oldest (function) 0.82 [vendored]: fn evict_oldest(&mut self) {', items[1].text, 'vendored entry')
  h.eq('[2] section 0.50 [generated]: ## Eviction', items[2].text, 'generated entry')
  h.eq(
    '[3] evict_oldest (function) 0.82 (also in vendor/lru/cache.rs:11-38, third_party/c.rs:1-28): fn evict_oldest(&mut self) {',
    items[3].text,
    'first-party entry: no tag, its copies'
  )
  local text = table.concat(context.float_lines(answer), '\n')
  h.matches('%- `%[1%]` src/cache%.rs:31%-58 `evict_oldest` function, score 0%.82 · %*vendored%*\n', text)
  h.matches('%- `%[2%]` docs/cache%.md:1%-12 section, score 0%.50 · %*generated%*\n', text)
  h.matches('%- `%[3%]` src/cache%.rs:31%-58 `evict_oldest` function, score 0%.82\n', text, 'no tag for the project\'s own code')
  h.matches('\nSame text also in vendor/lru/cache%.rs: `%[3%]`\nSame text also in third_party/c%.rs: `%[3%]`\n', text, 'copies, one line per file')
  local twice = vim.tbl_extend('force', own, { citation = 4 })
  h.eq(
    { 'Same text also in vendor/lru/cache.rs: `[3]` `[4]`', 'Same text also in third_party/c.rs: `[3]` `[4]`' },
    context.copy_lines({ vendored, own, twice }),
    'places copied into the same file share its line'
  )
  h.no_match('first%-party', text, 'no tag for the project\'s own code')
  h.eq(nil, context.kind_tag({ fileKind = vim.NIL }), 'a server that does not say')
end)

test('the float says when the index is still building and when the answer came from the cache', function()
  local context = require('ail.context')
  local text = table.concat(context.float_lines(vim.tbl_extend('force', sample, { cache = 'exact' })), '\n')
  h.matches('^# AIL: [^\n]*\n\n> %*%*The index is still being built%*%* %(412 files so far%)', text, 'building first')
  h.matches('\n> %*%*Answered from the cache:%*%* this question was answered before', text, 'exact hit')
  local ready = vim.tbl_extend('force', sample, { index = { state = 'ready', files = 1234 } })
  h.eq({}, context.notices(ready), 'a fresh answer on a ready index has no notice')
  h.matches('near%-identical question', context.notices(vim.tbl_extend('force', ready, { cache = 'semantic' }))[1])
end)

test('citation markers become code so markdown does not hide their brackets', function()
  local context = require('ail.context')
  h.eq('see `[1]` and `[12]`.', context.code_citations('see [1] and [12].'), 'markers')
  h.eq('[1](http://x) and [2]: y', context.code_citations('[1](http://x) and [2]: y'), 'links untouched')
end)

test('an answer with no places says so', function()
  local text = table.concat(require('ail.context').float_lines({ question = 'zzz', summary = '', results = {} }), '\n')
  h.matches('No places found%.', text)
  h.eq({}, require('ail.context').quickfix_items({ results = {} }, '/r'), 'no items')
end)

test('status lines: state, size, skipped files, git, cache, latency, fallbacks', function()
  local text = table.concat(
    require('ail.status').lines({
      state = 'ready',
      files = 1234,
      chunks = 9876,
      generation = 7,
      indexBytes = 5 * 1024 * 1024,
      rssBytes = 80 * 1024 * 1024,
      workspace = 'file:///repo',
      indexPath = '/cache/ail/abc.idx',
      cache = { entries = 3, hits = 4, misses = 6, exactHits = 3, semanticHits = 1, hitRate = 0.4 },
      latencyMs = { count = 10, p50 = 1.5, p95 = 4, p99 = 9.24 },
      skipped = { binary = 2, tooLarge = 1, notUtf8 = 0, unreadable = 0 },
      git = { state = 'ready', commits = 57 },
      fallbacks = { 'exact-search' },
    }),
    '\n'
  )
  h.matches('Workspace: /repo', text)
  h.matches('State: %*%*ready%*%*', text)
  h.matches('Files: 1234, chunks: 9876, generation 7', text)
  h.matches('Index: 5%.0 MiB in memory, on disk at /cache/ail/abc%.idx', text)
  h.matches('Skipped files: 2 binary, 1 tooLarge', text)
  h.matches('Git: ready, 57 commits', text)
  h.matches('hit rate 40%%', text)
  h.matches('p50 1%.5 ms, p95 4%.0 ms, p99 9%.2 ms', text)
  h.matches('Fallbacks in use: exact%-search', text)
  local one = table.concat(require('ail.status').lines({ state = 'ready', git = { state = 'ready', commits = 1 } }), '\n')
  h.matches('Git: ready, 1 commit$', one, 'singular')
end)

test('progress text: percentage and message while indexing, then files and chunks', function()
  local status = require('ail.status')
  h.eq('AIL indexing 42% (512/1234 files)', status.progress_text({ indexing = true, title = 'Indexing', percentage = 42, message = '512/1234 files' }), 'indexing')
  h.eq('AIL indexing', status.progress_text({ indexing = true }), 'no details')
  h.eq('AIL indexing 5%', status.progress_text({ indexing = true, title = 'AIL: Indexing', percentage = 5 }), 'no AIL twice')
  h.eq('AIL 1234 files · 9876 chunks', status.progress_text({ indexing = false, files = 1234, chunks = 9876 }), 'ready')
  h.eq('1.5 KiB', status.bytes(1536), 'bytes')
end)

test('log parsing keeps only the AIL server stderr and unescapes it', function()
  local log = require('ail.log')
  local text = table.concat({
    '[START][2026-01-01 00:00:00] LSP logging initiated',
    '[ERROR][2026-01-01 00:00:01] .../lsp/_transport.lua:36\t"rpc"\t"/usr/bin/ail"\t"stderr"\t"INFO indexing /repo\\nWARN skipped \\"a.bin\\": binary\\n"',
    '[ERROR][2026-01-01 00:00:01] .../lsp/_transport.lua:36\t"rpc"\t"rust-analyzer"\t"stderr"\t"not ours\\n"',
    "[ERROR][2026-01-01 00:00:02] .../lsp/_transport.lua:36\t\"rpc\"\t\"/usr/bin/ail\"\t\"stderr\"\t'tab\\there \\\"q\\\" done\\n'",
  }, '\n')
  h.eq({ 'INFO indexing /repo', 'WARN skipped "a.bin": binary', 'tab\there "q" done' }, log.parse(text, { ail = true }), 'lines')
  h.eq('a\0b', log.unquote('"a\\0b"'), 'decimal escapes')
  local coloured = '[ERROR][x] t.lua:1\t"rpc"\t"ail"\t"stderr"\t"\\27[2m2026\\27[0m \\27[31mERROR\\27[0m boom\\n"'
  h.eq({ '2026 ERROR boom' }, log.parse(coloured, { ail = true }), 'colour codes removed')
  h.eq(nil, log.unquote('not quoted'), 'not a string')
end)

test(':Ail completion offers subcommands, then nothing for the free-text question', function()
  local commands = require('ail.commands')
  h.eq({ 'context', 'log', 'reindex', 'status', 'symbol' }, commands.complete('', 'Ail '), 'all')
  h.eq({ 'reindex' }, commands.complete('re', 'Ail re'), 'prefix')
  h.eq({}, commands.complete('', 'Ail context how do '), 'question')
  h.eq({ 'context', 'how does  it work' }, { commands.split('  context how does  it work ') }, 'split keeps the question')
end)

test('the plugin works without setup(): :Ail, <Plug> mappings, no default keymaps, lsp config', function()
  local before = vim.api.nvim_get_keymap('n')
  vim.g.ail = { autostart = false }
  h.load_plugin()
  h.eq(2, vim.fn.exists(':Ail'), ':Ail exists')
  h.truthy(vim.fn.maparg('<Plug>(AilContext)', 'n') ~= '' or #vim.fn.maparg('<Plug>(AilContext)', 'n', false, true) > 0, 'normal <Plug> mapping')
  h.truthy(next(vim.fn.maparg('<Plug>(AilContext)', 'x', false, true)) ~= nil, 'visual <Plug> mapping')
  h.truthy(next(vim.fn.maparg('<Plug>(AilSymbol)', 'n', false, true)) ~= nil, 'symbol <Plug> mapping')
  local added = {}
  for _, map in ipairs(vim.api.nvim_get_keymap('n')) do
    if not map.lhs:find('<Plug>', 1, true) then
      local existed = false
      for _, old in ipairs(before) do
        existed = existed or old.lhs == map.lhs
      end
      if not existed then
        added[#added + 1] = map.lhs
      end
    end
  end
  h.eq({}, added, 'no default keymaps')
  if vim.fn.has('nvim-0.11') == 1 then
    local cfg = vim.lsp.config['ail']
    h.truthy(cfg, 'vim.lsp.config.ail resolves from lsp/ail.lua')
    h.eq('function', type(cfg.cmd), 'cmd')
    h.eq('function', type(cfg.root_dir), 'root_dir')
  end
end)

test(':Ail without a server warns clearly instead of failing', function()
  h.load_plugin()
  vim.cmd('enew')
  vim.cmd('Ail context what is this')
  vim.cmd('Ail status')
  vim.cmd('Ail bogus')
  h.wait_for('notifications', function()
    return #h.notifications >= 3
  end, 2000, h.notified)
  h.truthy(h.notification('AIL: not running for this buffer: open a file inside a workspace'), h.notified())
  h.truthy(h.notification('AIL: not running: open a file inside a workspace'), h.notified())
  h.truthy(h.notification('unknown subcommand "bogus"; use one of: context, log, reindex, status'), h.notified())
  for _, n in ipairs(h.notifications) do
    h.no_match('stack traceback', n.msg, 'no stack trace')
  end
  h.eq('', vim.v.errmsg, 'no error message')
end)

test(':Ail log opens a scratch buffer with the server output', function()
  h.load_plugin()
  vim.cmd('Ail log')
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  h.matches('^AIL server output', lines[1])
  h.eq('nofile', vim.bo.buftype, 'scratch')
  vim.cmd('close')
end)

test('the help file has tags for the command, options, mappings and health', function()
  local doc = h.plugin_dir .. '/doc'
  local out = h.tempdir()
  vim.fn.writefile(vim.fn.readfile(doc .. '/ail.txt'), out .. '/ail.txt')
  vim.cmd('helptags ' .. vim.fn.fnameescape(out))
  h.eq('', vim.v.errmsg, 'helptags reports no duplicate tags')
  local tags = table.concat(vim.fn.readfile(out .. '/tags'), '\n')
  for _, tag in ipairs({ 'ail.txt', ':Ail', ':Ail-symbol', 'ail-options', 'g:ail', '<Plug>(AilContext)', '<Plug>(AilSymbol)', 'ail-health', 'ail-statusline', 'ail-binary' }) do
    h.matches('\n?' .. vim.pesc(tag) .. '\t', tags, 'tag ' .. tag)
  end
end)
