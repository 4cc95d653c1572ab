--- The AIL client: its configuration (shared by `lsp/ail.lua` on 0.11+ and `vim.lsp.start` on
--- 0.10), workspace roots, starting, finding the client of a buffer, and requests that work on
--- both the 0.10 (`client.request`) and 0.11+ (`client:request`) client APIs.

local binary = require('ail.binary')
local config = require('ail.config')

local M = {}

M.name = 'ail'

local has_011 = vim.fn.has('nvim-0.11') == 1

--- Messages already shown, so that opening ten files without a binary shows one error.
local notified = {}

--- Show `msg` once per session (per distinct text).
---@param msg string
---@param level integer?
function M.notify_once(msg, level)
  if notified[msg] then
    return
  end
  notified[msg] = true
  vim.schedule(function()
    vim.notify('AIL: ' .. msg, level or vim.log.levels.ERROR)
  end)
end

--- Forget which messages were shown (after a configuration change, a restart, or in tests).
function M.reset_notifications()
  notified = {}
end

--- The workspace root for a buffer: the nearest directory holding a root marker, else the
--- current directory when the file is under it (but never the home directory or `/`, which
--- would index far too much). Nil for buffers that are not files.
---@param bufnr integer
---@param opts ail.Options?
---@return string?
function M.root_for(bufnr, opts)
  opts = opts or config.get()
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or name:match('^%a[%w+.-]*://') then
    return nil
  end
  local path = vim.fs.normalize(vim.fn.fnamemodify(name, ':p'))
  local markers = type(opts.root_markers) == 'table' and opts.root_markers or {}
  if #markers > 0 then
    local root = vim.fs.root(path, markers)
    if root then
      return vim.fs.normalize(root)
    end
  end
  local cwd = vim.fs.normalize(vim.fn.getcwd())
  local home = vim.fs.normalize(vim.uv.os_homedir() or '')
  if cwd == '/' or cwd == home then
    return nil
  end
  if path:sub(1, #cwd + 1) == cwd .. '/' then
    return cwd
  end
  return nil
end

--- `initializationOptions` from `vim.g.ail.settings`. An empty table must go out as `{}`,
--- not `[]`, or the server would read a list where it expects an object.
---@param settings table?
---@return table
function M.init_options(settings)
  if type(settings) ~= 'table' or next(settings) == nil then
    return vim.empty_dict()
  end
  local out = vim.deepcopy(settings)
  -- The server takes directories literally; `~/models` should mean what it means here.
  for _, key in ipairs({ 'modelDir', 'cacheDir' }) do
    if type(out[key]) == 'string' and out[key] ~= '' then
      out[key] = vim.fs.normalize(out[key])
    end
  end
  return out
end

--- The command line that starts the server.
---@param path string the resolved binary
---@param opts ail.Options
---@return string[]
function M.cmd(path, opts)
  local cmd = { path, 'lsp' }
  for _, arg in ipairs(type(opts.server.args) == 'table' and opts.server.args or {}) do
    cmd[#cmd + 1] = tostring(arg)
  end
  return cmd
end

--- Whether AIL should attach to this buffer's filetype.
---@param bufnr integer
---@param opts ail.Options
---@return boolean
local function filetype_allowed(bufnr, opts)
  if type(opts.filetypes) ~= 'table' then
    return true
  end
  return vim.tbl_contains(opts.filetypes, vim.bo[bufnr].filetype)
end

--- The last lines the server wrote to stderr, for an exit message.
---@return string?
local function last_stderr_line()
  local ok, log = pcall(require, 'ail.log')
  if not ok then
    return nil
  end
  local lines = log.server_lines()
  for i = #lines, 1, -1 do
    if vim.trim(lines[i]) ~= '' then
      return vim.trim(lines[i])
    end
  end
  return nil
end

--- Fields shared by both ways of starting: the command, the settings, and exit reporting.
---@return table
local function common_config()
  return {
    name = M.name,
    -- A function, so the binary and arguments are read from `vim.g.ail` at each start.
    cmd = function(dispatchers, client_config)
      local opts = config.get()
      local path = binary.find(opts.server.path) or opts.server.path
      local root = client_config and client_config.root_dir
      local cwd = type(root) == 'string' and vim.fn.isdirectory(root) == 1 and root or nil
      return vim.lsp.rpc.start(M.cmd(path, opts), dispatchers, {
        cwd = cwd,
        env = type(opts.server.env) == 'table' and opts.server.env or nil,
      })
    end,
    before_init = function(params)
      params.initializationOptions = M.init_options(config.get().settings)
    end,
    on_exit = function(code, signal)
      -- 0 is a normal shutdown; 15 (SIGTERM) is Neovim stopping a client that did not exit.
      if code == 0 or signal == 15 then
        return
      end
      vim.schedule(function()
        local why = last_stderr_line()
        M.notify_once(
          ('the server stopped (exit code %d%s)%s. Run :Ail log for its output, or :checkhealth ail.'):format(
            code,
            signal ~= 0 and (', signal ' .. signal) or '',
            why and (': ' .. why) or ''
          )
        )
      end)
    end,
  }
end

--- Whether a server can start for `bufnr`; notifies (once) when the binary is missing.
---@param bufnr integer
---@return string? root
local function startable_root(bufnr)
  local opts = config.get()
  if not filetype_allowed(bufnr, opts) then
    return nil
  end
  local root = M.root_for(bufnr, opts)
  if not root then
    return nil
  end
  local _, err = binary.find(opts.server.path)
  if err then
    M.notify_once(err)
    return nil
  end
  return root
end

--- The configuration `lsp/ail.lua` returns for `vim.lsp.enable('ail')` (0.11+). The root is a
--- function so that a buffer outside any workspace, or a missing binary, starts nothing (with
--- one clear message for the binary) instead of failing inside the client.
---@return table
function M.enable_config()
  local cfg = common_config()
  cfg.name = nil -- `vim.lsp.config` names it after the file.
  cfg.filetypes = config.get().filetypes
  cfg.root_dir = function(bufnr, on_dir)
    local root = startable_root(bufnr)
    if root then
      on_dir(root)
    end
  end
  return cfg
end

--- Start (or reuse) the client for `bufnr` with `vim.lsp.start`: the 0.10 way, also used by
--- `:Ail` when autostart is off. Returns the client id, or nil when nothing was started.
---@param bufnr integer?
---@return integer?
function M.start(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local root = startable_root(bufnr)
  if not root then
    return nil
  end
  local cfg = common_config()
  cfg.root_dir = root
  -- 0.10's client calls `cmd(dispatchers)` without the config; give it the root directly.
  local cmd = cfg.cmd
  cfg.cmd = function(dispatchers, client_config)
    return cmd(dispatchers, client_config or { root_dir = root })
  end
  return vim.lsp.start(cfg, { bufnr = bufnr })
end

--- The AIL client attached to `bufnr`, else the first running AIL client (so that status and
--- reindex work from the quickfix window too). Nil when no AIL client runs.
---@param bufnr integer?
---@return vim.lsp.Client?
---@return boolean attached whether the client is attached to `bufnr`
function M.client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local attached = vim.lsp.get_clients({ bufnr = bufnr, name = M.name })
  if attached[1] then
    return attached[1], true
  end
  local any = vim.lsp.get_clients({ name = M.name })
  return any[1], false
end

--- Send a request on either client API. Returns whether it was sent.
---@param client vim.lsp.Client
---@param method string
---@param params table?
---@param handler fun(err: table?, result: any, ctx: table)
---@param bufnr integer?
---@return boolean
function M.request(client, method, params, handler, bufnr)
  if has_011 then
    return (client:request(method, params, handler, bufnr))
  end
  ---@diagnostic disable-next-line: param-type-mismatch
  return (client.request(method, params, handler, bufnr))
end

--- Send a request and wait for its answer (for `:checkhealth`). Returns the result, or nil and
--- an error message.
---@param client vim.lsp.Client
---@param method string
---@param params table?
---@param timeout_ms integer
---@param bufnr integer?
---@return any result
---@return string? err
function M.request_sync(client, method, params, timeout_ms, bufnr)
  local response, err
  if has_011 then
    response, err = client:request_sync(method, params, timeout_ms, bufnr)
  else
    ---@diagnostic disable-next-line: param-type-mismatch
    response, err = client.request_sync(method, params, timeout_ms, bufnr)
  end
  if not response then
    return nil, err == 'timeout' and ('no answer within %d ms'):format(timeout_ms) or tostring(err)
  end
  if response.err then
    return nil, response.err.message or vim.inspect(response.err)
  end
  return response.result
end

--- Whether a client has stopped, on either client API.
---@param client vim.lsp.Client
---@return boolean
function M.is_stopped(client)
  if has_011 then
    return client:is_stopped()
  end
  ---@diagnostic disable-next-line: missing-parameter
  return client.is_stopped()
end

--- Stop every AIL client (for restarts and tests).
function M.stop_all()
  for _, client in ipairs(vim.lsp.get_clients({ name = M.name })) do
    if has_011 then
      client:stop()
    else
      ---@diagnostic disable-next-line: missing-parameter
      client.stop()
    end
  end
end

return M
