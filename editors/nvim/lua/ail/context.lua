--- `:Ail context`: build the `ail/context` request from the cursor, and turn the answer into
--- quickfix items and the lines of a floating window. Both say when a place is not the
--- project's own code ("vendored", "generated", ...) and where its text is copied.

local lsp = require('ail.lsp')
local config = require('ail.config')

local M = {}

--- The request params. The question is left out when empty, so that the server asks about the
--- symbol or line under the cursor (which the protocol does when a position is given).
---@param question string?
---@param position_params { textDocument: { uri: string }, position: { line: integer, character: integer } }?
---@param limit integer?
---@return table
function M.params(question, position_params, limit)
  local params = {}
  question = question and vim.trim(question) or ''
  if question ~= '' then
    params.question = question
  end
  if position_params then
    params.textDocument = { uri = position_params.textDocument.uri }
    params.position = position_params.position
  end
  if limit then
    params.limit = limit
  end
  return params
end

--- 1-based first and last line of an LSP range whose end is exclusive (`end.character == 0`
--- means the range stops before that line).
---@param range { start: { line: integer, character: integer }, ['end']: { line: integer, character: integer } }
---@return integer first
---@return integer last
function M.lines(range)
  local first = range.start.line + 1
  local last = range['end'].line
  if (range['end'].character or 0) > 0 then
    last = last + 1
  end
  return first, math.max(first, last)
end

--- The first non-blank line of a snippet, trimmed.
---@param snippet string?
---@return string
local function first_line(snippet)
  for line in vim.gsplit(snippet or '', '\n', { plain = true }) do
    local trimmed = vim.trim(line)
    if trimmed ~= '' then
      return trimmed
    end
  end
  return ''
end

--- A file name for a result: its URI when it is a `file:` URI, else the path under the root.
---@param item table a result or citation
---@param root string?
---@return string
local function filename(item, root)
  if type(item.uri) == 'string' and item.uri:match('^file:') then
    return vim.uri_to_fname(item.uri)
  end
  if root and item.path then
    return root .. '/' .. item.path
  end
  return item.path or ''
end

--- The short tag of a place's file kind ("vendored", "generated", "test", "documentation"), or
--- nil for the project's own code and for a server that does not say.
---@param item table a result
---@return string?
function M.kind_tag(item)
  local kind = item.fileKind
  if type(kind) ~= 'string' or kind == '' or kind == 'first-party' then
    return nil
  end
  return kind
end

