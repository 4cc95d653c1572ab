--- Index state for people: `:Ail status` (the `ail/status` answer as lines), `:Ail reindex`,
--- and indexing progress from `$/progress` for the status line and the message area.

local lsp = require('ail.lsp')
local config = require('ail.config')

local M = {}

---@param value any
---@return boolean
local function present(value)
  return value ~= nil and value ~= vim.NIL
end

--- 1234567 -> "1.2 MiB".
---@param bytes number?
---@return string
function M.bytes(bytes)
  bytes = tonumber(bytes)
  if not bytes then
    return '?'
  end
  local units = { 'B', 'KiB', 'MiB', 'GiB', 'TiB' }
  local i = 1
  while bytes >= 1024 and i < #units do
    bytes = bytes / 1024
    i = i + 1
  end
  return i == 1 and ('%d B'):format(bytes) or ('%.1f %s'):format(bytes, units[i])
end

--- Markdown lines for an `ail/status` answer.
---@param status table
---@return string[]
function M.lines(status)
  local lines = { '# AIL index status', '' }
  local function add(fmt, ...)
    lines[#lines + 1] = fmt:format(...)
  end
  local workspace = present(status.workspace) and tostring(status.workspace) or '?'
  if workspace:match('^file:') then
    workspace = vim.uri_to_fname(workspace)
  end
  add('- Workspace: %s', workspace)
  add('- State: **%s**', tostring(status.state or '?'))
  add('- Files: %s, chunks: %s, generation %s', tostring(status.files or '?'), tostring(status.chunks or '?'), tostring(status.generation or '?'))
  add('- Index: %s in memory%s', M.bytes(status.indexBytes), present(status.indexPath) and (', on disk at ' .. tostring(status.indexPath)) or '')
  if present(status.rssBytes) then
    add('- Server memory (RSS): %s', M.bytes(status.rssBytes))
  end
  local skipped = present(status.skipped) and status.skipped or nil
  if type(skipped) == 'table' then
    local parts = {}
    for _, key in ipairs({ 'binary', 'tooLarge', 'notUtf8', 'unreadable' }) do
      if tonumber(skipped[key]) and skipped[key] > 0 then
        parts[#parts + 1] = ('%s %s'):format(skipped[key], key)
      end
    end
    if #parts > 0 then
      add('- Skipped files: %s', table.concat(parts, ', '))
    end
  end
  local git = present(status.git) and status.git or nil
  if type(git) == 'table' then
    add(
      '- Git: %s%s%s',
      tostring(git.state or '?'),
      present(git.commits) and (', ' .. tostring(git.commits) .. (git.commits == 1 and ' commit' or ' commits')) or '',
      present(git.reason) and (' (' .. tostring(git.reason) .. ')') or ''
    )
  end
  local cache = present(status.cache) and status.cache or nil
  if type(cache) == 'table' then
    add(
      '- Answer cache: %s entries, %s hits (%s exact, %s semantic), %s misses, hit rate %.0f%%',
      tostring(cache.entries or 0),
      tostring(cache.hits or 0),
      tostring(cache.exactHits or 0),
      tostring(cache.semanticHits or 0),
      tostring(cache.misses or 0),
      (tonumber(cache.hitRate) or 0) * 100
    )
  end
  local latency = present(status.latencyMs) and status.latencyMs or nil
  if type(latency) == 'table' and (tonumber(latency.count) or 0) > 0 then
    add(
      '- Latency over %s requests: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms',
      tostring(latency.count),
      tonumber(latency.p50) or 0,
      tonumber(latency.p95) or 0,
      tonumber(latency.p99) or 0
    )
  end
  local fallbacks = present(status.fallbacks) and status.fallbacks or nil
  if type(fallbacks) == 'table' and #fallbacks > 0 then
    add('- Fallbacks in use: %s (the log says why)', table.concat(vim.tbl_map(tostring, fallbacks), ', '))
  end
  return lines
end

--- Progress and the last known index size, per client id.
---@type table<integer, { title: string?, message: string?, percentage: integer?, indexing: boolean, files: integer?, chunks: integer?, state: string? }>
M.clients = {}

local poll

local function entry(client_id)
  M.clients[client_id] = M.clients[client_id] or { indexing = false }
  return M.clients[client_id]
end

--- Clients with a status request scheduled, so that one poll runs per client.
local polling = {}

--- Ask again in a second while the server indexes, in case it sends no `$/progress` (or its
--- end was missed): the status line must not stay at "indexing" forever.
---@param client vim.lsp.Client
poll = function(client)
  if polling[client.id] then
    return
  end
  polling[client.id] = true
  vim.defer_fn(function()
    polling[client.id] = nil
    if not lsp.is_stopped(client) then
      M.refresh(client)
    end
  end, 1000)
end

--- Ask `ail/status` and remember the state and size (for the status line).
---@param client vim.lsp.Client
---@param on_done fun(status: table?, err: string?)?
function M.refresh(client, on_done)
  lsp.request(client, 'ail/status', nil, function(err, result)
    if not err and type(result) == 'table' then
      local e = entry(client.id)
      e.files, e.chunks, e.state = result.files, result.chunks, result.state
      e.indexing = result.state ~= 'ready'
      if e.indexing then
        poll(client)
      end
      vim.cmd('redrawstatus')
    end
    if on_done then
      on_done(result, err and (err.message or 'ail/status failed') or nil)
    end
  end)
end

--- Show progress in the message area, without adding to the message history.
---@param text string
local function echo(text)
  if config.get().progress and text ~= '' then
    vim.api.nvim_echo({ { text } }, false, {})
  end
end

--- Record a `$/progress` value from an AIL client (called from the `LspProgress` autocmd).
---@param client vim.lsp.Client
---@param value table begin, report or end
function M.on_progress(client, value)
  if type(value) ~= 'table' then
    return
  end
  local e = entry(client.id)
  if value.kind == 'begin' then
    e.indexing = true
    e.title = value.title
    e.message = value.message
    e.percentage = value.percentage
  elseif value.kind == 'report' then
    e.indexing = true
    e.message = value.message or e.message
    e.percentage = value.percentage or e.percentage
  elseif value.kind == 'end' then
    -- Still "indexing" until the server tells the final size: the one known so far is stale.
    e.message = value.message
    M.refresh(client, function(status)
      if status then
        echo(M.progress_text(e))
      end
    end)
    return
  end
  echo(M.progress_text(e))
  vim.cmd('redrawstatus')
end

--- "AIL indexing 42% (512/1234 files)" while indexing, "AIL 1234 files · 9876 chunks" after.
---@param e table a `M.clients` entry
---@return string
function M.progress_text(e)
  if e.indexing then
    local pct = e.percentage and (' ' .. e.percentage .. '%') or ''
    local msg = e.message and e.message ~= '' and (' (' .. e.message .. ')') or ''
    -- Titles such as "AIL: Indexing" would read "AIL AIL: Indexing".
    local title = (e.title or ''):gsub('^[Aa][Ii][Ll]:?%s*', ''):lower()
    return ('AIL %s%s%s'):format(title ~= '' and title or 'indexing', pct, msg)
  end
  if e.files then
    return ('AIL %s files · %s chunks'):format(tostring(e.files), tostring(e.chunks or '?'))
  end
  return 'AIL'
end

--- A status line component for the current buffer's AIL client; empty when none is attached.
--- Use it as `%{v:lua.require'ail'.statusline()}` (not `%{%...%}`: the text may contain `%`).
---@return string
function M.statusline()
  local client = vim.lsp.get_clients({ bufnr = 0, name = lsp.name })[1]
  if not client then
    return ''
  end
  return M.progress_text(entry(client.id))
end

--- Forget a client that stopped.
---@param client_id integer
function M.forget(client_id)
  M.clients[client_id] = nil
end

--- `:Ail status`.
function M.show(on_done)
  local client = lsp.client(0)
  if not client then
    local msg = 'not running: open a file inside a workspace, or see :checkhealth ail.'
    vim.notify('AIL: ' .. msg, vim.log.levels.WARN)
    return on_done and on_done(nil, msg)
  end
  M.refresh(client, function(status, err)
    if err or not status then
      vim.notify('AIL: ' .. (err or 'no status'), vim.log.levels.ERROR)
      return on_done and on_done(nil, err)
    end
    require('ail.context').show_float(M.lines(status), 'ail_status')
    return on_done and on_done(status, nil)
  end)
end

--- `:Ail reindex`.
function M.reindex(on_done)
  local client = lsp.client(0)
  if not client then
    local msg = 'not running: open a file inside a workspace, or see :checkhealth ail.'
    vim.notify('AIL: ' .. msg, vim.log.levels.WARN)
    return on_done and on_done(false, msg)
  end
  lsp.request(client, 'ail/reindex', nil, function(err)
    if err then
      vim.notify('AIL: ' .. (err.message or 'ail/reindex failed'), vim.log.levels.ERROR)
      return on_done and on_done(false, err.message)
    end
    -- The progress shown while it runs comes from the server's `$/progress`.
    vim.notify('AIL: reindexing ' .. tostring(client.root_dir or client.config.root_dir or 'the workspace'))
    return on_done and on_done(true, nil)
  end)
end

return M
