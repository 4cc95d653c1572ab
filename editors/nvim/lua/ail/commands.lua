--- The `:Ail` command: its subcommands, their arguments, and completion.

local M = {}

---@class ail.Subcommand
---@field run fun(args: string, bang: boolean)
---@field help string

---@type table<string, ail.Subcommand>
M.subcommands = {
  context = {
    help = 'ask about the current file and cursor: :Ail context {question}',
    run = function(args)
      require('ail.context').ask(args)
    end,
  },
  symbol = {
    help = 'ask about the symbol under the cursor',
    run = function()
      require('ail.context').ask_symbol()
    end,
  },
  status = {
    help = 'show what is indexed',
    run = function()
      require('ail.status').show()
    end,
  },
  reindex = {
    help = 'rebuild the index in the background',
    run = function()
      require('ail.status').reindex()
    end,
  },
  log = {
    help = "open the server's output",
    run = function()
      require('ail.log').open()
    end,
  },
}

--- Split `:Ail` arguments into the subcommand and the rest (kept verbatim: it is a question).
---@param line string
---@return string name
---@return string rest
function M.split(line)
  local name, rest = vim.trim(line):match('^(%S+)%s*(.*)$')
  return name or '', rest or ''
end

--- Run `:Ail {line}`.
---@param line string
---@param bang boolean?
function M.run(line, bang)
  local name, rest = M.split(line)
  if name == '' then
    name = 'status'
  end
  local sub = M.subcommands[name]
  if not sub then
    vim.notify(
      ('AIL: unknown subcommand %q; use one of: %s'):format(name, table.concat(M.names(), ', ')),
      vim.log.levels.ERROR
    )
    return
  end
  sub.run(rest, bang == true)
end

---@return string[]
function M.names()
  local names = vim.tbl_keys(M.subcommands)
  table.sort(names)
  return names
end

--- Completion for `:Ail`: subcommand names in the first position, nothing after (a question is
--- free text).
---@param arg_lead string
---@param cmd_line string
---@return string[]
function M.complete(arg_lead, cmd_line)
  local after = cmd_line:match('^%s*%S+%s+(.*)$') or ''
  if after:find('%s') then
    return {}
  end
  return vim.tbl_filter(function(name)
    return name:sub(1, #arg_lead) == arg_lead
  end, M.names())
end

return M
