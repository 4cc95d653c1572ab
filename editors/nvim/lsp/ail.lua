--- AIL's configuration for `vim.lsp.config` / `vim.lsp.enable('ail')` (Neovim 0.11+). Override
--- any field with `vim.lsp.config('ail', { ... })`; the binary and settings come from `vim.g.ail`.

return require('ail.lsp').enable_config()
