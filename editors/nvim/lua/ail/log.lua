--- The server's own output for `:Ail log`. Neovim writes each stderr chunk of a language server
--- into its LSP log as an escaped Lua string; this module picks out the AIL server's chunks and
--- turns them back into lines.

local M = {}

--- How much of the end of the LSP log to read; older output is of little use and the log can
--- grow large over weeks.
M.tail_bytes = 2 * 1024 * 1024

---@return string
function M.lsp_log_path()
  return require('vim.lsp.log').get_filename()
end

local escapes = {
  n = '\n',
  t = '\t',
  r = '\r',
  a = '\a',
  b = '\b',
  f = '\f',
  v = '\v',
  ['\\'] = '\\',
  ['"'] = '"',
  ["'"] = "'",
}

--- Undo `vim.inspect`'s quoting of a string: `"a\nb"` -> a, newline, b. Returns nil when
--- `quoted` is not a quoted string.
---@param quoted string
---@return string?
function M.unquote(quoted)
  local q = quoted:sub(1, 1)
  if (q ~= '"' and q ~= "'") or #quoted < 2 or quoted:sub(-1) ~= q then
    return nil
  end
  local body = quoted:sub(2, -2)
  local out = {}
  local i = 1
  while i <= #body do
    local c = body:sub(i, i)
    if c == '\\' and i < #body then
      local nxt = body:sub(i + 1, i + 1)
      local digits = body:match('^%d%d?%d?', i + 1)
      if digits then
        local code = tonumber(digits)
        out[#out + 1] = code and code < 256 and string.char(code) or ''
        i = i + 1 + #digits
      else
        out[#out + 1] = escapes[nxt] or nxt
        i = i + 2
      end
    else
      out[#out + 1] = c
      i = i + 1
    end
  end
  return table.concat(out)
end

--- Whether a logged command (`"/usr/bin/ail"`) is an AIL server.
---@param cmd_field string the quoted command field of a log line
---@param names table<string,true> accepted executable names
---@return boolean
local function is_ail(cmd_field, names)
  local cmd = M.unquote(cmd_field) or cmd_field
  return names[vim.fs.basename(cmd)] == true
end

--- The AIL server's stderr, as lines, from LSP log text.
---@param text string contents (or the tail) of the LSP log
---@param names table<string,true>? executable names to accept (default: `ail` and the configured one)
---@return string[]
function M.parse(text, names)
  if not names then
    names = { ail = true }
    local configured = require('ail.config').get().server.path
    if type(configured) == 'string' and configured ~= '' then
      names[vim.fs.basename(vim.fn.expand(configured))] = true
    end
  end
  local chunks = {}
  for line in vim.gsplit(text, '\n', { plain = true }) do
    local cmd_field, chunk = line:match('\t"rpc"\t(.-)\t"stderr"\t(.*)$')
    if cmd_field and is_ail(cmd_field, names) then
      chunks[#chunks + 1] = M.unquote(chunk) or chunk
    end
  end
  -- Colour codes mean nothing in a buffer or a message.
  local joined = table.concat(chunks):gsub('\27%[[%d;]*[A-Za-z]', '')
  if joined == '' then
    return {}
  end
  local lines = vim.split(joined, '\n', { plain = true })
  if lines[#lines] == '' then
    lines[#lines] = nil
  end
  return lines
end

--- Read the end of a file (at most `M.tail_bytes`).
---@param path string
---@return string
local function read_tail(path)
  local fd = io.open(path, 'rb')
  if not fd then
    return ''
  end
  local size = fd:seek('end') or 0
  fd:seek('set', math.max(0, size - M.tail_bytes))
  local text = fd:read('*a') or ''
  fd:close()
  return text
end

--- The AIL server's stderr lines from Neovim's LSP log.
---@return string[]
function M.server_lines()
  return M.parse(read_tail(M.lsp_log_path()))
end

--- Open a scratch buffer with the server's output (`:Ail log`).
function M.open()
  local path = M.lsp_log_path()
  local lines = {
    ('AIL server output, from the end of the LSP log (%s).'):format(path),
    'Set AIL_LOG=debug in the environment (or vim.g.ail.server.env) for more detail.',
    '',
  }
  local output = M.server_lines()
  if #output == 0 then
    lines[#lines + 1] = 'No output from the AIL server yet.'
  else
    vim.list_extend(lines, output)
  end
  vim.cmd('botright new')
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  pcall(vim.api.nvim_buf_set_name, buf, 'ail://log')
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = 'log'
  vim.api.nvim_win_set_cursor(0, { #lines, 0 })
  return buf
end

return M
