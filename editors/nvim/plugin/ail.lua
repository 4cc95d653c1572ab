--- Loaded at startup: defines `:Ail`, the `<Plug>` mappings, progress tracking, and starts the
--- server for files in a workspace. Kept small: the modules load when first used.

if vim.g.loaded_ail then
  return
end
vim.g.loaded_ail = true

if vim.fn.has('nvim-0.10') == 0 then
  -- `:checkhealth ail` says why; refusing quietly keeps older Neovims usable.
  return
end

vim.api.nvim_create_user_command('Ail', function(cmd)
  require('ail.commands').run(cmd.args, cmd.bang)
end, {
  nargs = '*',
  bang = true,
  desc = 'AIL: context {question} | symbol | status | reindex | log',
  complete = function(arg_lead, cmd_line)
    return require('ail.commands').complete(arg_lead, cmd_line)
  end,
})

vim.keymap.set('n', '<Plug>(AilContext)', function()
  require('ail.context').prompt()
end, { desc = 'AIL: ask about the code under the cursor' })
vim.keymap.set('x', '<Plug>(AilContext)', function()
  require('ail.context').ask_selection()
end, { desc = 'AIL: ask the selected text' })
vim.keymap.set('n', '<Plug>(AilSymbol)', function()
  require('ail.context').ask_symbol()
end, { desc = 'AIL: ask about the symbol under the cursor' })

local group = vim.api.nvim_create_augroup('ail', { clear = true })

vim.api.nvim_create_autocmd('LspProgress', {
  group = group,
  callback = function(args)
    local data = args.data or {}
    local client = data.client_id and vim.lsp.get_client_by_id(data.client_id)
    if client and client.name == 'ail' and type(data.params) == 'table' then
      require('ail.status').on_progress(client, data.params.value)
    end
  end,
})

vim.api.nvim_create_autocmd('LspAttach', {
  group = group,
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if client and client.name == 'ail' then
      -- The index may already be on disk, with no progress to report: ask for its size.
      require('ail.status').refresh(client)
    end
  end,
})

vim.api.nvim_create_autocmd('LspDetach', {
  group = group,
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if client and client.name == 'ail' and #vim.lsp.get_buffers_by_client_id(client.id) <= 1 then
      require('ail.status').forget(client.id)
    end
  end,
})

local user = type(vim.g.ail) == 'table' and vim.g.ail or {}
if user.autostart ~= false then
  if vim.fn.has('nvim-0.11') == 1 then
    -- `lsp/ail.lua` holds the configuration; enabling attaches on every FileType.
    vim.lsp.enable('ail')
  else
    vim.api.nvim_create_autocmd({ 'FileType', 'BufEnter' }, {
      group = group,
      callback = function(args)
        require('ail.lsp').start(args.buf)
      end,
    })
  end
end
