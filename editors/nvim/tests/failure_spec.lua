--- Failures a person can run into without a working server: a missing binary (configured path
--- or PATH), and a binary that exits at once. Each gives one clear message, never a Lua error.

local h = require('helpers')

--- A workspace (a directory with `.git`) holding one file; returns the file's path.
local function workspace_file(name)
  local root = h.tempdir()
  vim.fn.mkdir(root .. '/.git', 'p')
  local file = root .. '/' .. (name or 'main.py')
  vim.fn.writefile({ 'def main():', '    return 1' }, file)
  return file
end

local function edit(file)
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
end

local function assert_no_lua_errors()
  h.eq('', vim.v.errmsg, 'v:errmsg')
  for _, n in ipairs(h.notifications) do
    h.no_match('stack traceback', n.msg, 'a notification has a stack trace')
    h.no_match('%.lua:%d+:', n.msg, 'a notification has a Lua error location')
  end
end

vim.g.ail = { server = { path = '/nonexistent/bin/ail' } }
h.load_plugin()

test('a configured binary that does not exist gives one clear error and starts nothing', function()
  edit(workspace_file())
  local n = h.wait_for('the error message', function()
    return h.notification('does not exist')
  end, 5000, h.notified)
  h.eq(vim.log.levels.ERROR, n.level, 'level')
  h.matches('^AIL: the AIL server binary /nonexistent/bin/ail %(vim%.g%.ail%.server%.path%) does not exist%.', n.msg)
  h.matches('vim%.g%.ail = { server = { path = "/path/to/ail" } }', n.msg, 'says how to configure it')
  -- A second file does not repeat the message.
  edit(workspace_file('other.py'))
  vim.wait(200)
  local count = 0
  for _, note in ipairs(h.notifications) do
    count = count + (note.msg:find('does not exist', 1, true) and 1 or 0)
  end
  h.eq(1, count, 'messages about the binary')
  h.eq({}, vim.lsp.get_clients({ name = 'ail' }), 'no client')
  assert_no_lua_errors()
end)

test(':Ail context without a server says what to do', function()
  vim.cmd('Ail context where is main')
  h.truthy(h.notification('not running for this buffer'), h.notified())
  assert_no_lua_errors()
end)

test(':checkhealth ail reports the missing binary as an ERROR with advice', function()
  edit(workspace_file())
  vim.cmd('silent checkhealth ail')
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  h.matches('ERROR[^\n]*does not exist', text)
  h.matches('cargo install %-%-path %.', text, 'install advice')
  h.matches('OK[^\n]*vim%.g%.ail is valid', text)
  h.no_match('stack traceback', text)
  h.no_match('Failed to run healthcheck', text)
  vim.cmd('tabclose')
  assert_no_lua_errors()
end)

test('a binary missing from PATH names PATH in the error', function()
  vim.g.ail = { server = { path = 'ail-not-installed-anywhere' } }
  edit(workspace_file())
  local n = h.wait_for('the error message', function()
    return h.notification('was not found on PATH')
  end, 5000, h.notified)
  h.matches('`ail%-not%-installed%-anywhere` was not found on PATH', n.msg)
  assert_no_lua_errors()
end)

test('a server that exits at start gives one error with its last words', function()
  local dir = h.tempdir()
  local script = dir .. '/ail'
  vim.fn.writefile({ '#!/bin/sh', 'echo "error: this ail refuses to start" >&2', 'exit 1' }, script)
  vim.uv.fs_chmod(script, tonumber('755', 8))
  vim.g.ail = { server = { path = script } }
  edit(workspace_file())
  local n = h.wait_for('the exit message', function()
    return h.notification('the server stopped')
  end, 10000, h.notified)
  h.eq(vim.log.levels.ERROR, n.level, 'level')
  h.matches('AIL: the server stopped %(exit code 1%)', n.msg)
  h.matches(':Ail log', n.msg, 'points to the log')
  -- The log shows the server's output.
  vim.cmd('Ail log')
  local log = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  h.matches('error: this ail refuses to start', log)
  vim.cmd('close')
  assert_no_lua_errors()
end)

test(':checkhealth ail reports a binary that cannot run', function()
  local dir = h.tempdir()
  local script = dir .. '/ail'
  vim.fn.writefile({ '#!/bin/sh', 'echo "libail.so: cannot open shared object file" >&2', 'exit 127' }, script)
  vim.uv.fs_chmod(script, tonumber('755', 8))
  vim.g.ail = { server = { path = script } }
  vim.cmd('silent checkhealth ail')
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  h.matches('OK[^\n]*ail binary: ' .. vim.pesc(script), text)
  h.matches('ERROR[^\n]*%-%-version exited with code 127: libail%.so: cannot open shared object file', text)
  vim.cmd('tabclose')
end)
