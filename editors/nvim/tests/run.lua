--- The Neovim test runner: runs every `*_spec.lua` here (or the ones named on the command line)
--- each in its own headless Neovim, prints their output, and ends with the total
--- "N passed, N failed". Exit code 0 only when every test passed.
---
--- Usage: nvim --headless -l editors/nvim/tests/run.lua [SPEC_FILE...]
--- Environment: AIL_BIN, the `ail` binary for the end-to-end specs (default: target/debug/ail
--- in the repository).

local tests_dir = vim.fs.dirname(vim.fs.normalize(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p')))
local harness = tests_dir .. '/harness.lua'

local specs = {}
for i = 1, #_G.arg do
  specs[#specs + 1] = vim.fn.fnamemodify(_G.arg[i], ':p')
end
if #specs == 0 then
  for name, kind in vim.fs.dir(tests_dir) do
    if kind == 'file' and name:match('_spec%.lua$') then
      specs[#specs + 1] = tests_dir .. '/' .. name
    end
  end
  table.sort(specs)
end

local nvim = vim.v.progpath
local total_passed, total_failed = 0, 0
for _, spec in ipairs(specs) do
  io.stdout:write('== ' .. vim.fs.basename(spec) .. '\n')
  io.stdout:flush()
  local last = ''
  local function on_output(_, data)
    if data then
      io.stdout:write(data)
      io.stdout:flush()
      for line in data:gmatch('[^\n]+') do
        last = line
      end
    end
  end
  local proc = vim.system({ nvim, '--clean', '--headless', '-l', harness, spec }, {
    stdout = on_output,
    stderr = function(_, data)
      if data then
        io.stderr:write(data)
      end
    end,
  })
  -- A spec that hangs must not hang the suite: it gets ten minutes.
  local result = proc:wait(10 * 60 * 1000)
  local p, f = last:match('^(%d+) passed, (%d+) failed$')
  if p then
    total_passed = total_passed + tonumber(p)
    total_failed = total_failed + tonumber(f)
    if result.code ~= 0 and tonumber(f) == 0 then
      total_failed = total_failed + 1
      io.stdout:write(('FAIL %s exited with code %d\n'):format(vim.fs.basename(spec), result.code))
    end
  else
    total_failed = total_failed + 1
    io.stdout:write(
      ('FAIL %s ended without a summary (exit code %d, signal %d)\n'):format(
        vim.fs.basename(spec),
        result.code,
        result.signal
      )
    )
  end
end

io.stdout:write(('%d passed, %d failed\n'):format(total_passed, total_failed))
io.stdout:flush()
os.exit(total_failed == 0 and 0 or 1)