--- The labels (`path:3-9`) of the other places with the same text as a result.
---@param item table a result
---@return string[]
function M.copy_labels(item)
  local labels = {}
  for _, copy in ipairs(type(item.copies) == 'table' and item.copies or {}) do
    if type(copy) == 'table' and copy.path and copy.range then
      labels[#labels + 1] = M.label(copy.path, copy.range)
    end
  end
  return labels
end

--- One line per file holding copies of places, naming the places by citation, e.g.
--- "Same text also in vendor/lru/cache.rs: `[1]` `[3]`" (the quickfix entries have the lines):
--- a vendored copy of a whole file stays one line however many places it repeats.
---@param results table[]
---@return string[]
function M.copy_lines(results)
  local order, cited = {}, {}
  for i, item in ipairs(results) do
    for _, copy in ipairs(type(item.copies) == 'table' and item.copies or {}) do
      if type(copy) == 'table' and type(copy.path) == 'string' then
        if not cited[copy.path] then
          cited[copy.path] = {}
          order[#order + 1] = copy.path
        end
        local marker = ('`[%d]`'):format(item.citation or i)
        if not vim.tbl_contains(cited[copy.path], marker) then
          table.insert(cited[copy.path], marker)
        end
      end
    end
  end
  local lines = {}
  for _, path in ipairs(order) do
    lines[#lines + 1] = ('Same text also in %s: %s'):format(path, table.concat(cited[path], ' '))
  end
  return lines
end

--- " [vendored] (also in vendor/x.rs:3-9)": what a reader should know of where a place is.
---@param item table a result
---@return string
local function provenance(item)
  local text = ''
  local tag = M.kind_tag(item)
  if tag then
    text = text .. ' [' .. tag .. ']'
  end
  local copies = M.copy_labels(item)
  if #copies > 0 then
    text = text .. ' (also in ' .. table.concat(copies, ', ') .. ')'
  end
  return text
end

--- Quickfix items, one per result, best first.
---@param result table an `ail/context` result
---@param root string? the workspace root, for results without a `file:` URI
---@return table[]
function M.quickfix_items(result, root)
  local items = {}
  for i, item in ipairs(type(result.results) == 'table' and result.results or {}) do
    local first, last = M.lines(item.range)
    local label = item.symbol ~= vim.NIL and item.symbol or nil
    local kind = item.kind and item.kind ~= vim.NIL and item.kind or nil
    local heading = label and ('%s (%s)'):format(label, kind or 'symbol') or (kind or 'lines')
    local snippet = first_line(item.snippet ~= vim.NIL and item.snippet or nil)
    items[#items + 1] = {
      filename = filename(item, root),
      lnum = first,
      end_lnum = last,
      text = ('[%d] %s %.2f%s%s'):format(
        item.citation or i,
        heading,
        tonumber(item.score) or 0,
        provenance(item),
        snippet ~= '' and (': ' .. snippet) or ''
      ),
      user_data = { ail_citation = item.citation },
    }
  end
  return items
end

--- `path:31-58`, 1-based and inclusive.
---@param path string
---@param range table
---@return string
function M.label(path, range)
  local first, last = M.lines(range)
  if first == last then
    return ('%s:%d'):format(path, first)
  end
  return ('%s:%d-%d'):format(path, first, last)
end

---@param value any
---@return boolean
local function present(value)
  return value ~= nil and value ~= vim.NIL
end

--- Citation markers as code: markdown would show a bare `[1]` as a link and hide its brackets.
--- Links (`[1](...)`) and link definitions (`[1]: ...`) are left alone.
---@param text string
---@return string
function M.code_citations(text)
  return (text:gsub('()%[(%d+)%]()', function(_, n, after)
    local next_char = text:sub(after, after)
    if next_char == '(' or next_char == ':' then
      return nil
    end
    return '`[' .. n .. ']`'
  end))
end

--- What the reader should know before the answer: the index is still being built (the answer
--- may miss places), or the answer came from the cache.
---@param result table an `ail/context` result
---@return string[]
function M.notices(result)
  local notices = {}
  local index = present(result.index) and result.index or {}
  if present(index.state) and index.state ~= 'ready' then
    notices[#notices + 1] = ('**The index is still being built** (%s files so far): this answer may miss places.'):format(
      tostring(index.files or '?')
    )
  end
  if result.cache == 'exact' then
    notices[#notices + 1] =
      '**Answered from the cache:** this question was answered before, and the files it cites have not changed since.'
  elseif result.cache == 'semantic' then
    notices[#notices + 1] =
      '**Answered from the cache:** a near-identical question was answered before, and the files it cites have not changed since.'
  end
  return notices
end

--- Markdown lines for the floating window: the question, notices, the summary, the places,
--- the line's last change and the file's history when the server sent them, warnings, and
--- one line on confidence, cache and index state.
---@param result table an `ail/context` result
---@return string[]
function M.float_lines(result)
  local lines = {}
  local function add(text)
    for line in vim.gsplit(text, '\n', { plain = true }) do
      lines[#lines + 1] = line
    end
  end
  add(('# AIL: %s'):format(result.question or ''))
  add('')
  for _, notice in ipairs(M.notices(result)) do
    add('> ' .. notice)
    add('')
  end
  if present(result.summary) and result.summary ~= '' then
    add(M.code_citations(result.summary))
    add('')
  end
  local results = type(result.results) == 'table' and result.results or {}
  if #results == 0 then
    add('No places found.')
  else
    for i, item in ipairs(results) do
      local symbol = present(item.symbol) and (' `' .. item.symbol .. '`') or ''
      local kind = present(item.kind) and (' ' .. item.kind) or ''
      local tag = M.kind_tag(item)
      add(
        ('- `[%d]` %s%s%s, score %.2f%s'):format(
          item.citation or i,
          M.label(item.path or '', item.range),
          symbol,
          kind,
          tonumber(item.score) or 0,
          tag and (' · *' .. tag .. '*') or ''
        )
      )
    end
    for _, line in ipairs(M.copy_lines(results)) do
      add(line)
    end
  end
  local blame = present(result.blame) and type(result.blame) == 'table' and result.blame[1] or nil
  if blame then
    add('')
    add(
      ('Last change: %s by %s on %s: %s'):format(
        tostring(blame.sha or ''):sub(1, 8),
        blame.author or '?',
        tostring(blame.date or ''):sub(1, 10),
        blame.summary or ''
      )
    )
  end
  local history = present(result.history) and result.history or nil
  if type(history) == 'table' and type(history.commits) == 'table' and history.commits[1] then
    local latest = history.commits[1]
    add(
      ('History of %s: %s commit%s, latest %s by %s: %s'):format(
        history.path or 'this file',
        tostring(history.totalCommits or #history.commits),
        (history.totalCommits or #history.commits) == 1 and '' or 's',
        tostring(latest.date or ''):sub(1, 10),
        latest.author or '?',
        latest.summary or ''
      )
    )
  end
  local warnings = present(result.warnings) and result.warnings or {}
  if type(warnings) == 'table' and #warnings > 0 then
    add('')
    for _, warning in ipairs(warnings) do
      add('> ' .. tostring(warning))
    end
  end
  add('')
  local index = present(result.index) and result.index or {}
  local timings = present(result.timingsMs) and result.timingsMs or {}
  add(
    ('_confidence %.2f · cache %s · %.1f ms · index %s, %s files_'):format(
      tonumber(result.confidence) or 0,
      tostring(result.cache or '?'),
      tonumber(timings.total) or 0,
      tostring(index.state or '?'),
      tostring(index.files or '?')
    )
  )
  return lines
end

--- Show `lines` (markdown) in a floating window next to the cursor.
---@param lines string[]
---@param focus_id string
---@return integer? bufnr
---@return integer? winid
function M.show_float(lines, focus_id)
  local opts = config.get()
  local float = type(opts.float) == 'table' and opts.float or {}
  local bufnr, winid = vim.lsp.util.open_floating_preview(lines, 'markdown', {
    border = float.border,
    max_width = float.max_width,
    max_height = float.max_height,
    focus_id = focus_id,
    -- A new answer replaces the open one (with focus, a second :Ail context would only jump
    -- into the old window).
    focus = false,
  })
  if winid and vim.api.nvim_win_is_valid(winid) then
    -- Wrap long summary lines between words, not inside them.
    vim.wo[winid].linebreak = true
  end
  return bufnr, winid
end

--- Ask the server; fill the quickfix list and show the float. `opts.on_done(result?, err?)` is
--- called at the end either way (tests use it).
---@param question string?
---@param opts { bufnr: integer?, limit: integer?, on_done: fun(result: table?, err: string?)? }?
function M.ask(question, opts)
  opts = opts or {}
  local done = opts.on_done or function() end
  local bufnr = opts.bufnr or vim.api.nvim_get_current_buf()
  local client, attached = lsp.client(bufnr)
  if not client then
    local msg = 'not running for this buffer: open a file inside a workspace (a git repository), '
      .. 'or see :checkhealth ail.'
    vim.notify('AIL: ' .. msg, vim.log.levels.WARN)
    return done(nil, msg)
  end
  local position_params = nil
  if attached then
    local win = vim.fn.bufwinid(bufnr)
    position_params = vim.lsp.util.make_position_params(win ~= -1 and win or 0, client.offset_encoding)
  end
  question = question and vim.trim(question) or ''
  if question == '' and not position_params then
    local msg = 'ask a question (:Ail context {question}); this buffer has no cursor position to ask about.'
    vim.notify('AIL: ' .. msg, vim.log.levels.WARN)
    return done(nil, msg)
  end
  local limit = opts.limit or config.get().context.limit
  local params = M.params(question, position_params, limit)
  local root = client.root_dir or (client.config and client.config.root_dir)
  lsp.request(client, 'ail/context', params, function(err, result)
    if err then
      -- A cancelled request was cancelled on purpose: nothing to tell.
      if err.code ~= -32800 then
        vim.notify('AIL: ' .. (err.message or 'ail/context failed'), vim.log.levels.ERROR)
      end
      return done(nil, err.message or 'ail/context failed')
    end
    if type(result) ~= 'table' then
      vim.notify('AIL: the server sent no answer', vim.log.levels.ERROR)
      return done(nil, 'no answer')
    end
    local items = M.quickfix_items(result, root)
    vim.fn.setqflist({}, ' ', {
      title = 'AIL: ' .. (result.question or question),
      items = items,
      context = { ail = true },
    })
    if config.get().context.open_quickfix and #items > 0 then
      vim.cmd('botright copen')
      vim.cmd('wincmd p')
    end
    M.show_float(M.float_lines(result), 'ail_context')
    done(result, nil)
  end, attached and bufnr or nil)
end

--- `<Plug>(AilContext)` in normal mode: prompt for a question; an empty answer asks about the
--- symbol under the cursor.
function M.prompt()
  local bufnr = vim.api.nvim_get_current_buf()
  vim.ui.input({ prompt = 'AIL question (empty: the code under the cursor): ' }, function(input)
    if input == nil then
      return
    end
    M.ask(input, { bufnr = bufnr })
  end)
end

--- `:Ail symbol` and `<Plug>(AilSymbol)`: ask about the identifier under the cursor, with no
--- question (the server takes the identifier at the position).
---@param opts { on_done: fun(result: table?, err: string?)? }?
function M.ask_symbol(opts)
  opts = opts or {}
  if vim.fn.expand('<cword>') == '' then
    local msg = 'no symbol under the cursor; put it on a name, or ask a question with :Ail context {question}.'
    vim.notify('AIL: ' .. msg, vim.log.levels.WARN)
    if opts.on_done then
      opts.on_done(nil, msg)
    end
    return
  end
  M.ask('', opts)
end

--- `<Plug>(AilContext)` in visual mode: the selected text is the question.
function M.ask_selection()
  local region = vim.fn.getregion(vim.fn.getpos('v'), vim.fn.getpos('.'), { type = vim.fn.mode() })
  vim.api.nvim_feedkeys(vim.keycode('<Esc>'), 'nx', false)
  local question = table.concat(region, ' '):gsub('%s+', ' ')
  M.ask(question, {})
end

return M
