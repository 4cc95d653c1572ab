#!/usr/bin/env bash
# Prepares what the end-to-end suite runs on, without any download but from the package
# registries: code-server (VS Code's workbench and extension host as a server) from npm,
# installed with its scripts off because its postinstall fetches a ripgrep binary; its
# VS Code dependencies from their shrinkwrap, also without scripts; the few native modules
# the server loads, compiled here against this Node's own headers; Debian's ripgrep where
# VS Code looks for its own; Debian's Chromium to drive the workbench with playwright-core.
#
#   editors/vscode/test-web/setup.sh      # idempotent: a second run only checks
#
# Prints what it does; exits non-zero, saying what is missing, when it cannot finish.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

say() { echo "test-web setup: $*"; }
die() {
  echo "test-web setup: $*" >&2
  exit 1
}

# Debian packages: Chromium (the browser), ripgrep (VS Code's search), tmux (the terminal
# Neovim runs in), a font for screenshots.
need_apt=()
command -v tmux >/dev/null 2>&1 || need_apt+=(tmux)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${need_apt[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    die "missing ${need_apt[*]}: install them (Debian: apt-get install ${need_apt[*]})"
  fi
fi

# Native modules are compiled against the headers of the Node that runs them; node-gyp would
# download them otherwise.
node_prefix="$(node -p 'require("path").resolve(process.execPath, "..", "..")')"
[ -e "$node_prefix/include/node/common.gypi" ] ||
  die "no Node.js headers under $node_prefix/include/node (Debian: apt-get install libnode-dev)"
for tool in make g++ python3; do
  command -v "$tool" >/dev/null 2>&1 || die "missing $tool, needed to compile native modules (Debian: apt-get install build-essential python3)"
done

# Everything below is keyed on the lock file and the Node version: unchanged, nothing to do.
stamp_value="$(sha256sum package-lock.json | cut -d' ' -f1) $(node --version)"
stamp="node_modules/.ail-test-web-ready"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_value" ]; then
  say "ready (code-server $(node -p 'require("code-server/package.json").version'), $(chromium --version 2>/dev/null | head -n 1))"
  exit 0
fi

say "npm ci --ignore-scripts (code-server, playwright-core, node-gyp)"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

vscode_dir="$here/node_modules/code-server/lib/vscode"
say "VS Code's server dependencies (from its shrinkwrap, scripts off)"
(cd "$vscode_dir" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)

node_gyp="$here/node_modules/node-gyp/bin/node-gyp.js"
gyp() { (cd "$1" && node "$node_gyp" rebuild --jobs=max --nodedir="$node_prefix" --loglevel=warn >/dev/null); }
# What the server and the extension host load at start: logging, the parent-process
# watchdog, the terminal host; code-server's password hashing (loaded even with auth off).
for module in @vscode/spdlog native-watchdog node-pty; do
  say "compiling $module"
  gyp "$vscode_dir/node_modules/$module" || die "could not compile $module"
done
say "compiling argon2"
(cd node_modules/argon2 &&
  node ../@mapbox/node-pre-gyp/bin/node-pre-gyp rebuild --nodedir="$node_prefix" --loglevel=warn >/dev/null) ||
  die "could not compile argon2"

# VS Code runs ripgrep from @vscode/ripgrep/bin/rg; its postinstall would download it.
mkdir -p "$vscode_dir/node_modules/@vscode/ripgrep/bin"
ln -sfn "$(command -v rg)" "$vscode_dir/node_modules/@vscode/ripgrep/bin/rg"

# What code-server's postinstall links: VS Code reads some modules from node_modules.asar,
# and the CLI and browser helper scripts for this platform.
ln -sfn node_modules "$vscode_dir/node_modules.asar"
ln -sfn code-linux.sh "$vscode_dir/bin/remote-cli/code-server"
ln -sfn browser-linux.sh "$vscode_dir/bin/helpers/browser.sh"

echo "$stamp_value" >"$stamp"
say "ready (code-server $(node -p 'require("code-server/package.json").version'), $(chromium --version 2>/dev/null | head -n 1))"
