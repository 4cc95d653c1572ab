--- The public Lua API of the AIL plugin: everything `:Ail` does, callable from mappings and
--- status lines. Nothing here needs calling to make the plugin work.

local M = {}

--- Ask a question about the current file and cursor (`:Ail context`).
---@param question string? empty: the code under the cursor
function M.context(question)
  require('ail.context').ask(question)
end

--- Ask about the symbol under the cursor (`:Ail symbol`).
function M.symbol()
  require('ail.context').ask_symbol()
end

--- Show the index status (`:Ail status`).
function M.status()
  require('ail.status').show()
end

--- Rebuild the index in the background (`:Ail reindex`).
function M.reindex()
  require('ail.status').reindex()
end

--- Open the server's output (`:Ail log`).
function M.log()
  require('ail.log').open()
end

--- A status line component: indexing progress, then files and chunks.
---@return string
function M.statusline()
  return require('ail.status').statusline()
end

--- Start the server for a buffer when autostart is off (`vim.g.ail.autostart = false`).
---@param bufnr integer?
---@return integer? client_id
function M.start(bufnr)
  return require('ail.lsp').start(bufnr)
end

return M
