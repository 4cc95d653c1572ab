--- Finding the `ail` binary (a configured path, or a name on PATH) and asking it its version.

local M = {}

--- Where to get `ail` when it is missing; shown with every "not found" message.
M.install_hint = 'Install it with `cargo install --path .` in the AIL repository, '
  .. 'or set vim.g.ail = { server = { path = "/path/to/ail" } }.'

---@param name string
---@return boolean
local function looks_like_path(name)
  return name:find('/', 1, true) ~= nil or name:find('\\', 1, true) ~= nil or name:sub(1, 1) == '~'
end

--- Resolve the configured server path to an executable.
---
--- A bare name (the default `ail`) is looked up on PATH; anything with a separator or a
--- leading `~` is taken as a path, with `~` and environment variables expanded.
---@param configured string? the `vim.g.ail.server.path` value
---@return string? path the executable, absolute when found on PATH
---@return string? err what went wrong and what to do, when not found
function M.find(configured)
  if type(configured) ~= 'string' or vim.trim(configured) == '' then
    return nil, 'vim.g.ail.server.path is empty. ' .. M.install_hint
  end
  if looks_like_path(configured) then
    local path = vim.fn.expand(configured)
    if vim.fn.isdirectory(path) == 1 then
      return nil, ('%s is a directory, not the ail binary. %s'):format(path, M.install_hint)
    end
    if vim.fn.filereadable(path) == 0 then
      return nil,
        ('the AIL server binary %s (vim.g.ail.server.path) does not exist. %s'):format(
          path,
          M.install_hint
        )
    end
    if vim.fn.executable(path) == 0 then
      return nil, ('%s is not executable: run `chmod +x %s`.'):format(path, path)
    end
    return path
  end
  local found = vim.fn.exepath(configured)
  if found == '' then
    return nil, ('the AIL server binary `%s` was not found on PATH. %s'):format(configured, M.install_hint)
  end
  return found
end

--- Run `ail --version` and return its first line ("ail 0.1.0"), or nil and why it failed.
---@param path string
---@param timeout_ms integer?
---@return string? version
---@return string? err
function M.version(path, timeout_ms)
  local ok, proc = pcall(vim.system, { path, '--version' }, { text = true })
  if not ok then
    return nil, ('could not run %s: %s'):format(path, tostring(proc))
  end
  local result = proc:wait(timeout_ms or 5000)
  if result.signal ~= 0 and result.code == 0 then
    return nil, ('%s --version did not answer in time'):format(path)
  end
  if result.code ~= 0 then
    local detail = vim.trim(result.stderr or '')
    return nil,
      ('%s --version exited with code %d%s'):format(path, result.code, detail ~= '' and (': ' .. detail) or '')
  end
  local first = vim.split(vim.trim(result.stdout or ''), '\n', { plain = true })[1] or ''
  if first == '' then
    return nil, ('%s --version printed nothing'):format(path)
  end
  return first
end

return M
