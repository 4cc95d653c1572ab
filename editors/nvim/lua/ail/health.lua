--- `:checkhealth ail`: Neovim's version, the options, the binary (found, runnable, version),
--- the server attached to the current buffer, and the index state. Each failure says what to do.

local M = {}

local health = vim.health

--- The buffer `:checkhealth` was run from (it opens its own buffer before calling us).
---@return integer
local function origin_buffer()
  local alt = vim.fn.bufnr('#')
  if alt > 0 and vim.api.nvim_buf_is_valid(alt) and vim.bo[alt].buftype == '' then
    return alt
  end
  return vim.api.nvim_get_current_buf()
end

local function check_neovim()
  if vim.fn.has('nvim-0.10') == 1 then
    local v = vim.version()
    health.ok(('Neovim %d.%d.%d'):format(v.major, v.minor, v.patch))
  else
    health.error('Neovim 0.10 or newer is required', { 'Upgrade Neovim: https://neovim.io' })
  end
end

---@return ail.Options
local function check_options()
  local config = require('ail.config')
  local opts = config.get()
  local problems = config.problems(opts)
  if #problems == 0 then
    health.ok('vim.g.ail is valid' .. (vim.g.ail == nil and ' (not set: defaults in use)' or ''))
  else
    for _, problem in ipairs(problems) do
      health.error(problem, { 'Fix vim.g.ail; see :help ail-options' })
    end
  end
  -- The server ignores these with a warning of its own; saying so here is clearer.
  for _, problem in ipairs(config.settings_problems(opts.settings)) do
    health.warn(problem, { 'See :help ail-options' })
  end
  return opts
end

---@param opts ail.Options
---@return string? path
local function check_binary(opts)
  local binary = require('ail.binary')
  local path, err = binary.find(opts.server.path)
  if not path then
    health.error(err or 'the ail binary was not found', {
      'Install AIL: `cargo install --path .` in its repository puts `ail` in ~/.cargo/bin (add it to PATH)',
      'Or point to it: vim.g.ail = { server = { path = "/path/to/ail" } }',
    })
    return nil
  end
  health.ok('ail binary: ' .. path)
  local version, verr = binary.version(path)
  if not version then
    health.error(verr or ('could not run ' .. path), {
      'Run `' .. path .. ' --version` in a terminal to see why',
      'Rebuild or reinstall AIL',
    })
    return nil
  end
  health.ok('version: ' .. version)
  return path
end

---@param bufnr integer
local function check_client(bufnr)
  local lsp = require('ail.lsp')
  local attached = vim.lsp.get_clients({ bufnr = bufnr, name = lsp.name })
  local client = attached[1]
  if client then
    health.ok(('attached to %s (workspace %s)'):format(
      vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':~:.'),
      tostring(client.root_dir or client.config.root_dir)
    ))
  else
    local running = vim.lsp.get_clients({ name = lsp.name })
    local name = vim.api.nvim_buf_get_name(bufnr)
    local root = lsp.root_for(bufnr)
    local advice = {}
    if name == '' then
      advice[#advice + 1] = 'Run :checkhealth ail from a file buffer to check that it attaches'
    elseif not root then
      advice[#advice + 1] = 'This file is not inside a workspace: AIL attaches to files under a directory with '
        .. table.concat(require('ail.config').get().root_markers, ' or ')
        .. ' (vim.g.ail.root_markers), or under the current directory'
    else
      advice[#advice + 1] = 'Workspace ' .. root .. ' found, but no server attached: see :Ail log'
      if require('ail.config').get().autostart == false then
        advice[#advice + 1] = 'vim.g.ail.autostart is false: call require("ail").start()'
      end
    end
    if #running > 0 then
      health.warn(('not attached to this buffer (%d AIL server(s) running for other workspaces)'):format(#running), advice)
      client = running[1]
    else
      health.warn('no AIL server is running', advice)
      return
    end
  end
  local status, err = lsp.request_sync(client, 'ail/status', nil, 5000)
  if not status then
    health.error('ail/status failed: ' .. tostring(err), { 'See :Ail log for the server output' })
    return
  end
  local summary = ('%s files, %s chunks'):format(tostring(status.files), tostring(status.chunks))
  if status.state == 'ready' then
    health.ok('index ready: ' .. summary)
  elseif status.state == 'indexing' then
    health.info('indexing in progress: ' .. summary .. ' so far; answers are partial until it ends')
  else
    health.warn(('index state %q: %s'):format(tostring(status.state), summary), { 'Try :Ail reindex; see :Ail log' })
  end
  if type(status.fallbacks) == 'table' and #status.fallbacks > 0 then
    health.info('fallbacks in use: ' .. table.concat(vim.tbl_map(tostring, status.fallbacks), ', '))
  end
end

function M.check()
  health.start('ail: Neovim and options')
  check_neovim()
  local opts = check_options()
  health.start('ail: server binary')
  check_binary(opts)
  health.start('ail: server and index')
  check_client(origin_buffer())
end

return M
