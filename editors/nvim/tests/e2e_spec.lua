--- End to end against the real `ail lsp` ($AIL_BIN) on a copy of the polyglot fixture with
--- vendored and generated code added: the client attaches, indexing finishes, `:Ail context`
--- fills the quickfix list with the cited places, places outside the project's own code are
--- tagged and copies named, hover answers with AIL's markdown, `:Ail status` / `reindex`
--- work, and `:checkhealth ail` is all OK.

local h = require('helpers')

local bin = h.ail_bin()
local question = 'how does the cache decide which entry to evict'
-- remove_oldest in core/src/cache.rs, the fixture's known answer to `question` (1-based).
local expected_file, expected_line = 'core/src/cache.rs', 71

local root, cache_dir
local progress = {}
-- Set when the server did not start: later tests then fail at once instead of timing out.
local broken

local _test = test
local function test(name, fn)
  _test(name, function()
    if broken then
      error('not run: ' .. broken, 0)
    end
    fn()
  end)
end

vim.api.nvim_create_autocmd('LspProgress', {
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if client and client.name == 'ail' then
      progress[#progress + 1] = args.data.params.value.kind
    end
  end,
})

local function client()
  return vim.lsp.get_clients({ name = 'ail' })[1]
end

--- Put the cursor on `remove_oldest` (hover and an empty question need a name under it).
local function cursor_on_symbol()
  local col = vim.fn.getline(expected_line):find('remove_oldest', 1, true)
  h.truthy(col, 'remove_oldest on line ' .. expected_line .. ' of ' .. expected_file)
  vim.api.nvim_win_set_cursor(0, { expected_line, col + 2 })
end

--- Make `path` (relative to the workspace) the current buffer, attached and initialized.
--- Re-editing a file reloads it, and the client re-attaches a moment later: wait for that.
local function open(path)
  local full = root .. '/' .. path
  if vim.fs.normalize(vim.api.nvim_buf_get_name(0)) ~= full then
    vim.cmd('edit ' .. vim.fn.fnameescape(full))
  end
  return h.wait_for('the AIL client to attach to ' .. path, function()
    local c = vim.lsp.get_clients({ bufnr = 0, name = 'ail' })[1]
    return c and c.initialized and c
  end, 30000, h.notified)
end

--- Ask `ail/status` until it says ready (each answer is awaited; no sleeps in between).
local function wait_ready(timeout_ms)
  local last
  return h.wait_for('the index to be ready', function()
    local c = client()
    if not c then
      return false
    end
    local status = require('ail.lsp').request_sync(c, 'ail/status', nil, 5000)
    last = status
    return status and status.state == 'ready' and status
  end, timeout_ms or 60000, function()
    return 'last status: ' .. vim.inspect(last)
  end)
end

test('the ail binary under test exists and runs', function()
  broken = 'the ail binary is missing'
  h.truthy(vim.fn.executable(bin) == 1, bin .. ' is not an executable: build it with `cargo build` or set AIL_BIN')
  h.matches('^ail %d', (require('ail.binary').version(bin)), 'ail --version')
  root = h.fixture_workspace(true)
  cache_dir = h.tempdir()
  -- progress = false keeps the echoed progress out of the test output; the status line is tested.
  vim.g.ail = { server = { path = bin, env = { AIL_CACHE_DIR = cache_dir } }, settings = { cacheDir = cache_dir }, progress = false }
  h.load_plugin()
  broken = nil
end)

test('the client attaches to a file of the workspace, with the repository as root', function()
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/' .. expected_file))
  broken = 'the server did not start (see the first failure)'
  local c = h.wait_for('the AIL client to attach', function()
    return vim.lsp.get_clients({ bufnr = 0, name = 'ail' })[1]
  end, 30000, h.notified)
  h.eq(root, vim.fs.normalize(c.root_dir), 'root_dir')
  h.wait_for('initialization', function()
    return c.initialized
  end, 30000)
  h.truthy(c.server_capabilities.hoverProvider, 'hover capability')
  broken = nil
end)

test('indexing finishes, with progress reported and the status line showing the size', function()
  local status = wait_ready()
  h.truthy(status.files > 10, 'files: ' .. tostring(status.files))
  h.truthy(status.chunks >= status.files, 'chunks: ' .. tostring(status.chunks))
  h.wait_for('the end of progress', function()
    return vim.tbl_contains(progress, 'end')
  end, 10000, function()
    return 'progress seen: ' .. vim.inspect(progress)
  end)
  h.truthy(vim.tbl_contains(progress, 'begin'), 'progress begin')
  local line = h.wait_for('the status line', function()
    local text = require('ail').statusline()
    return text:match('^AIL %d+ files · %d+ chunks$') and text
  end, 10000, function()
    return 'statusline: ' .. require('ail').statusline()
  end)
  h.matches('AIL ' .. status.files .. ' files', line)
end)

test(':Ail context fills the quickfix list with the cited places and shows the answer', function()
  local c = open(expected_file)
  cursor_on_symbol()
  vim.fn.setqflist({}, 'r', { title = 'before', items = {} })
  vim.cmd('Ail context ' .. question)
  local qf = h.wait_for('the quickfix list', function()
    local list = vim.fn.getqflist({ title = 1, items = 1 })
    return list.title == 'AIL: ' .. question and #list.items > 0 and list
  end, 30000, h.notified)
  local items = vim.tbl_map(function(item)
    return {
      file = vim.fs.normalize(vim.api.nvim_buf_get_name(item.bufnr)),
      lnum = item.lnum,
      end_lnum = item.end_lnum,
      text = item.text,
    }
  end, qf.items)

  -- The fixture's known answer: remove_oldest in core/src/cache.rs.
  local expected_path = root .. '/' .. expected_file
  h.eq(expected_path, items[1].file, 'best place')
  local covers = false
  for _, item in ipairs(items) do
    covers = covers or (item.file == expected_path and item.lnum <= expected_line and expected_line <= item.end_lnum)
  end
  h.truthy(covers, ('a place covers %s:%d: %s'):format(expected_file, expected_line, vim.inspect(items)))
  -- The same text is vendored in vendor/lru: the project's own place names its copy.
  local copied = vim.tbl_filter(function(item)
    return item.file == expected_path and item.text:find('(also in vendor/lru/src/cache.rs:', 1, true) ~= nil
  end, items)
  h.truthy(#copied > 0, 'places of the cache name their vendored copy: ' .. vim.inspect(items))

  -- One entry per place of the server's answer, with its whole cited line range.
  local params = require('ail.context').params(question, vim.lsp.util.make_position_params(0, c.offset_encoding), 10)
  local answer = h.truthy(require('ail.lsp').request_sync(c, 'ail/context', params, 10000), 'a direct answer')
  h.eq(#answer.results, #items, 'one entry per place')
  for i, result in ipairs(answer.results) do
    local first, last = require('ail.context').lines(result.range)
    h.eq({ root .. '/' .. result.path, first, last }, { items[i].file, items[i].lnum, items[i].end_lnum }, 'place ' .. i)
    h.matches('^%[' .. result.citation .. '%] ', items[i].text, 'citation of place ' .. i)
  end

  local float = h.truthy(h.float_lines(), 'a floating window')
  local text = table.concat(float, '\n')
  h.matches('AIL: ' .. vim.pesc(question), text)
  h.matches(vim.pesc(expected_file) .. ':%d+%-%d+', text, 'places listed')
  h.matches('confidence %d%.%d%d', text, 'footer')
end)

test('an empty question asks about the code under the cursor', function()
  open(expected_file)
  cursor_on_symbol()
  local done, answer, err = false, nil, nil
  require('ail.context').ask('', {
    on_done = function(result, e)
      done, answer, err = true, result, e
    end,
  })
  h.wait_for('the answer', function()
    return done
  end, 30000)
  h.eq(nil, err, 'error')
  h.truthy(answer and #answer.results > 0, 'places for the cursor')
end)

test(':Ail symbol asks about the identifier under the cursor', function()
  open(expected_file)
  cursor_on_symbol()
  vim.cmd('Ail symbol')
  h.wait_for('the symbol in the quickfix title', function()
    return vim.fn.getqflist({ title = 1 }).title:find('remove_oldest', 1, true) ~= nil
  end, 30000, h.notified)
  h.truthy(#vim.fn.getqflist() > 0, 'places for the symbol')
  h.wait_for('the answer float about the symbol', function()
    return table.concat(h.float_lines() or {}, '\n'):find('# AIL: remove_oldest', 1, true) ~= nil
  end, 10000)
end)

test('places in vendored or generated code are tagged in the quickfix list, the float and the hover', function()
  local c = open('core/src/checksum.rs')
  -- crc32_update is defined only in libs/crc (vendored by .gitattributes); a generated table mentions it.
  local line = 9
  local col = h.truthy(vim.fn.getline(line):find('crc32_update', 1, true), 'crc32_update on line 9')
  vim.api.nvim_win_set_cursor(0, { line, col + 2 })
  vim.cmd('Ail symbol')
  local qf = h.wait_for('the quickfix list about crc32_update', function()
    local list = vim.fn.getqflist({ title = 1, items = 1 })
    return list.title == 'AIL: crc32_update' and #list.items > 0 and list
  end, 30000, h.notified)
  local context = require('ail.context')
  local position = vim.lsp.util.make_position_params(0, c.offset_encoding)
  local answer = h.truthy(require('ail.lsp').request_sync(c, 'ail/context', context.params('', position, 10), 10000), 'a direct answer')
  h.eq(#answer.results, #qf.items, 'one entry per place')
  local kinds = {}
  for i, result in ipairs(answer.results) do
    kinds[result.path] = result.fileKind
    local text = qf.items[i].text
    if result.fileKind == 'first-party' then
      h.no_match('%d%.%d%d %[%a+%]', text, 'no tag on the project\'s own ' .. result.path)
    else
      h.matches('%d%.%d%d %[' .. result.fileKind .. '%]', text, 'tag of ' .. result.path)
    end
  end
  h.eq('vendored', kinds['libs/crc/crc32.rs'], 'the vendored definition is a place: ' .. vim.inspect(kinds))
  h.eq('generated', kinds['core/src/crc_table.rs'], 'the generated table is a place: ' .. vim.inspect(kinds))
  local float = table.concat(h.wait_for('the answer float', h.float_lines, 10000), '\n')
  h.matches('libs/crc/crc32%.rs:%d+%-%d+ `crc32_update` function, score %d%.%d%d · %*vendored%*', float)
  h.matches('core/src/crc_table%.rs:%d+%-?%d* [^\n]* · %*generated%*', float)
  h.no_match('first%-party', float)

  local responses = vim.lsp.buf_request_sync(0, 'textDocument/hover', position, 10000) or {}
  local hover = responses[c.id] and responses[c.id].result
  local value = hover and hover.contents and hover.contents.value or ''
  h.matches('%[libs/crc/crc32%.rs:%d+%-%d+%]%([^)]+%) · _vendored_', value, 'hover tags the vendored place')
  -- Each related place of a file the answer above has is tagged with that file's kind; the
  -- project's own code is not tagged.
  local checked = 0
  for label, tag in value:gmatch('\n%d+%. [^\n]-%[([^%]]+):%d+%-%d+%]%([^)]+%)([^\n]*)') do
    local path = label:gsub('\\(.)', '%1') -- link text is markdown-escaped
    if kinds[path] then
      checked = checked + 1
      if kinds[path] == 'first-party' then
        h.no_match('^ · _%a+_', tag, 'no tag on the project\'s own ' .. path)
      else
        h.matches('^ · _' .. kinds[path] .. '_', tag, 'tag of ' .. path)
      end
    end
  end
  h.truthy(checked > 0, 'related places of known kinds in the hover:\n' .. value)
end)

test('<Plug>(AilContext) asks the typed question, or the selected text in visual mode', function()
  open('worker/retry/backoff.go')
  local saved = vim.ui.input
  vim.ui.input = function(_, on_confirm)
    on_confirm('how is the wait between tries computed')
  end
  vim.cmd('normal ' .. vim.keycode('<Plug>(AilContext)'))
  vim.ui.input = saved
  h.wait_for('the typed question in the quickfix title', function()
    return vim.fn.getqflist({ title = 1 }).title == 'AIL: how is the wait between tries computed'
  end, 30000, h.notified)

  vim.api.nvim_buf_set_lines(0, 0, 0, false, { 'exponential backoff with jitter' })
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.cmd('normal V' .. vim.keycode('<Plug>(AilContext)'))
  h.wait_for('the selection in the quickfix title', function()
    return vim.fn.getqflist({ title = 1 }).title == 'AIL: exponential backoff with jitter'
  end, 30000, h.notified)
  -- The new answer replaced the first one, and the cursor stayed in the file.
  h.eq(vim.api.nvim_get_current_buf(), vim.fn.bufnr(root .. '/worker/retry/backoff.go'), 'still in the file')
  h.matches('AIL: exponential backoff with jitter', table.concat(h.float_lines() or {}, '\n'))
  h.eq('n', vim.fn.mode(), 'back in normal mode')
  vim.cmd('silent undo')
end)

test('hover answers with AIL markdown, and K shows it', function()
  local c = open(expected_file)
  cursor_on_symbol()
  local params = vim.lsp.util.make_position_params(0, c.offset_encoding)
  local responses = vim.lsp.buf_request_sync(0, 'textDocument/hover', params, 10000) or {}
  local response = responses[c.id]
  h.truthy(response, 'a hover response from AIL')
  h.eq(nil, response.err, 'hover error')
  local contents = response.result and response.result.contents
  h.truthy(contents, 'hover contents: ' .. vim.inspect(response.result))
  h.eq('markdown', contents.kind, 'markdown hover')
  h.truthy(vim.trim(contents.value) ~= '', 'hover text')
  -- The same hover again comes from the cache, and says so.
  local again = (vim.lsp.buf_request_sync(0, 'textDocument/hover', params, 10000) or {})[c.id]
  local again_text = again and again.result and again.result.contents.value or ''
  h.matches('_Answered from the cache: asked before', again_text, 'the second hover')

  vim.cmd('normal K')
  local float = h.wait_for('the hover window', h.float_lines, 10000)
  -- Compare letters and digits only: the window may conceal markdown syntax.
  local function plain(text)
    return (text:gsub('[^%w]', ''))
  end
  local first_line = vim.split(vim.trim(contents.value), '\n')[1]
  h.truthy(
    plain(table.concat(float, '\n')):find(plain(first_line), 1, true),
    ('the hover window shows %q in:\n%s'):format(first_line, table.concat(float, '\n'))
  )
end)

test(':Ail status shows the index state in a float', function()
  open(expected_file)
  local done = false
  require('ail.status').show(function()
    done = true
  end)
  h.wait_for(':Ail status', function()
    return done
  end, 10000)
  local text = table.concat(h.truthy(h.float_lines(), 'a float'), '\n')
  h.matches('State: %*%*ready%*%*', text)
  h.matches('Files: %d+, chunks: %d+', text)
  h.matches('Workspace: ' .. vim.pesc(root), text)
end)

test(':checkhealth ail reports OK for the binary, its version, the client and the index', function()
  open(expected_file)
  vim.cmd('silent checkhealth ail')
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  h.matches('OK[^\n]*ail binary: ' .. vim.pesc(bin), text)
  h.matches('OK[^\n]*version: ail %d', text)
  h.matches('OK[^\n]*attached to [^\n]*cache%.rs', text)
  h.matches('OK[^\n]*index ready: %d+ files, %d+ chunks', text)
  h.no_match('ERROR', text)
  h.no_match('WARNING', text)
  vim.cmd('tabclose')
end)

test(':Ail reindex rebuilds in the background and the index is ready again', function()
  open(expected_file)
  local ok
  require('ail.status').reindex(function(sent)
    ok = sent
  end)
  h.wait_for('the reindex answer', function()
    return ok ~= nil
  end, 10000)
  h.eq(true, ok, 'reindex accepted')
  h.truthy(h.notification('AIL: reindexing ' .. root), h.notified())
  wait_ready()
end)

test('no error message or stack trace was shown along the way', function()
  for _, n in ipairs(h.all_notifications) do
    h.truthy(n.level < vim.log.levels.ERROR, 'an error was shown: ' .. n.msg)
    h.no_match('stack traceback', n.msg)
    h.no_match('deprecated', n.msg, 'the plugin uses a deprecated API')
  end
end)
