--- Options for the AIL plugin: the defaults, merged with the user's `vim.g.ail`, validated.
---
--- `vim.g.ail` is read each time the options are needed (when a server starts, when a command
--- runs), so changing it takes effect for the next server without any `setup()` call.

local M = {}

---@class ail.ServerOptions
---@field path string the `ail` binary: a name looked up on PATH, or a path
---@field args string[] extra arguments after `ail lsp`
---@field env table<string,string>? extra environment for the server process

---@class ail.Options
---@field autostart boolean start the server for files in a workspace
---@field server ail.ServerOptions
---@field settings table passed to the server as `initializationOptions`
---@field root_markers string[] files or directories that mark a workspace root
---@field filetypes string[]? restrict attaching to these filetypes (nil: every file)
---@field context { limit: integer, open_quickfix: boolean }
---@field float { border: string|table, max_width: integer, max_height: integer }
---@field progress boolean echo indexing progress in the message area

---@type ail.Options
M.defaults = {
  autostart = true,
  server = { path = 'ail', args = {}, env = nil },
  settings = vim.empty_dict(),
  root_markers = { '.git' },
  filetypes = nil,
  context = { limit = 10, open_quickfix = false },
  float = { border = 'rounded', max_width = 100, max_height = 30 },
  progress = true,
}

--- The settings the server reads (`initializationOptions`), with the Lua type of each.
M.server_settings = {
  maxFileSize = 'number',
  exclude = 'table',
  modelDir = 'string',
  cacheDir = 'string',
  exactSearch = 'boolean',
  parallelStages = 'boolean',
  cache = 'boolean',
  semanticCache = 'boolean',
  persist = 'boolean',
}

--- Settings the server would ignore or reject: unknown keys and values of the wrong type.
---@param settings table
---@return string[]
function M.settings_problems(settings)
  local problems = {}
  if type(settings) ~= 'table' then
    return problems
  end
  for key, value in pairs(settings) do
    local kind = M.server_settings[key]
    if not kind then
      local known = vim.tbl_keys(M.server_settings)
      table.sort(known)
      problems[#problems + 1] = ('vim.g.ail.settings.%s is not an AIL setting (known: %s)'):format(
        tostring(key),
        table.concat(known, ', ')
      )
    elseif type(value) ~= kind then
      problems[#problems + 1] = ('vim.g.ail.settings.%s should be a %s, not a %s'):format(key, kind, type(value))
    end
  end
  table.sort(problems)
  return problems
end

--- Check `opts` (already merged with the defaults). Returns a list of problems, each naming the
--- option and what is expected; empty when all is well.
---@param opts table
---@return string[]
function M.problems(opts)
  local problems = {}
  local function expect(name, value, kinds, optional)
    if value == nil then
      if not optional then
        problems[#problems + 1] = ('vim.g.ail.%s is missing'):format(name)
      end
      return
    end
    for _, kind in ipairs(kinds) do
      if type(value) == kind then
        return
      end
    end
    problems[#problems + 1] = ('vim.g.ail.%s should be a %s, not a %s'):format(
      name,
      table.concat(kinds, ' or '),
      type(value)
    )
  end
  expect('autostart', opts.autostart, { 'boolean' })
  expect('server', opts.server, { 'table' })
  if type(opts.server) == 'table' then
    expect('server.path', opts.server.path, { 'string' })
    if type(opts.server.path) == 'string' and vim.trim(opts.server.path) == '' then
      problems[#problems + 1] = 'vim.g.ail.server.path is empty'
    end
    expect('server.args', opts.server.args, { 'table' })
    expect('server.env', opts.server.env, { 'table' }, true)
  end
  expect('settings', opts.settings, { 'table' })
  expect('root_markers', opts.root_markers, { 'table' })
  expect('filetypes', opts.filetypes, { 'table' }, true)
  expect('context', opts.context, { 'table' })
  if type(opts.context) == 'table' then
    expect('context.limit', opts.context.limit, { 'number' })
    local limit = opts.context.limit
    if type(limit) == 'number' and (limit < 1 or limit > 100 or limit % 1 ~= 0) then
      problems[#problems + 1] = 'vim.g.ail.context.limit should be a whole number from 1 to 100'
    end
    expect('context.open_quickfix', opts.context.open_quickfix, { 'boolean' })
  end
  expect('float', opts.float, { 'table' })
  expect('progress', opts.progress, { 'boolean' })
  return problems
end

--- The options in force: defaults, overridden by `vim.g.ail`. Invalid values are reported by
--- `problems()` (and by `:checkhealth ail`); callers get the merged table either way.
---@return ail.Options
function M.get()
  local user = vim.g.ail
  if type(user) ~= 'table' then
    user = {}
  end
  local merged = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), user)
  -- Lists replace rather than merge: `root_markers = { '.hg' }` means only `.hg`.
  for _, key in ipairs({ 'root_markers', 'filetypes' }) do
    if user[key] ~= nil then
      merged[key] = user[key]
    end
  end
  if type(user.server) == 'table' and user.server.args ~= nil then
    merged.server.args = user.server.args
  end
  return merged
end

return M
