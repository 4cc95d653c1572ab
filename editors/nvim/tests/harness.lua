--- Runs one spec file inside a fresh headless Neovim: puts the plugin on the runtimepath, gives
--- the spec `test()` and assertion helpers, runs each test under a traceback, and ends with
--- "N passed, N failed" and a matching exit code.
---
--- Usage: nvim --clean --headless -l harness.lua SPEC_FILE

local spec_path = assert(_G.arg[1], 'usage: harness.lua SPEC_FILE')
local tests_dir = vim.fs.dirname(vim.fs.normalize(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p')))
local plugin_dir = vim.fs.dirname(tests_dir)

vim.opt.runtimepath:prepend(plugin_dir)
package.path = tests_dir .. '/?.lua;' .. package.path

local h = require('helpers')
h.plugin_dir = plugin_dir
h.tests_dir = tests_dir

local tests = {}
_G.test = function(name, fn)
  tests[#tests + 1] = { name = name, fn = fn }
end

local chunk, load_err = loadfile(spec_path)
if not chunk then
  io.stdout:write('FAIL loading ' .. spec_path .. ': ' .. tostring(load_err) .. '\n')
  io.stdout:write('0 passed, 1 failed\n')
  os.exit(1)
end
local ok_load, spec_err = xpcall(chunk, debug.traceback)
if not ok_load then
  io.stdout:write('FAIL loading ' .. spec_path .. ': ' .. tostring(spec_err) .. '\n')
  io.stdout:write('0 passed, 1 failed\n')
  os.exit(1)
end

local passed, failed = 0, 0
for _, t in ipairs(tests) do
  h.before_each()
  local ok, err = xpcall(t.fn, debug.traceback)
  local ok_after, after_err = xpcall(h.after_each, debug.traceback)
  if ok and not ok_after then
    ok, err = false, 'cleanup: ' .. tostring(after_err)
  end
  if ok then
    passed = passed + 1
    io.stdout:write('ok   ' .. t.name .. '\n')
  else
    failed = failed + 1
    io.stdout:write('FAIL ' .. t.name .. '\n    ' .. tostring(err):gsub('\n', '\n    ') .. '\n')
  end
  io.stdout:flush()
end
pcall(h.finish)

io.stdout:write(('%d passed, %d failed\n'):format(passed, failed))
io.stdout:flush()
os.exit(failed == 0 and 0 or 1)
