--- End to end against the real `ail lsp` ($AIL_BIN) on a copy of the polyglot fixture: the
--- client attaches, indexing finishes, `:Ail context` fills the quickfix list with the cited
--- places, hover answers with AIL's markdown, `:Ail status` / `reindex` work, and
--- `:checkhealth ail` is all OK.

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
  root = h.fixture_workspace()
  cache_dir = h.tempdir()
  vim.g.ail = { server = { path = bin, env = { AIL_CACHE_DIR = cache_dir } }, settings = { cacheDir = cache_dir } }
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
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/' .. expected_file))
  vim.api.nvim_win_set_cursor(0, { expected_line, 4 })
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
  local expected_path = root .. '/' .. expected_file
  h.eq(expected_path, items[1].file, 'best place')
  local covers = false
  for _, item in ipairs(items) do
    covers = covers or (item.file == expected_path and item.lnum <= expected_line and expected_line <= item.end_lnum)
  end
  h.truthy(covers, ('a place covers %s:%d: %s'):format(expected_file, expected_line, vim.inspect(items)))
  h.matches('^%[1%] ', items[1].text, 'citation number')

  -- The same question from the command line gives the same places.
  local out = h.run({
    bin, '--cache-dir', cache_dir, 'context', '--workspace', root,
    '--file', expected_file, '--line', tostring(expected_line), '--json', question,
  })
  local cli = vim.json.decode(out)
  local context = require('ail.context')
  for i, result in ipairs(cli.results) do
    local first, last = context.lines(result.range)
    h.eq({ root .. '/' .. result.path, first, last }, { items[i] and items[i].file, items[i] and items[i].lnum, items[i] and items[i].end_lnum }, 'place ' .. i .. ' as the CLI has it')
  end
  h.eq(#cli.results, #items, 'number of places')

  local float = h.truthy(h.float_lines(), 'a floating window')
  local text = table.concat(float, '\n')
  h.matches('AIL: ' .. vim.pesc(question), text)
  h.matches(vim.pesc(expected_file) .. ':%d+%-%d+', text, 'places listed')
  h.matches('confidence %d%.%d%d', text, 'footer')
end)

test('an empty question asks about the code under the cursor', function()
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/' .. expected_file))
  vim.api.nvim_win_set_cursor(0, { expected_line, 4 })
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

test('hover answers with AIL markdown, and K shows it', function()
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/' .. expected_file))
  vim.api.nvim_win_set_cursor(0, { expected_line, 8 })
  local c = client()
  local params = vim.lsp.util.make_position_params(0, c.offset_encoding)
  local responses = vim.lsp.buf_request_sync(0, 'textDocument/hover', params, 10000) or {}
  local response = responses[c.id]
  h.truthy(response, 'a hover response from AIL')
  h.eq(nil, response.err, 'hover error')
  local contents = response.result and response.result.contents
  h.truthy(contents, 'hover contents: ' .. vim.inspect(response.result))
  h.eq('markdown', contents.kind, 'markdown hover')
  h.truthy(vim.trim(contents.value) ~= '', 'hover text')

  vim.cmd('normal K')
  local float = h.wait_for('the hover window', h.float_lines, 10000)
  local shown = table.concat(float, '\n')
  local first_line = vim.split(vim.trim(contents.value), '\n')[1]:gsub('[%*_`#>%[%]]', '')
  h.truthy(shown:find(vim.trim(first_line):sub(1, 20), 1, true), ('the hover window shows %q in:\n%s'):format(first_line, shown))
end)

test(':Ail status shows the index state in a float', function()
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/' .. expected_file))
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
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/' .. expected_file))
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
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/' .. expected_file))
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
  end
end)
