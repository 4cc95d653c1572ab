--- Starting the server by hand with `autostart = false`: nothing starts on its own, then
--- `require('ail').start()` (the `vim.lsp.start` path that Neovim 0.10 uses from its autocmd)
--- and, on 0.11+, `vim.lsp.enable('ail')` with `lsp/ail.lua` both attach to the real server.

local h = require('helpers')

local bin = h.ail_bin()
local root, file

local function wait_attached(what)
  return h.wait_for(what, function()
    local c = vim.lsp.get_clients({ bufnr = 0, name = 'ail' })[1]
    return c and c.initialized and c
  end, 30000, h.notified)
end

test('with autostart off, opening a file starts nothing', function()
  h.truthy(vim.fn.executable(bin) == 1, bin .. ' is not an executable: build it with `cargo build` or set AIL_BIN')
  root = h.fixture_workspace()
  file = root .. '/worker/retry/backoff.go'
  local cache_dir = h.tempdir()
  vim.g.ail = { autostart = false, server = { path = bin, env = { AIL_CACHE_DIR = cache_dir } }, progress = false }
  h.load_plugin()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  if vim.fn.has('nvim-0.11') == 1 then
    h.eq(false, vim.lsp.is_enabled('ail'), 'not enabled')
  end
  h.eq({}, vim.api.nvim_get_autocmds({ group = 'ail', event = 'BufEnter' }), 'no start autocmd')
  h.eq({}, vim.lsp.get_clients({ name = 'ail' }), 'no client')
end)

test("require('ail').start() attaches with vim.lsp.start and answers hover", function()
  local id = require('ail').start()
  h.truthy(id, 'a client id')
  local c = wait_attached('the client')
  h.eq(id, c.id, 'the started client is attached')
  h.eq(root, vim.fs.normalize(c.root_dir), 'root')
  vim.api.nvim_win_set_cursor(0, { 47, 6 })
  local result, err = require('ail.lsp').request_sync(c, 'textDocument/hover', vim.lsp.util.make_position_params(0, c.offset_encoding), 10000, 0)
  -- While indexing runs, hover may have nothing to say yet (null); it must answer, not fail.
  h.eq(nil, err, 'hover error')
  h.truthy(result == nil or type(result) == 'table', 'hover answered: ' .. vim.inspect(result))
  -- A second start for the same workspace reuses the client.
  h.eq(id, require('ail').start(), 'reused')
end)

test("vim.lsp.enable('ail') uses lsp/ail.lua (0.11+)", function()
  if vim.fn.has('nvim-0.11') == 0 then
    return
  end
  require('ail.lsp').stop_all()
  h.wait_for('the client to stop', function()
    return #vim.lsp.get_clients({ name = 'ail' }) == 0
  end, 10000)
  vim.lsp.enable('ail')
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/core/src/cache.rs'))
  local c = wait_attached('the enabled client')
  h.eq(root, vim.fs.normalize(c.root_dir), 'root')
end)
