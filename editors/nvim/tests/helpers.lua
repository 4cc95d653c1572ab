--- Assertions, waiting, captured notifications and throwaway workspaces for the specs.

local M = {}

--- Messages given to `vim.notify` during the current test: { msg = ..., level = ... }.
M.notifications = {}
--- Every message of the spec file, never reset.
M.all_notifications = {}

local real_notify = vim.notify
vim.notify = function(msg, level, opts)
  local entry = { msg = tostring(msg), level = level or vim.log.levels.INFO }
  M.notifications[#M.notifications + 1] = entry
  M.all_notifications[#M.all_notifications + 1] = entry
  if os.getenv('AIL_TEST_VERBOSE') then
    real_notify(msg, level, opts)
  end
end

local temp_dirs = {}

function M.before_each()
  M.notifications = {}
  vim.v.errmsg = ''
  package.loaded['ail.lsp'] = package.loaded['ail.lsp'] -- keep module state between tests
  if package.loaded['ail.lsp'] then
    package.loaded['ail.lsp'].reset_notifications()
  end
end

--- Close floating windows left by a test, so the next one starts clean.
function M.after_each()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= '' then
      pcall(vim.api.nvim_win_close, win, true)
    end
  end
end

--- Stop servers and remove temporary directories at the end of a spec file.
function M.finish()
  local clients = vim.lsp.get_clients()
  for _, client in ipairs(clients) do
    if vim.fn.has('nvim-0.11') == 1 then
      client:stop()
    else
      client.stop()
    end
  end
  vim.wait(5000, function()
    return #vim.lsp.get_clients() == 0
  end, 50)
  for _, dir in ipairs(temp_dirs) do
    vim.fn.delete(dir, 'rf')
  end
end

---@param what string
local function fail(what)
  error(what, 3)
end

function M.eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    fail(('%s: expected %s, got %s'):format(what or 'values differ', vim.inspect(expected), vim.inspect(actual)))
  end
end

function M.truthy(value, what)
  if not value then
    fail(what or 'expected a true value')
  end
  return value
end

function M.matches(pattern, text, what)
  if type(text) ~= 'string' or not text:find(pattern) then
    fail(('%s: %s does not match %q'):format(what or 'no match', vim.inspect(text), pattern))
  end
end

function M.no_match(pattern, text, what)
  if type(text) == 'string' and text:find(pattern) then
    fail(('%s: %s matches %q'):format(what or 'unexpected match', vim.inspect(text), pattern))
  end
end

--- Wait for `cond()` to return a true value (processing events meanwhile); fail with `what` and
--- the last value of `describe()` on timeout. Returns what `cond` returned.
---@param what string
---@param cond fun(): any
---@param timeout_ms integer?
---@param describe (fun(): string)?
function M.wait_for(what, cond, timeout_ms, describe)
  local value
  local ok = vim.wait(timeout_ms or 20000, function()
    value = cond()
    return value ~= nil and value ~= false
  end, 20)
  if not ok then
    fail(('timed out waiting for %s%s'):format(what, describe and ('; ' .. describe()) or ''))
  end
  return value
end

--- All captured notifications as one string (for error messages).
function M.notified()
  return table.concat(
    vim.tbl_map(function(n)
      return ('[%d] %s'):format(n.level, n.msg)
    end, M.notifications),
    '\n'
  )
end

--- The first captured notification that contains `needle` (plain text).
function M.notification(needle)
  for _, n in ipairs(M.notifications) do
    if n.msg:find(needle, 1, true) then
      return n
    end
  end
end

--- A new empty directory, removed at the end of the spec file.
---@return string
function M.tempdir()
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, 'p')
  dir = vim.fs.normalize(vim.uv.fs_realpath(dir) or dir)
  temp_dirs[#temp_dirs + 1] = dir
  return dir
end

--- The repository root (this file is editors/nvim/tests/helpers.lua).
function M.repo_root()
  return vim.fs.dirname(vim.fs.dirname(M.plugin_dir))
end

--- The `ail` binary under test: $AIL_BIN, else target/debug/ail in the repository.
---@return string
function M.ail_bin()
  local bin = os.getenv('AIL_BIN')
  if bin and bin ~= '' then
    return vim.fn.fnamemodify(bin, ':p')
  end
  return M.repo_root() .. '/target/debug/ail'
end

--- Run a command and return its stdout; fail the test when it exits non-zero.
---@param cmd string[]
---@param opts table?
---@return string
function M.run(cmd, opts)
  local result = vim.system(cmd, vim.tbl_extend('force', { text = true }, opts or {})):wait(120000)
  if result.code ~= 0 then
    fail(('%s exited with %d: %s'):format(table.concat(cmd, ' '), result.code, result.stderr or ''))
  end
  return result.stdout or ''
end

--- A copy of the polyglot fixture in a temporary directory, committed to a fresh git
--- repository (so it has a root marker and history). With `other_kinds`, code the project
--- did not write is added first (editors/fixtures/README.md): the files of
--- editors/fixtures/file-kinds, and a vendored copy of core/src/cache.rs in vendor/lru/src.
--- Returns its path.
---@param other_kinds boolean?
---@return string
function M.fixture_workspace(other_kinds)
  local source = M.repo_root() .. '/tests/fixtures/polyglot'
  M.truthy(vim.fn.isdirectory(source) == 1, 'fixture not found: ' .. source)
  local root = M.tempdir() .. '/polyglot'
  M.run({ 'cp', '-R', source, root })
  if other_kinds then
    M.run({ 'cp', '-R', M.repo_root() .. '/editors/fixtures/file-kinds/.', root })
    vim.fn.mkdir(root .. '/vendor/lru/src', 'p')
    M.run({ 'cp', root .. '/core/src/cache.rs', root .. '/vendor/lru/src/cache.rs' })
  end
  local git_env = {
    GIT_AUTHOR_NAME = 'Ada Tester',
    GIT_AUTHOR_EMAIL = 'ada@example.com',
    GIT_COMMITTER_NAME = 'Ada Tester',
    GIT_COMMITTER_EMAIL = 'ada@example.com',
    GIT_AUTHOR_DATE = '2025-01-02T03:04:05Z',
    GIT_COMMITTER_DATE = '2025-01-02T03:04:05Z',
  }
  M.run({ 'git', 'init', '-q', root })
  M.run({ 'git', '-C', root, 'add', '-A' })
  M.run({ 'git', '-C', root, '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'Import the bookshelf fixture' }, { env = git_env })
  return root
end

--- Load the plugin as a package manager would (after `vim.g.ail` is set).
function M.load_plugin()
  vim.cmd('filetype plugin on')
  vim.cmd('runtime! plugin/ail.lua')
end

--- The lines of the first floating window, or nil.
---@return string[]?
function M.float_lines()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= '' then
      return vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false)
    end
  end
end

return M
