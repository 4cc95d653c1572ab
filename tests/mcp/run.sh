#!/usr/bin/env bash
# Runs the end-to-end MCP tests (tests/mcp/e2e.py) with the official MCP Python SDK against
# the real `ail mcp`. Installs what it needs first: Python 3.10+ with venv (apt, when
# missing), then `mcp` and `jsonschema` from PyPI into a virtual environment under target/.
# Prints "N passed, M failed"; exits non-zero on any failure.
#
#   tests/mcp/run.sh                 # uses target/debug/ail (run `cargo build` first)
#   AIL_BIN=/path/to/ail tests/mcp/run.sh
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
ail="${AIL_BIN:-$repo/target/debug/ail}"
venv="$repo/target/mcp-venv"

python_ok() {
  command -v python3 >/dev/null &&
    python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' 2>/dev/null
}
if ! python_ok; then
  echo "installing python3 and python3-venv (apt)"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq python3 python3-venv >/dev/null
fi
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "mcp>=2.3,<3" "jsonschema>=4.20"
exec "$venv/bin/python" "$repo/tests/mcp/e2e.py" "$ail"
